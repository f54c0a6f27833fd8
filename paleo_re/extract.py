"""Documents in, relation triples with provenance out, streamed through `nlp.pipe`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.tokens import Doc

from .io.errors import FormatError

TEXT_SUFFIXES = {".txt", ".md"}


@dataclass
class Report:
    documents: int = 0
    triples: int = 0
    failures: list[str] = field(default_factory=list)


def iter_inputs(paths: Iterable[Path], report: Report) -> Iterator[tuple[str, str]]:
    """(document id, text) from .txt files, .jsonl files of {"id", "text"} and folders of them.
    Unreadable files and bad lines are recorded in `report` and skipped."""
    for path in paths:
        if path.is_dir():
            yield from iter_inputs(sorted(p for p in path.rglob("*") if p.is_file()), report)
        elif path.suffix == ".jsonl":
            try:
                for n, line in enumerate(srsly.read_jsonl(path), start=1):
                    if not isinstance(line, dict) or not isinstance(line.get("text"), str):
                        report.failures.append(str(FormatError(path, n, "text",
                                                               "missing or not a string")))
                        continue
                    yield str(line.get("id", f"{path.name}:{n}")), line["text"]
            except ValueError as err:
                report.failures.append(f"{path}: {err}")
        elif path.suffix in TEXT_SUFFIXES:
            try:
                text = path.read_text(encoding="utf8")
            except (OSError, UnicodeDecodeError) as err:
                report.failures.append(f"{path}: {err}")
                continue
            if not text.strip():
                report.failures.append(f"{path}: empty file")
                continue
            yield path.name, text
        else:
            report.failures.append(f"{path}: unsupported file type '{path.suffix}'")


def triples(doc: Doc, doc_id: str, model: str) -> Iterator[dict[str, Any]]:
    for rel in doc._.relations:
        yield {
            "doc_id": doc_id,
            "sentence": rel.head.sent.text if doc.has_annotation("SENT_START") else doc.text,
            **rel.to_dict(),
            "model": model,
        }


def extract(nlp: Language, paths: Iterable[Path], output: Path, batch_size: int = 32,
            n_process: int = 1) -> Report:
    """Write one JSON line per predicted relation to `output` (atomically) and report."""
    report = Report()
    model = f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'pipeline')}-" \
            f"{nlp.meta.get('version', '0.0.0')}"
    rows = []
    stream = nlp.pipe(iter_inputs(paths, report), as_tuples=True, batch_size=batch_size,
                      n_process=n_process)
    for doc, doc_id in stream:
        report.documents += 1
        rows.extend(triples(doc, doc_id, model))
    report.triples = len(rows)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    srsly.write_jsonl(tmp, rows)
    tmp.replace(output)
    return report
