"""Building `Doc`s whose tokens respect given character spans.

Annotated offsets do not always fall on spaCy token boundaries (`Olenellus-bearing`, `Fm.`).
Rather than snapping a span to the nearest tokens, which would silently move it, the tokens are
split so that every annotated boundary is a token boundary.

Also the atomic writes every writer of the package shares.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import srsly
from spacy.tokens import Doc, DocBin


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


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A fresh temporary path beside `path`, renamed over it when the block succeeds.

    A crash or a bad record halfway never leaves a truncated file where a good one was, and two
    runs writing the same file never share a temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); the output gets the mode of any new file
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def check_writable(path: str | Path) -> None:
    """Raise `OSError` now if `atomic_path` could not write `path`, rather than after a whole
    run: its folder is made, and a temporary file is created and removed in it."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "it is a folder")
    existing = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{existing} is not a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=path.parent):
        pass


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_jsonl_atomic(path: str | Path, records: Iterable[Any]) -> None:
    with atomic_path(path) as tmp:
        srsly.write_jsonl(tmp, records)


def write_docbin(docs: Iterable[Doc], path: str | Path) -> int:
    """Write a `.spacy` file with user data (relations, ids) atomically; return the count."""
    docbin = DocBin(store_user_data=True, docs=docs)
    with atomic_path(path) as tmp:
        docbin.to_disk(tmp)
    return len(docbin)
