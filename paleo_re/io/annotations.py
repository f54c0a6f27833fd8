"""The project's annotation format (see the annotation guidelines): one sentence per line,

    {"id": ..., "text": ..., "entities": [{"start", "end", "label"}],
     "relations": [{"head", "tail", "label"}]}

with character offsets (end exclusive) and `head`/`tail` indexing into `entities`. Lines without
a "relations" key are read as not annotated for relations (their pairs are unknown, not negative).
Two optional fields carry how far to trust weak labels: a relation's "score" (its confidence) and
a line's "negative_confidence" (how sure it is that the pairs it does not list are unrelated).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import srsly
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..component.relations import (
    Relation,
    has_relations,
    negative_confidence,
    set_negative_confidence,
    set_relations,
)
from ..component.schema import Schema
from .docs import doc_with_boundaries, write_jsonl_atomic
from .errors import FormatError, reported


def record_to_doc(tokenizer: Callable[[str], Doc], record: Any, path: str | Path | None = None,
                  line: int | None = None, schema: Schema | None = None) -> Doc:
    """Validate one record and build its `Doc`; raise `FormatError` on the first problem.
    With a `schema`, entity labels, relation labels and the types each relation joins must
    be the schema's: training data that breaks it would teach the model a wrong fact."""

    def fail(field: str, msg: str) -> FormatError:
        return FormatError(path, line, field, msg)

    if not isinstance(record, dict):
        raise fail("", "expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise fail("text", "missing or not a string")
    entities = record.get("entities", [])
    if not isinstance(entities, list):
        raise fail("entities", "must be a list")
    offsets = []
    for i, ent in enumerate(entities):
        if not isinstance(ent, dict):
            raise fail(f"entities[{i}]", "expected an object")
        start, end, label = ent.get("start"), ent.get("end"), ent.get("label")
        if not (_is_index(start) and _is_index(end) and 0 <= start < end <= len(text)):
            raise fail(f"entities[{i}]", f"bad offsets {start!r}-{end!r} for text of "
                       f"length {len(text)}")
        if not isinstance(label, str) or not label:
            raise fail(f"entities[{i}].label", "missing or not a string")
        if schema is not None and label not in schema.entity_types:
            raise fail(f"entities[{i}].label", f"unknown entity label {label!r} (the schema "
                       f"has {', '.join(schema.entity_types)})")
        if text[start:end] != text[start:end].strip():
            raise fail(f"entities[{i}]", f"span {text[start:end]!r} has surrounding whitespace")
        if "text" in ent and ent["text"] != text[start:end]:
            raise fail(f"entities[{i}].text",
                       f"{ent['text']!r} does not match text[{start}:{end}] = "
                       f"{text[start:end]!r}")
        offsets.append((start, end, label))
    doc = doc_with_boundaries(tokenizer, text, [c for s, e, _ in offsets for c in (s, e)])
    spans: list[Span] = []
    for i, (start, end, label) in enumerate(offsets):
        span = doc.char_span(start, end, label=label)
        if span is None:
            raise fail(f"entities[{i}]", f"span {text[start:end]!r} is not token-aligned")
        spans.append(span)
    if len(filter_spans(spans)) != len(spans):
        raise fail("entities", "entities overlap")
    doc.ents = spans
    if "id" in record:
        doc.user_data["id"] = str(record["id"])
    relations = record.get("relations")
    if relations is None:
        return doc
    if not isinstance(relations, list):
        raise fail("relations", "must be a list")
    negative = record.get("negative_confidence", 1.0)
    if not isinstance(negative, (int, float)) or not 0.0 <= negative <= 1.0:
        raise fail("negative_confidence", f"{negative!r} is not a number in [0, 1]")
    set_negative_confidence(doc, float(negative))
    rels = []
    for i, rel in enumerate(relations):
        if not isinstance(rel, dict):
            raise fail(f"relations[{i}]", "expected an object")
        for key in ("head", "tail"):
            idx = rel.get(key)
            if not _is_index(idx) or not 0 <= idx < len(spans):
                raise fail(f"relations[{i}].{key}", f"{idx!r} is not an index into entities")
        if rel["head"] == rel["tail"]:
            raise fail(f"relations[{i}].tail", "an entity cannot be related to itself")
        label = rel.get("label")
        if not isinstance(label, str) or not label:
            raise fail(f"relations[{i}].label", "missing or not a string")
        head, tail = spans[rel["head"]].label_, spans[rel["tail"]].label_
        if schema is not None and label not in schema.labels:
            raise fail(f"relations[{i}].label", f"unknown relation label {label!r} (the "
                       f"schema has {', '.join(schema.labels)})")
        if schema is not None and not schema.allows(label, head, tail):
            raise fail(f"relations[{i}].label", f"{label!r} does not join {head} to {tail}")
        score = rel.get("score", 1.0)
        if not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0:
            raise fail(f"relations[{i}].score", f"{score!r} is not a number in [0, 1]")
        rels.append(Relation(spans[rel["head"]], spans[rel["tail"]], label, float(score)))
    set_relations(doc, rels)
    return doc


def _is_index(value: Any) -> bool:
    """An int that is not a bool (`"head": true` is not entity 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def doc_to_record(doc: Doc) -> dict[str, Any]:
    ents = list(doc.ents)
    index = {(e.start_char, e.end_char): i for i, e in enumerate(ents)}
    record: dict[str, Any] = {}
    if "id" in doc.user_data:
        record["id"] = doc.user_data["id"]
    record["text"] = doc.text
    record["entities"] = [
        {"start": e.start_char, "end": e.end_char, "label": e.label_, "text": e.text}
        for e in ents
    ]
    if has_relations(doc):
        rels = []
        for rel in doc._.relations:
            item = {
                "head": index[(rel.head.start_char, rel.head.end_char)],
                "tail": index[(rel.tail.start_char, rel.tail.end_char)],
                "label": rel.label,
            }
            if rel.score != 1.0:
                item["score"] = round(rel.score, 4)
            rels.append(item)
        record["relations"] = rels
        if negative_confidence(doc) != 1.0:
            record["negative_confidence"] = negative_confidence(doc)
    return record


def iter_lines(path: str | Path, errors: list[FormatError] | None = None
               ) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) for every non-blank line.

    Bad JSON raises `FormatError`, or is appended to `errors` and skipped when a list is given.
    """
    with Path(path).open(encoding="utf8") as f:
        yield from parse_lines(f, path, errors)


def parse_lines(lines: Iterable[str], path: str | Path, errors: list[FormatError] | None = None
                ) -> Iterator[tuple[int, Any]]:
    """`iter_lines` over lines already read (and decoded) from `path`."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        with reported(errors):
            yield n, _json(line, path, n)


def _json(line: str, path: str | Path, n: int) -> Any:
    try:
        return srsly.json_loads(line)
    except ValueError as err:
        raise FormatError(path, n, None, f"invalid JSON: {err}") from None


def read_annotations(path: str | Path, tokenizer: Callable[[str], Doc],
                     errors: list[FormatError] | None = None, schema: Schema | None = None
                     ) -> Iterator[Doc]:
    """Read docs from the annotation format.

    With `errors=None` the first malformed line raises; with a list, bad lines are appended to
    it and skipped, so one bad line never stops a batch.
    """
    for n, record in iter_lines(path, errors):
        with reported(errors):
            yield record_to_doc(tokenizer, record, path, n, schema)


def write_annotations(docs: Iterable[Doc], path: str | Path) -> int:
    """Write docs atomically (a temporary file renamed into place); return the count."""
    records = [doc_to_record(doc) for doc in docs]
    write_jsonl_atomic(path, records)
    return len(records)
