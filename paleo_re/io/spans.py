"""The span-and-relation JSONL of spaCy-ecosystem annotation tools (Prodigy's `rel` / `ner`
tasks), so annotations can be reviewed and corrected there and read back:

    {"text": "Olenellus occurs in Nevada.",
     "tokens": [{"text": "Olenellus", "start": 0, "end": 9, "id": 0, "ws": true}, ...],
     "spans": [{"start": 0, "end": 9, "token_start": 0, "token_end": 0, "label": "TAXON"}, ...],
     "relations": [{"head": 0, "child": 3, "label": "found_at",
                    "head_span": {"start": 0, "end": 9, "token_start": 0, "token_end": 0,
                                  "label": "TAXON"},
                    "child_span": {...}}],
     "answer": "accept"}

Character offsets are end exclusive, `token_end` is inclusive, and a relation's `head`/`child`
are the index of the *last* token of its span (as in Prodigy's output and spaCy's
`rel_component` project). The reader matches `head_span`/`child_span` by character offsets when
present and falls back to the token indices; `tokens` are optional and only used for that.
Docs are always tokenized with the pipeline's tokenizer, like every other reader here.

Tasks answered "reject" or "ignore" are skipped and counted. The writer adds
`"meta": {"score": ...}` to a relation whose score is below 1, so predictions can be reviewed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span

from ..component.relations import has_relations
from .annotations import iter_lines, record_to_doc
from .docs import write_jsonl_atomic
from .errors import FormatError, reported

SKIPPED_ANSWERS = frozenset({"reject", "ignore"})


def _fail(path: str | Path | None, line: int | None) -> Callable[[str, str], FormatError]:
    return lambda field, msg: FormatError(path, line, field, msg)


def _token_ends(record: dict, text: str, fail: Callable[[str, str], FormatError]
                ) -> list[int] | None:
    """End character of every token, after checking the tokens against the text."""
    tokens = record.get("tokens")
    if tokens is None:
        return None
    if not isinstance(tokens, list):
        raise fail("tokens", "must be a list")
    ends = []
    for i, token in enumerate(tokens):
        if not isinstance(token, dict):
            raise fail(f"tokens[{i}]", "expected an object")
        start, end = token.get("start"), token.get("end")
        if not (isinstance(start, int) and isinstance(end, int)
                and 0 <= start <= end <= len(text)):
            raise fail(f"tokens[{i}]", f"bad offsets {start!r}-{end!r} for text of "
                       f"length {len(text)}")
        if "text" in token and token["text"] != text[start:end]:
            raise fail(f"tokens[{i}].text", f"{token['text']!r} does not match "
                       f"text[{start}:{end}] = {text[start:end]!r}")
        ends.append(end)
    return ends


def _span_offsets(span: Any, field: str, token_ends: list[int] | None,
                  fail: Callable[[str, str], FormatError]) -> tuple[int, int, int | None]:
    """(start char, end char, last token index or None) of a span dict."""
    if not isinstance(span, dict):
        raise fail(field, "expected an object")
    start, end = span.get("start"), span.get("end")
    if not (isinstance(start, int) and isinstance(end, int)):
        raise fail(field, f"character offsets 'start'/'end' missing or not integers: "
                   f"{start!r}-{end!r}")
    token_end = span.get("token_end")
    if token_end is None and token_ends is not None:
        token_end = next((i for i, e in enumerate(token_ends) if e >= end), None)
    if token_end is not None and not isinstance(token_end, int):
        raise fail(f"{field}.token_end", f"{token_end!r} is not an integer")
    return start, end, token_end


def _resolve(rel: dict, key: str, span_key: str, field: str,
             spans: list[tuple[int, int, int | None]], token_ends: list[int] | None,
             fail: Callable[[str, str], FormatError]) -> int:
    """Index into `spans` of a relation's head or child."""
    if rel.get(span_key) is not None:
        start, end, _ = _span_offsets(rel[span_key], f"{field}.{span_key}", token_ends, fail)
        for i, (s, e, _) in enumerate(spans):
            if (s, e) == (start, end):
                return i
        raise fail(f"{field}.{span_key}", f"characters {start}-{end} match no entry of 'spans'")
    token = rel.get(key)
    if not isinstance(token, int):
        raise fail(f"{field}.{key}", f"{token!r} is not a token index")
    for i, (_, _, token_end) in enumerate(spans):
        if token_end == token:
            return i
    raise fail(f"{field}.{key}", f"token {token} is not the last token of any span")


