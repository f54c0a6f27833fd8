"""Readers and writers, one module per file format.

Every reader yields `Doc`s with gold `doc.ents` and `doc._.relations`; every writer takes them
back to the format. Malformed input raises `FormatError` naming the file, line and field.
"""

from .errors import FormatError

__all__ = ["FormatError"]
