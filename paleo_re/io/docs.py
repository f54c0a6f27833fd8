"""Building `Doc`s whose tokens respect given character spans.

Annotated offsets do not always fall on spaCy token boundaries (`Olenellus-bearing`, `Fm.`).
Rather than snapping a span to the nearest tokens, which would silently move it, the tokens are
split so that every annotated boundary is a token boundary.

Also the atomic JSONL write every writer of the package shares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.tokens import Doc


def doc_with_boundaries(tokenizer: Callable[[str], Doc], text: str,
                        boundaries: Iterable[int]) -> Doc:
    doc = tokenizer(text)
    cuts = sorted(set(boundaries))
    words: list[str] = []
    spaces: list[bool] = []
    for token in doc:
        start, end = token.idx, token.idx + len(token.text)
        pieces = [start, *(c for c in cuts if start < c < end), end]
        for i in range(len(pieces) - 1):
            words.append(text[pieces[i]:pieces[i + 1]])
            spaces.append(bool(token.whitespace_) and i == len(pieces) - 2)
    if len(words) == len(doc):
        return doc
    return Doc(doc.vocab, words=words, spaces=spaces)


def write_jsonl_atomic(path: str | Path, records: Iterable[Any]) -> None:
    """Write JSON lines to a temporary file, then rename it over `path`.

    A crash or a bad record halfway never leaves a truncated file where a good one was.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        srsly.write_jsonl(tmp, records)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