def spans_record_to_annotation(record: Any, path: str | Path | None = None,
                               line: int | None = None) -> dict[str, Any]:
    """The same content in the project's annotation format (see `annotations.py`)."""
    fail = _fail(path, line)
    if not isinstance(record, dict):
        raise fail("", "expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise fail("text", "missing or not a string")
    token_ends = _token_ends(record, text, fail)
    raw_spans = record.get("spans", [])
    if not isinstance(raw_spans, list):
        raise fail("spans", "must be a list")
    spans = [_span_offsets(s, f"spans[{i}]", token_ends, fail) for i, s in enumerate(raw_spans)]
    entities = []
    for span, raw in zip(spans, raw_spans, strict=True):
        entity = {"start": span[0], "end": span[1], "label": raw.get("label")}
        if "text" in raw:
            entity["text"] = raw["text"]
        entities.append(entity)
    out: dict[str, Any] = {"text": text, "entities": entities}
    meta = record.get("meta")
    if isinstance(meta, dict) and "id" in meta:
        out["id"] = meta["id"]
    relations = record.get("relations")
    if relations is None:
        return out
    if not isinstance(relations, list):
        raise fail("relations", "must be a list")
    out["relations"] = []
    for i, rel in enumerate(relations):
        field = f"relations[{i}]"
        if not isinstance(rel, dict):
            raise fail(field, "expected an object")
        item = {
            "head": _resolve(rel, "head", "head_span", field, spans, token_ends, fail),
            "tail": _resolve(rel, "child", "child_span", field, spans, token_ends, fail),
            "label": rel.get("label"),
        }
        rel_meta = rel.get("meta")
        if isinstance(rel_meta, dict) and "score" in rel_meta:
            item["score"] = rel_meta["score"]
        out["relations"].append(item)
    return out


def spans_record_to_doc(tokenizer: Callable[[str], Doc], record: Any,
                        path: str | Path | None = None, line: int | None = None) -> Doc:
    """Validate one task and build its `Doc`; raise `FormatError` naming this format's fields."""
    annotation = spans_record_to_annotation(record, path, line)
    try:
        return record_to_doc(tokenizer, annotation, path, line)
    except FormatError as err:  # name the fields as they are called in this format
        field = err.field.replace("entities", "spans", 1) if err.field else err.field
        raise FormatError(path, line, field, err.msg.replace("entities", "spans")) from None


def _span_dict(span: Span) -> dict[str, Any]:
    return {"start": span.start_char, "end": span.end_char, "token_start": span.start,
            "token_end": span.end - 1, "label": span.label_}


def doc_to_spans_record(doc: Doc) -> dict[str, Any]:
    """One accepted task with tokens, spans and (if annotated) relations."""
    record: dict[str, Any] = {
        "text": doc.text,
        "tokens": [{"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i,
                    "ws": bool(t.whitespace_)} for t in doc],
        "spans": [_span_dict(ent) for ent in doc.ents],
    }
    if has_relations(doc):
        relations = []
        for rel in doc._.relations:
            item: dict[str, Any] = {
                "head": rel.head.end - 1,
                "child": rel.tail.end - 1,
                "head_span": _span_dict(rel.head),
                "child_span": _span_dict(rel.tail),
                "label": rel.label,
            }
            if rel.score < 1.0:
                item["meta"] = {"score": round(rel.score, 4)}
            relations.append(item)
        record["relations"] = relations
    if "id" in doc.user_data:
        record["meta"] = {"id": doc.user_data["id"]}
    record["answer"] = "accept"
    return record


def read_spans(path: str | Path, tokenizer: Callable[[str], Doc],
               errors: list[FormatError] | None = None,
               stats: Counter[str] | None = None) -> Iterator[Doc]:
    """Read accepted tasks as docs; rejected and ignored ones are counted in `stats`.

    With `errors=None` the first malformed line raises; with a list, bad lines are appended to
    it and skipped.
    """
    stats = Counter() if stats is None else stats
    for n, record in iter_lines(path, errors):
        stats["lines"] += 1
        answer = record.get("answer", "accept") if isinstance(record, dict) else "accept"
        if isinstance(answer, str) and answer in SKIPPED_ANSWERS:  # [] is not hashable
            stats[f"skipped_{answer}"] += 1
            continue
        with reported(errors):
            if answer != "accept":
                raise FormatError(path, n, "answer", f"{answer!r} is not accept/reject/ignore")
            yield spans_record_to_doc(tokenizer, record, path, n)


def write_spans(docs: Iterable[Doc], path: str | Path) -> int:
    """Write docs as accepted tasks atomically; return the count."""
    records = [doc_to_spans_record(doc) for doc in docs]
    write_jsonl_atomic(path, records)
    return len(records)
