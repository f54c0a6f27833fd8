"""Stand-off annotations: the project's annotation format with the sentence left out.

Hand labels on sentences from a data asset (the seed's real sentences) cannot carry the
sentence into the repository, so a line names where the text lives instead:

    {"id": "real-0001",
     "source": {"file": "paleobert/ner_dev.jsonl", "line": 1402, "sha1": "3f2a..."},
     "entities": [{"start": 0, "end": 9, "label": "TAXON"}],
     "relations": [{"head": 0, "tail": 1, "label": "occurs_in"}]}

`file` is relative to the data folder, `line` is 1-based, and the text is that line's "text"
field with every run of whitespace (PDF line breaks) collapsed to one space. `sha1` is the
hex digest of that text, so an edited or reordered asset fails loudly instead of shifting
labels onto the wrong words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from .annotations import iter_lines, record_to_doc
from .errors import FormatError


def source_text(text: str) -> str:
    """The text a stand-off line annotates: whitespace runs collapsed to one space."""
    return " ".join(text.split())


def text_digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf8")).hexdigest()


@cache
def _source_lines(path: Path) -> dict[int, Any]:
    return dict(iter_lines(path))


def resolve(record: Any, data: Path, path: str | Path, line: int) -> dict[str, Any]:
    """The record with the text of its source line filled in; `FormatError` if it cannot be."""
    source = record.get("source") if isinstance(record, dict) else None
    if not isinstance(source, dict):
        raise FormatError(path, line, "source", "missing or not an object")
    file, number, digest = source.get("file"), source.get("line"), source.get("sha1")
    if not isinstance(file, str) or not (data / file).is_file():
        raise FormatError(path, line, "source.file", f"{file!r} is not a file under {data}")
    lines = _source_lines((data / file).resolve())
    if not isinstance(number, int) or number not in lines:
        raise FormatError(path, line, "source.line", f"{number!r} is not a line of {file}")
    text = lines[number].get("text") if isinstance(lines[number], dict) else None
    if not isinstance(text, str):
        raise FormatError(path, line, "source.line", f"{file}:{number} has no 'text'")
    text = source_text(text)
    if digest != text_digest(text):
        raise FormatError(path, line, "source.sha1", f"does not match the text of {file}:{number} "
                          "(has the data changed?)")
    return {**record, "text": text}


def read_standoff(path: str | Path, data: str | Path, tokenizer: Callable[[str], Doc],
                  errors: list[FormatError] | None = None) -> Iterator[Doc]:
    """Read stand-off annotations against the data folder `data`, like `read_annotations`:
    with `errors=None` the first bad line raises, with a list it is recorded and skipped."""
    for n, record in iter_lines(path, errors):
        try:
            yield record_to_doc(tokenizer, resolve(record, Path(data), path, n), path, n)
        except FormatError as err:
            if errors is None:
                raise
            errors.append(err)
