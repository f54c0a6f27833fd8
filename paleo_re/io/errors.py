"""One error type for malformed input, so every format reports problems the same way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class FormatError(ValueError):
    """A malformed record: says which file, which line (1-based) and which field."""

    def __init__(self, path: str | Path | None, line: int | None, field: str | None, msg: str):
        self.path = str(path) if path is not None else "<input>"
        self.line = line
        self.field = field
        self.msg = msg
        where = self.path + (f":{line}" if line is not None else "")
        what = f" field '{field}'" if field else ""
        super().__init__(f"{where}:{what} {msg}")


@contextmanager
def reported(errors: list[FormatError] | None) -> Iterator[None]:
    """Let a `FormatError` raised inside through, or with a list append it to `errors` and
    carry on after the block: how every reader keeps one bad line from stopping a batch."""
    try:
        yield
    except FormatError as err:
        if errors is None:
            raise
        errors.append(err)
