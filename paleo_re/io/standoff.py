"""Stand-off annotations: the project's annotation format with the sentence left out.

Hand labels on sentences from a data asset (the seed's real sentences) cannot carry the
sentence into the repository, so a line names where the text lives instead:

    {"id": "real-0001",
     "source": {"file": "paleobert/ner_dev.jsonl", "line": 1402, "sha1": "3f2a..."},
     "entities": [{"start": 0, "end": 9, "label": "TAXON"}],
     "relations": [{"head": 0, "tail": 1, "label": "occurs_in"}]}

`file` is relative to the data folder, `line` is 1-based, and the text is that line's "text"
field as `seed.plain_text` reads the seed's raw sentences (whitespace runs and `_` name joins
become one space). `sha1` is the hex digest of that text, so a line of an edited or reordered
asset is reported (file, line, field) instead of shifting its labels onto the wrong words. A
line that carries a "text" is refused: the format exists to keep the text out of the
repository.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from ..component.schema import Schema
from .annotations import iter_lines, record_to_doc
from .errors import FormatError, reported
from .seed import plain_text


def text_digest(text: str) -> str:
    """The `sha1` a stand-off line gives for `text` (already through `plain_text`)."""
    return hashlib.sha1(text.encode("utf8")).hexdigest()


class _Sources:
    """The data folder's files, each parsed once per read; unreadable lines are left out, so
    only the records pointing at them fail."""

    def __init__(self, data: Path):
        self.data = data
        self.files: dict[str, dict[int, Any]] = {}

    def lines(self, file: str) -> dict[int, Any] | None:
        path = self.data / file
        if Path(file).is_absolute() or ".." in Path(file).parts or not path.is_file():
            return None
        if file not in self.files:
            self.files[file] = dict(iter_lines(path, errors=[]))
        return self.files[file]


def _resolve(record: Any, sources: _Sources, path: str | Path, line: int) -> dict[str, Any]:
    """The record with the text of its source line filled in; `FormatError` if it cannot be."""
    if not isinstance(record, dict):
        raise FormatError(path, line, "", "expected a JSON object")
    if "text" in record or any(isinstance(e, dict) and "text" in e
                               for e in record.get("entities") or []):
        raise FormatError(path, line, "text", "a stand-off line must not carry its text")
    source = record.get("source")
    if not isinstance(source, dict):
        raise FormatError(path, line, "source", "missing or not an object")
    file, number, digest = source.get("file"), source.get("line"), source.get("sha1")
    lines = sources.lines(file) if isinstance(file, str) else None
    if lines is None:
        raise FormatError(path, line, "source.file",
                          f"{file!r} is not a file inside {sources.data}")
    if not isinstance(number, int) or isinstance(number, bool) or number not in lines:
        raise FormatError(path, line, "source.line", f"{number!r} is not a readable line of {file}")
    text = lines[number].get("text") if isinstance(lines[number], dict) else None
    if not isinstance(text, str):
        raise FormatError(path, line, "source.line", f"{file}:{number} has no 'text'")
    text = plain_text(text)
    if digest != text_digest(text):
        raise FormatError(path, line, "source.sha1", f"does not match the text of {file}:{number} "
                          "(has the data changed?)")
    return {**record, "text": text}


def read_standoff(path: str | Path, data: str | Path, tokenizer: Callable[[str], Doc],
                  errors: list[FormatError] | None = None, schema: Schema | None = None
                  ) -> Iterator[Doc]:
    """Read stand-off annotations against the data folder `data`, like `read_annotations`:
    with `errors=None` the first bad line raises, with a list it is recorded and skipped."""
    sources = _Sources(Path(data))
    for n, record in iter_lines(path, errors):
        with reported(errors):
            yield record_to_doc(tokenizer, _resolve(record, sources, path, n), path, n, schema)
