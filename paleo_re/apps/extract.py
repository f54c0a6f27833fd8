"""Documents in (text, PDF, JSONL, folders), relation triples with provenance out.

Papers arrive as folders of mixed files, some broken. Reading is therefore forgiving per file
(a file that cannot be read is recorded in the `Report` and skipped, never fatal) and strict per
record (a triple always carries the document id, the sentence, character offsets of both
entities in the document, the label, the score and the model that produced it), so every fact in
the graph can be traced back to a sentence of a paper.

Documents stream through `nlp.pipe` (batching and `n_process` are the caller's choice); output
is written atomically, including after an interruption, where the triples of the documents
finished so far are kept, so `resume=True` can carry on from there. Resuming skips the document
ids already present in the output: a document that produced no triple is processed again (it
adds nothing twice).

The same module exports low-confidence predictions for review in an annotation tool
(`export_review`), in the span-and-relation JSONL of `io/spans.py`.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..component.relations import Relation, set_relations
from ..io.annotations import iter_lines, parse_lines
from ..io.docs import atomic_path, check_writable, write_jsonl_atomic
from ..io.errors import FormatError
from ..io.spans import write_spans
from ..io.text import ADVICE, decode, detect_encoding, without_controls

TEXT_SUFFIXES = {".txt", ".md"}
PDF_SUFFIXES = {".pdf"}
JSONL_SUFFIXES = {".jsonl"}
FORMATS = ("jsonl", "csv")
BACKENDS = ("local", "dask")  # dask: `paleo_re.apps.distributed`

# The flat column order of the CSV output; `row_to_csv` / `csv_to_row` convert.
CSV_COLUMNS = ("doc_id", "head", "head_label", "head_start", "head_end", "label", "tail",
               "tail_label", "tail_start", "tail_end", "score", "sentence", "sentence_start",
               "model", "model_version")


@dataclass
class Report:
    """What a run did: counts plus one line per input that could not be used, and one per
    input used with a caveat (a guessed encoding, an empty JSONL text skipped)."""

    documents: int = 0
    triples: int = 0
    skipped: int = 0  # documents already in the output (resume)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.documents} documents, {self.triples} triples"
                 + (f", {self.skipped} already done" if self.skipped else "")
                 + f", {len(self.failures)} failed"]
        lines += [f"  failed: {failure}" for failure in self.failures]
        lines += [f"  warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


# --- reading --------------------------------------------------------------------------------

_BREAK_HYPHEN = re.compile(r"(\w)[-\u00ad\u2010]\s*\n\s*([a-z])")
_KEEP_HYPHEN = re.compile(r"(\w)-[ \t]*\n\s*(\w)")


def dehyphenate(text: str) -> str:
    """Undo the line layout of a PDF text layer.

    A hyphen at a line end followed by a lowercase letter is a word broken by typesetting
    ("Ne-\\nvada" -> "Nevada"); followed by anything else it is a real hyphen
    ("Cambrian-\\nOrdovician" -> "Cambrian-Ordovician"). Single line breaks inside a paragraph
    become spaces, so sentences are not cut at every line; blank lines (paragraphs) stay.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _BREAK_HYPHEN.sub(r"\1\2", text)
    text = _KEEP_HYPHEN.sub(r"\1-\2", text)
    paragraphs = (re.sub(r"\s*\n\s*", " ", p).strip() for p in re.split(r"\n[ \t]*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def read_pdf(path: Path) -> str:
    """The de-hyphenated text layer of a PDF, pages separated by blank lines.

    Raises `ValueError` for a PDF without any text (a scan needs OCR first), and whatever pypdf
    raises for a damaged file.
    """
    from pypdf import PdfReader

    reader = PdfReader(path)
    pages = [page.extract_text() or "" for page in reader.pages]
    text = dehyphenate("\n\n".join(pages))
    if not text:
        raise ValueError("no text layer (scanned PDF? run OCR first)")
    return text


def _read_file(path: Path) -> tuple[str, str]:
    """(text, encoding) of a text file or PDF."""
    if path.stat().st_size == 0:
        raise ValueError("empty file")
    if path.suffix.lower() in PDF_SUFFIXES:
        return read_pdf(path), "utf-8"
    text, encoding = decode(path.read_bytes())
    if not text.strip():
        raise ValueError("empty file")
    return text, encoding


def _not_utf8(path: Path | str, encoding: str) -> str:
    return f"{path}: not UTF-8, read as {encoding} ({ADVICE} if that is wrong)"


def _jsonl_lines(path: Path, report: Report) -> Iterator[str]:
    """The lines of a JSONL file, each as UTF-8 or else in the encoding detected for the
    whole file (said once in `report.warnings`); bytes that fit neither become U+FFFD."""
    encoding = None
    with path.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            try:
                yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                if encoding is None:
                    encoding = detect_encoding(path.read_bytes()) or "utf-8"
                    report.warnings.append(_not_utf8(f"{path}:{n}", encoding))
                yield raw.decode(encoding, errors="replace")


def iter_inputs(paths: Iterable[Path], report: Report) -> Iterator[tuple[str, str]]:
    """(document id, text) from .txt/.md, .pdf, .jsonl files of {"id", "text"} and folders.

    Unreadable files and bad lines are recorded in `report.failures` and skipped. A file's id
    is its path as given (a folder's files: the folder as given, then the path inside it), so
    `a/notes.txt` and `b/notes.txt` stay apart and `--resume` never skips a document it has
    not processed; a JSONL line's id is "<file id>#<its "id" field, or its line number>".

    Text that is not UTF-8 is decoded in the encoding detected (with a warning), control
    characters become spaces (offsets stay those of the file), and an empty JSONL text is a
    warning, not a document.
    """
    for path in map(Path, paths):
        if not path.exists():
            report.failures.append(f"{path}: no such file or folder")
            continue
        if path.is_dir():
            yield from iter_inputs(sorted(p for p in path.rglob("*") if p.is_file()), report)
            continue
        suffix = path.suffix.lower()
        if suffix in JSONL_SUFFIXES:
            errors: list[FormatError] = []
            try:  # a bad line is reported, not the end
                for n, line in parse_lines(_jsonl_lines(path, report), path, errors):
                    if not isinstance(line, dict) or not isinstance(line.get("text"), str):
                        errors.append(FormatError(path, n, "text", "missing or not a string"))
                        continue
                    if not line["text"].strip():
                        report.warnings.append(str(FormatError(
                            path, n, "text", "empty: skipped, not counted as a document")))
                        continue
                    yield f"{path}#{line.get('id', n)}", without_controls(line["text"])
            except OSError as err:
                report.failures.append(f"{path}: {err}")
            report.failures.extend(map(str, errors))
        elif suffix in TEXT_SUFFIXES | PDF_SUFFIXES:
            try:
                text, encoding = _read_file(path)
            # A damaged PDF can make pypdf raise nearly anything (PdfReadError, KeyError,
            # TypeError...); one bad paper must not stop a folder of good ones.
            except Exception as err:  # noqa: BLE001
                report.failures.append(f"{path}: {type(err).__name__}: {err}")
                continue
            if encoding != "utf-8":
                report.warnings.append(_not_utf8(path, encoding))
            yield str(path), without_controls(text)
        else:
            report.failures.append(f"{path}: unsupported file type '{path.suffix}'")


# --- triples --------------------------------------------------------------------------------

def model_name(nlp: Language) -> tuple[str, str]:
    """(name, version) as a spaCy package would be called: `en_paleo_re`, `0.1.0`."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}", \
        str(meta.get("version", "0.0.0"))


def _sentence(doc: Doc, rel: Relation) -> Span:
    """The sentence holding both entities (the whole doc if unsplit or they straddle two)."""
    if doc.has_annotation("SENT_START"):
        sent = rel.head.sent
        if sent.start <= rel.tail.start and rel.tail.end <= sent.end:
            return sent
    return doc[:]


def triples(doc: Doc, doc_id: str, model: str, version: str = "") -> Iterator[dict[str, Any]]:
    """One record per relation of `doc`; entity offsets are characters of the document."""
    for rel in doc._.relations:
        sent = _sentence(doc, rel)
        yield {
            "doc_id": doc_id,
            "sentence": sent.text,
            "sentence_start": sent.start_char,
            **rel.to_dict(),
            "score": round(rel.score, 4),  # more digits are noise; CSV and JSON agree on 4
            "model": model,
            "model_version": version,
        }


# A spreadsheet reads a cell that starts with one of these as a formula (`=HYPERLINK(...)`
# in a sentence of a paper would be a live link); such text is written behind a `'`, as
# spreadsheet tools expect, and `csv_to_row` takes it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = ("doc_id", "head", "tail", "sentence")


def defuse(text: str) -> str:
    """`text` made safe for a spreadsheet cell: a leading formula character is quoted."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def _restore(text: str) -> str:
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS) \
        else text


def row_to_csv(row: dict[str, Any]) -> dict[str, Any]:
    flat = {k: row[k] for k in ("doc_id", "label", "score", "sentence", "sentence_start",
                                "model", "model_version")}
    for side in ("head", "tail"):
        flat[side] = row[side]["text"]
        for key in ("label", "start", "end"):
            flat[f"{side}_{key}"] = row[side][key]
    for key in TEXT_COLUMNS:
        flat[key] = defuse(flat[key])
    return flat


def csv_to_row(flat: dict[str, str]) -> dict[str, Any]:
    flat = {k: _restore(v) if k in TEXT_COLUMNS else v for k, v in flat.items()}
    row: dict[str, Any] = {
        "doc_id": flat["doc_id"], "sentence": flat["sentence"],
        "sentence_start": int(flat["sentence_start"]),
        "label": flat["label"], "score": float(flat["score"]),
        "model": flat["model"], "model_version": flat["model_version"],
    }
    for side in ("head", "tail"):
        row[side] = {"text": flat[side], "start": int(flat[f"{side}_start"]),
                     "end": int(flat[f"{side}_end"]), "label": flat[f"{side}_label"]}
    return row


def infer_format(path: Path, fmt: str | None = None) -> str:
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


def is_triples_file(path: Path) -> bool:
    """Whether `path` holds triples written by `extract` (a .csv, or a .jsonl whose first
    line has a head) rather than documents."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return True
    if path.suffix.lower() not in JSONL_SUFFIXES or not path.is_file():
        return False
    for _, row in iter_lines(path, []):
        return isinstance(row, dict) and "head" in row
    return False


def _checked(path: Path, n: int, row: Any) -> dict[str, Any]:
    """A triple row with the fields the graph and the viewer read, or a FormatError."""
    if isinstance(row, FormatError):
        raise row
    if not isinstance(row, dict):
        raise FormatError(path, n, None, "not a JSON object")
    for key in ("doc_id", "label", "score", "head", "tail"):
        if key not in row:
            raise FormatError(path, n, key, "missing")
    for side in ("head", "tail"):
        ent = row[side]
        if not isinstance(ent, dict) or not all(isinstance(ent.get(k), str)
                                                for k in ("text", "label")):
            raise FormatError(path, n, side, "needs 'text' and 'label' strings")
    if isinstance(row["score"], bool) or not isinstance(row["score"], (int, float)):
        raise FormatError(path, n, "score", "not a number")
    return row


def read_triples(path: Path, fmt: str | None = None, errors: list[FormatError] | None = None
                 ) -> list[dict[str, Any]]:
    """Triples written by `extract`, from JSON lines or CSV (by suffix unless `fmt` says).

    A malformed line raises `FormatError` naming file, line and field, or is appended to
    `errors` and skipped when a list is given."""
    path = Path(path)
    rows = []
    for n, row in _raw_triples(path, infer_format(path, fmt), errors):
        try:
            rows.append(_checked(path, n, row))
        except FormatError as err:
            if errors is None:
                raise
            errors.append(err)
    return rows


def _raw_triples(path: Path, fmt: str, errors: list[FormatError] | None
                 ) -> Iterator[tuple[int, Any]]:
    """(line number, row) of a triples file; a CSV row that does not convert is a
    FormatError in place of the row, checked by the caller."""
    if fmt == "jsonl":
        yield from iter_lines(path, errors)
        return
    with path.open(encoding="utf8", newline="") as f:
        reader = csv.DictReader(f)
        for flat in reader:
            try:
                yield reader.line_num, csv_to_row(flat)
            except (KeyError, TypeError, ValueError) as err:
                yield reader.line_num, FormatError(path, reader.line_num, None,
                                                   f"bad CSV row: {err!r}")


def write_table(rows: Iterable[dict[str, Any]], path: Path, fmt: str | None,
                columns: Sequence[str], to_csv: Callable[[dict[str, Any]], dict[str, Any]]
                ) -> None:
    """Write `rows` as JSON lines or as CSV (`columns`, each row through `to_csv`), by
    `path`'s suffix unless `fmt` says, atomically: a temporary file renamed over `path`
    (`rows` may be a generator)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if infer_format(path, fmt) == "jsonl":
        write_jsonl_atomic(path, rows)
        return
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(map(to_csv, rows))


def write_triples(rows: Iterable[dict[str, Any]], path: Path, fmt: str | None = None) -> None:
    """Write triples atomically, JSON lines or the flat CSV columns (`write_table`)."""
    write_table(rows, path, fmt, CSV_COLUMNS, row_to_csv)


# --- running the pipeline --------------------------------------------------------------------

class _Progress:
    """A tqdm bar over documents whose postfix shows relations per second."""

    def __init__(self, enabled: bool) -> None:
        self.bar = None
        self.relations = 0
        self.start = time.perf_counter()
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(unit="doc", desc="extract", dynamic_ncols=True)

    def update(self, n_relations: int, n_documents: int = 1) -> None:
        self.relations += n_relations
        if self.bar is not None:
            elapsed = max(time.perf_counter() - self.start, 1e-9)
            self.bar.set_postfix(relations=self.relations,
                                 rel_s=f"{self.relations / elapsed:.1f}", refresh=False)
            self.bar.update(n_documents)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def fork_safe(n_process: int) -> Iterator[None]:
    """Let `nlp.pipe(n_process=...)` in this block fork workers that do not deadlock.

    spaCy forks its workers, and GNU OpenMP, torch's thread pool, is not fork-safe: a worker
    forked after this process has used the pool (loading a transformer does) waits forever in
    its barrier once it asks for more than one thread. Workers forked while torch is limited
    to one thread keep that limit and never touch the pool (`n_process` processes of one
    thread each); HF tokenizers are told so too, or every worker warns. Both settings are
    restored when the block ends.
    """
    torch = sys.modules.get("torch")
    if n_process == 1 or torch is None:
        yield
        return
    threads = torch.get_num_threads()
    tokenizers = os.environ.get("TOKENIZERS_PARALLELISM")
    torch.set_num_threads(1)
    os.environ["TOKENIZERS_PARALLELISM"] = tokenizers or "false"
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        if tokenizers is None:
            os.environ.pop("TOKENIZERS_PARALLELISM", None)


def process(nlp: Language, paths: Iterable[Path], report: Report, batch_size: int = 32,
            n_process: int = 1, skip: set[str] | frozenset[str] = frozenset(),
            progress: bool = False) -> Iterator[tuple[Doc, str]]:
    """(doc, doc id) for every readable document not in `skip`, through `nlp.pipe`."""
    def inputs() -> Iterator[tuple[str, str]]:
        for doc_id, text in iter_inputs(paths, report):
            if doc_id in skip:
                report.skipped += 1
                continue
            yield text, doc_id

    bar = _Progress(progress)
    try:
        with fork_safe(n_process):
            for doc, doc_id in nlp.pipe(inputs(), as_tuples=True, batch_size=batch_size,
                                        n_process=n_process):
                report.documents += 1
                bar.update(len(doc._.relations))
                yield doc, doc_id
    finally:
        bar.close()


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGINT or SIGTERM; the triples of its `report.documents` finished
    documents were written."""

    def __init__(self, signal_name: str, report: Report) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.report = report


class _Interrupts:
    """SIGINT and SIGTERM raise `Interrupted` while the block runs, so `kill` keeps the
    finished documents as Ctrl-C does; in `held()` a signal waits until the output is written.

    Forked `nlp.pipe` workers inherit the handlers. There SIGINT is ignored (Ctrl-C reaches
    the whole process group, and the parent stops its workers in order) and SIGTERM ends the
    worker at once."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.pid = os.getpid()
        self.holding = False
        self.pending: str | None = None
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():  # signal.signal's rule
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            if handler is not None:  # None: not set from Python, nothing to restore
                signal.signal(sig, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if os.getpid() != self.pid:  # a forked worker
            if signum == signal.SIGTERM:
                os._exit(128 + signum)
            return
        name = signal.Signals(signum).name
        if self.holding:
            self.pending = name
            return
        raise Interrupted(name, self.report)

    @contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending:
            raise Interrupted(self.pending, self.report)


def extract(nlp: Language, paths: Iterable[Path], output: Path, batch_size: int = 32,
            n_process: int = 1, fmt: str | None = None, resume: bool = False,
            progress: bool = False, backend: str = "local", **cluster: Any) -> Report:
    """Write one triple per predicted relation to `output` (JSON lines or CSV) and report.

    With `resume`, the triples already in `output` are kept and their documents skipped. The
    file is replaced atomically at the end, or after the last finished document if the run is
    interrupted.

    `backend="dask"` runs the same extraction on a Dask cluster, `nlp` may then also be a
    pipeline name or path; `cluster` are the options of `paleo_re.apps.distributed.extract_dask`
    (`workers`, `address`, `gpu`, `partition_size`).
    """
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if backend == "dask":
        if n_process != 1:
            raise ValueError("--n-process is for the local backend: the dask backend runs "
                             "--workers processes")
        from .distributed import extract_dask

        return extract_dask(nlp, paths, output, batch_size, fmt, resume, progress, **cluster)
    if cluster:
        raise ValueError(f"{', '.join(sorted(cluster))}: only with the dask backend")
    output = Path(output)
    fmt = infer_format(output, fmt)
    check_writable(output)  # before the run, not after it
    report = Report()
    rows = read_triples(output, fmt) if resume and output.exists() else []
    done = {row["doc_id"] for row in rows}
    name, version = model_name(nlp)
    with _Interrupts(report) as interrupts:
        try:
            for doc, doc_id in process(nlp, paths, report, batch_size, n_process, done,
                                       progress):
                new = list(triples(doc, doc_id, name, version))
                rows.extend(new)
                report.triples += len(new)
        finally:
            with interrupts.held():
                if report.documents or not output.exists():
                    write_triples(rows, output, fmt)
    return report


# --- review export --------------------------------------------------------------------------

def _shift(doc: Doc, span: Span, offset: int) -> Span:
    shifted = doc.char_span(span.start_char - offset, span.end_char - offset, label=span.label_)
    if shifted is None:  # cannot happen for spans cut out of the same tokens
        raise ValueError(f"Span {span.text!r} does not align in its sentence")
    return shifted


def review_tasks(doc: Doc, below: float, doc_id: str | None = None) -> list[Doc]:
    """Sentences with at least one relation scored under `below`, as docs of their own.

    Each keeps all its entities and relations (so a corrected task is complete training data)
    and the scores; `user_data["id"]` is "<doc id>#<sentence start char>". A relation whose
    entities straddle sentences makes the whole doc one task.
    """
    low = [rel for rel in doc._.relations if rel.score < below]
    if not low:
        return []
    sents = {_sentence(doc, rel) for rel in low}
    tasks = []
    for sent in sorted(sents, key=lambda s: s.start):
        # A doc of the sentence's tokens without its trailing whitespace
        task = Doc(doc.vocab, words=[t.text for t in sent],
                   spaces=[bool(t.whitespace_) for t in sent[:-1]] + [False])
        offset = sent.start_char
        task.ents = [_shift(task, ent, offset) for ent in sent.ents]
        inside = [rel for rel in doc._.relations
                  if sent.start <= min(rel.head.start, rel.tail.start)
                  and max(rel.head.end, rel.tail.end) <= sent.end]
        set_relations(task, [Relation(_shift(task, rel.head, offset),
                                      _shift(task, rel.tail, offset), rel.label, rel.score)
                             for rel in inside])
        if doc_id is not None:
            task.user_data["id"] = f"{doc_id}#{offset}"
        tasks.append(task)
    return tasks


def export_review(nlp: Language, paths: Iterable[Path], output: Path, below: float = 0.9,
                  batch_size: int = 32, n_process: int = 1, progress: bool = False
                  ) -> tuple[Report, int]:
    """Write review tasks (see `review_tasks`) as span-and-relation JSONL; (report, tasks)."""
    report = Report()
    tasks: list[Doc] = []
    for doc, doc_id in process(nlp, paths, report, batch_size, n_process, progress=progress):
        report.triples += len(doc._.relations)
        tasks.extend(review_tasks(doc, below, doc_id))
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    return report, write_spans(tasks, output)
