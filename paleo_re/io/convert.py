"""Batch conversion between the formats the project reads and writes.

Formats: "annotations" (the guideline JSONL), "seed" (the seed project's pair-per-line JSONL),
"spans" (Prodigy-style span/relation tasks) and "spacy" (a `DocBin` stored with user data, so
`doc._.relations` survive). A bad line never stops a batch and is never dropped silently: every
`FormatError` is collected with its file, line and field, the rest is converted, and the counts
in/out/errors (plus each format's own skip counts) are returned and printed.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..component.schema import DEFAULT
from .annotations import read_annotations, write_annotations
from .docs import check_writable, write_docbin
from .errors import FormatError
from .seed import read_seed, write_seed
from .spans import read_spans, write_spans

FORMATS = ("annotations", "seed", "spans", "spacy")

Tokenizer = Callable[[str], Doc]


@dataclass
class ConversionReport:
    """What a conversion read, wrote and refused."""

    lines_in: int = 0
    docs_out: int = 0
    errors: list[FormatError] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        extra = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()) if v)
        return (f"in {self.lines_in} lines, out {self.docs_out} docs, "
                f"errors {len(self.errors)}" + (f" ({extra})" if extra else ""))


def _tokenizer(nlp_or_tokenizer: Language | Tokenizer) -> Tokenizer:
    if isinstance(nlp_or_tokenizer, Language):
        return nlp_or_tokenizer.make_doc
    return nlp_or_tokenizer


def read_docbin(path: str | Path, tokenizer: Tokenizer) -> Iterator[Doc]:
    """Docs of a `.spacy` file, in the tokenizer's vocab (taken from a doc it makes)."""
    vocab = tokenizer("").vocab
    yield from DocBin(store_user_data=True).from_disk(path).get_docs(vocab)


def _count_in(path: Path, fmt: str) -> int:
    """Input size: non-blank lines for JSONL formats, docs for a `.spacy` file."""
    if fmt == "spacy":
        return len(DocBin().from_disk(path))
    with path.open(encoding="utf8") as f:
        return sum(1 for line in f if line.strip())


def _read(path: Path, fmt: str, tokenizer: Tokenizer, errors: list[FormatError],
          counts: Counter[str]) -> Iterator[Doc]:
    if fmt == "annotations":
        return read_annotations(path, tokenizer, errors, DEFAULT)
    if fmt == "seed":
        return read_seed(path, tokenizer, errors, counts)
    if fmt == "spans":
        return read_spans(path, tokenizer, errors, counts)
    return read_docbin(path, tokenizer)


def _write(docs: Iterable[Doc], path: Path, fmt: str, counts: Counter[str]) -> int:
    if fmt == "annotations":
        return write_annotations(docs, path)
    if fmt == "seed":
        return write_seed(docs, path, stats=counts)
    if fmt == "spans":
        return write_spans(docs, path)
    return write_docbin(docs, path)


def convert(inputs: list[Path], output: Path, from_format: str, to_format: str,
            nlp_or_tokenizer: Language | Tokenizer, verbose: bool = True) -> ConversionReport:
    """Convert every input file into one output file; report bad lines instead of stopping.

    The output is written atomically (temporary file, then rename), so a failed run leaves any
    previous output intact.
    """
    for fmt in (from_format, to_format):
        if fmt not in FORMATS:
            raise ValueError(f"Unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    check_writable(output)  # before reading, not after
    tokenizer = _tokenizer(nlp_or_tokenizer)
    report = ConversionReport()
    docs: list[Doc] = []
    for path in map(Path, inputs):
        try:
            report.lines_in += _count_in(path, from_format)
            docs.extend(_read(path, from_format, tokenizer, report.errors, report.counts))
        except FormatError:
            raise
        # not UTF-8 text (a .spacy file read as JSONL), not a DocBin (JSONL read as spacy)
        except ValueError as err:
            raise FormatError(path, None, None, f"not in the {from_format!r} format "
                              f"({type(err).__name__}: {err})") from None
    # "lines" is the seed/spans readers' own count of lines_in; keep only the total above
    report.counts.pop("lines", None)
    report.docs_out = _write(docs, Path(output), to_format, report.counts)
    report.counts["docs_read"] = len(docs)
    if verbose:
        for err in report.errors:
            print(err, file=sys.stderr)
        print(f"{from_format} -> {to_format} {output}: {report.summary()}", file=sys.stderr)
    return report

