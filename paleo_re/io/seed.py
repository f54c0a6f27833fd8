"""The seed project's (PaleoBERT) relation format: one entity pair per line,

    {"text": "Olenellus occurs in the Pioche_Shale .", "marked_text": ...,
     "subject": {"type": "TAXON", "text": "Olenellus", "start": 0, "end": 1},
     "object": {"type": "STRAT", "text": "Pioche_Shale", "start": 4, "end": 5},
     "relation": "occurs_in", "label_id": 1, "metadata": {"doc_id": ..., "para_id": ...}}

`text` is whitespace-tokenized, `_` binds the words of a multiword name into one token, and
`start`/`end` are token offsets into `text.split(" ")` with `end` exclusive (checked on the
seed's data: `" ".join(tokens[start:end]) == text` on every line). A sentence is spread over as
many lines as it has listed pairs, not necessarily adjacent, so the reader collects all lines with
the same `text` into one `Doc`.

The reader restores plain text, because models are trained and evaluated on real sentences:

- `_` between two other characters becomes a space (`Pioche_Shale` -> `Pioche Shale`);
- no space is written before `, . ; : ) ] ? ! ”` or after `( [`; every other token boundary is
  a space.

This reproduces the project's hand-detokenized gold text (`gold/dev.jsonl`) for 247 of the 247
sentences it shares with `re_dev.jsonl`, including `?` attached to the preceding word
(`Dawsonia? (if`). The rule is idempotent on its own output, which is what makes
write -> read round trips exact for docs that came from this reader. Text from elsewhere may
change in whitespace only (an entity `Olenellus` in `Olenellus-bearing` becomes its own token,
read back as `Olenellus -bearing`); the writer counts such docs under `text_changed`.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from ..component.relations import Relation, has_relations, set_relations
from ..component.schema import DEFAULT, NO_RELATION, Schema
from .annotations import iter_lines
from .docs import doc_with_boundaries, write_jsonl_atomic
from .errors import FormatError, reported

NO_SPACE_BEFORE = frozenset({",", ".", ";", ":", ")", "]", "?", "!", "”"})
NO_SPACE_AFTER = frozenset({"(", "["})
_JOINER = re.compile(r"(?<=[^_\s])_(?=[^_\s])")
_WHITESPACE = re.compile(r"\s+")


def plain_text(text: str) -> str:
    """A raw seed sentence as plain text: PDF line breaks and other whitespace runs become one
    space, and the `_` that joins the words of a name (`Wheeler_Formation`) a space again.
    Every `_` join is one character for one, so offsets into the joined text still hold."""
    return " ".join(_JOINER.sub(" ", text).split())


def detokenize(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Plain text for seed tokens, and the character span of every token in it."""
    text = ""
    offsets = []
    for i, token in enumerate(tokens):
        if i > 0 and token not in NO_SPACE_BEFORE and tokens[i - 1] not in NO_SPACE_AFTER:
            text += " "
        piece = _JOINER.sub(" ", token)
        offsets.append((len(text), len(text) + len(piece)))
        text += piece
    return text, offsets


def tokenize(text: str, spans: Iterable[tuple[int, int]]) -> tuple[list[str], list[int]]:
    """Seed tokens for `text` with each character span (sorted, disjoint) as one token.

    Returns the tokens and, for each span, its token index. Outside the spans, text is split on
    whitespace, and leading `NO_SPACE_AFTER` and trailing `NO_SPACE_BEFORE` characters are split
    off, which `detokenize` glues back. A literal `_` between two characters of the text would
    come back as a space (the seed format cannot tell the two apart).
    """
    tokens: list[str] = []
    index: list[int] = []
    pos = 0
    for start, end in [*spans, (len(text), len(text))]:
        for chunk in text[pos:start].split():
            tokens.extend(_split_punct(chunk))
        if end > start:
            index.append(len(tokens))
            tokens.append(_WHITESPACE.sub("_", text[start:end]))
        pos = end
    return tokens, index


def _split_punct(chunk: str) -> list[str]:
    head: list[str] = []
    tail: list[str] = []
    while len(chunk) > 1 and chunk[0] in NO_SPACE_AFTER:
        head.append(chunk[0])
        chunk = chunk[1:]
    while len(chunk) > 1 and chunk[-1] in NO_SPACE_BEFORE:
        tail.insert(0, chunk[-1])
        chunk = chunk[:-1]
    return [*head, chunk, *tail]


@dataclass
class _Line:
    """One validated seed line, entities as token spans."""

    number: int
    subject: tuple[int, int, str]
    object: tuple[int, int, str]
    relation: str
    metadata: dict[str, Any]


@dataclass
class _Sentence:
    tokens: list[str]
    lines: list[_Line] = field(default_factory=list)


def _entity(record: dict, key: str, tokens: list[str], fail: Callable[[str, str], FormatError]
            ) -> tuple[int, int, str]:
    ent = record.get(key)
    if not isinstance(ent, dict):
        raise fail(key, "missing or not an object")
    start, end, label = ent.get("start"), ent.get("end"), ent.get("type")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(tokens)):
        raise fail(key, f"bad token offsets {start!r}-{end!r} for {len(tokens)} tokens")
    if not isinstance(label, str) or not label:
        raise fail(f"{key}.type", "missing or not a string")
    if "text" in ent and ent["text"] != " ".join(tokens[start:end]):
        raise fail(f"{key}.text", f"{ent['text']!r} does not match tokens {start}-{end} = "
                   f"{' '.join(tokens[start:end])!r}")
    return start, end, label


def _parse_line(record: Any, path: str | Path, n: int) -> tuple[str, _Line]:
    def fail(field: str, msg: str) -> FormatError:
        return FormatError(path, n, field, msg)

    if not isinstance(record, dict):
        raise fail("", "expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise fail("text", "missing, empty or not a string")
    tokens = text.split(" ")
    if any(not token.strip() for token in tokens):
        raise fail("text", "empty token: tokens must be separated by single spaces")
    subject = _entity(record, "subject", tokens, fail)
    obj = _entity(record, "object", tokens, fail)
    relation = record.get("relation")
    if not isinstance(relation, str) or not relation:
        raise fail("relation", "missing or not a string")
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise fail("metadata", "must be an object")
    return text, _Line(n, subject, obj, relation, metadata)


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _sentence_to_doc(tokenizer: Callable[[str], Doc], sentence: _Sentence, path: str | Path,
                     stats: Counter[str]) -> Doc:
    """Merge the lines of one sentence; conflicting entities keep the first seen, counted."""
    entities: list[tuple[int, int, str]] = []
    pairs: dict[tuple[tuple[int, int, str], tuple[int, int, str]], str] = {}
    for line in sentence.lines:
        kept = True
        for ent in (line.subject, line.object):
            if ent in entities:
                continue
            clash = next((e for e in entities if _overlaps(e, ent)), None)
            if clash is None:
                entities.append(ent)
                continue
            kept = False
            stats["entities_conflicting"] += 1
            warnings.warn(f"{path}:{line.number}: entity {ent} conflicts with {clash} seen "
                          "earlier in the same sentence; dropped with its pair", stacklevel=2)
        if not kept:
            stats["pairs_dropped"] += 1
            if line.relation != NO_RELATION:
                stats["relations_dropped"] += 1
            continue
        pair = (line.subject, line.object)
        seen = pairs.get(pair)
        if seen == line.relation:
            stats["lines_duplicate"] += 1
        elif seen is None or seen == NO_RELATION:
            pairs[pair] = line.relation
        elif line.relation != NO_RELATION:
            stats["relations_conflicting"] += 1
            warnings.warn(f"{path}:{line.number}: pair labelled {line.relation!r} was labelled "
                          f"{seen!r} earlier; kept the first", stacklevel=2)
    text, offsets = detokenize(sentence.tokens)
    chars = {ent: (offsets[ent[0]][0], offsets[ent[1] - 1][1], ent[2]) for ent in entities}
    doc = doc_with_boundaries(tokenizer, text, [c for s, e, _ in chars.values() for c in (s, e)])
    spans = {}
    for ent, (start, end, label) in chars.items():
        span = doc.char_span(start, end, label=label)
        if span is None:  # doc_with_boundaries makes every boundary a token boundary
            raise FormatError(path, sentence.lines[0].number, "text",
                              f"entity {text[start:end]!r} is not token-aligned")
        spans[ent] = span
    doc.ents = sorted(spans.values(), key=lambda s: s.start)
    set_relations(doc, [Relation(spans[h], spans[t], label)
                        for (h, t), label in pairs.items() if label != NO_RELATION])
    metadata = [line.metadata for line in sentence.lines]
    unique = [m for i, m in enumerate(metadata) if m not in metadata[:i]]
    doc.user_data["seed_metadata"] = unique
    return doc


def read_seed(path: str | Path, tokenizer: Callable[[str], Doc],
              errors: list[FormatError] | None = None,
              stats: Counter[str] | None = None) -> Iterator[Doc]:
    """Read seed pair lines as one `Doc` per distinct sentence, in order of first appearance.

    Entities are the union of subjects and objects; relations are the pairs not labelled
    NO_RELATION (head = subject, tail = object). The whole file is read before the first doc
    is yielded, since a sentence's lines may be far apart. With `errors=None` the first
    malformed line raises; with a list, bad lines are appended and skipped. `stats` (if given)
    counts lines, sentences and every dropped or conflicting item.
    """
    stats = Counter() if stats is None else stats
    sentences: dict[str, _Sentence] = {}
    for n, record in iter_lines(path, errors):
        stats["lines"] += 1
        with reported(errors):
            text, line = _parse_line(record, path, n)
            sentences.setdefault(text, _Sentence(text.split(" "))).lines.append(line)
    ids: Counter[str] = Counter()
    for sentence in sentences.values():
        doc = None
        with reported(errors):
            doc = _sentence_to_doc(tokenizer, sentence, path, stats)
        if doc is None:
            continue
        meta = sentence.lines[0].metadata
        if "doc_id" in meta:
            para = meta.get("para_id")
            base = str(meta["doc_id"]) if para is None else f"{meta['doc_id']}:{para}"
            ids[base] += 1
            doc.user_data["id"] = base if ids[base] == 1 else f"{base}#{ids[base]}"
        stats["sentences"] += 1
        yield doc


def doc_to_lines(doc: Doc, schema: Schema = DEFAULT) -> tuple[list[dict[str, Any]], bool]:
    """Seed lines for one doc, and whether its text survives the seed tokenization unchanged.

    One line per positive relation, then a NO_RELATION line for every other ordered entity pair
    whose types the schema allows, as the seed lists them. An entity in no such pair gets one
    NO_RELATION line with its neighbour, so that reading the lines back loses no entity; only a
    doc with a single entity cannot be written at all.
    """
    ents = list(doc.ents)
    tokens, index = tokenize(doc.text, [(e.start_char, e.end_char) for e in ents])
    text = " ".join(tokens)
    position = {(e.start_char, e.end_char): i for i, e in enumerate(ents)}
    labelled: dict[tuple[int, int], str] = {}
    for rel in doc._.relations:
        pair = (position[(rel.head.start_char, rel.head.end_char)],
                position[(rel.tail.start_char, rel.tail.end_char)])
        labelled.setdefault(pair, rel.label)
    type_pairs = set(schema.type_pairs)
    for i, head in enumerate(ents):
        for j, tail in enumerate(ents):
            if i != j and (head.label_, tail.label_) in type_pairs:
                labelled.setdefault((i, j), NO_RELATION)
    covered = {i for pair in labelled for i in pair}
    for i in range(len(ents)):
        if i not in covered and len(ents) > 1:  # the format only holds entities through pairs
            j = i + 1 if i + 1 < len(ents) else i - 1
            labelled[(i, j)] = NO_RELATION
            covered.update((i, j))
    metadata = (doc.user_data.get("seed_metadata") or [{}])[0]
    if not metadata and "id" in doc.user_data:
        metadata = {"doc_id": doc.user_data["id"]}
    lines = []
    for (i, j), label in labelled.items():
        h, t = index[i], index[j]
        marked = list(tokens)
        marked[h] = f"[SUBJ] {tokens[h]} [/SUBJ]"
        marked[t] = f"[OBJ] {tokens[t]} [/OBJ]"
        lines.append({
            "text": text,
            "marked_text": " ".join(marked),
            "subject": {"type": ents[i].label_, "text": tokens[h], "start": h, "end": h + 1},
            "object": {"type": ents[j].label_, "text": tokens[t], "start": t, "end": t + 1},
            "relation": label,
            "label_id": schema.classes.index(label) if label in schema.classes else -1,
            "metadata": metadata,
        })
    return lines, detokenize(tokens)[0] == doc.text


def write_seed(docs: Iterable[Doc], path: str | Path, schema: Schema = DEFAULT,
               stats: Counter[str] | None = None) -> int:
    """Write docs as seed pair lines atomically; return the number of docs written.

    The format can only hold a sentence through its pairs, so docs without relation annotation
    (pairs unknown) or without any pair to list are skipped; both are counted in `stats` and
    warned about, as are docs whose text changes in whitespace.
    """
    counts: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    for doc in docs:
        if not has_relations(doc):
            counts["docs_without_relation_annotation"] += 1
            continue
        lines, same_text = doc_to_lines(doc, schema)
        if not lines:
            counts["docs_without_pairs"] += 1
            continue
        if not same_text:
            counts["text_changed"] += 1
        records.extend(lines)
        counts["docs_written"] += 1
    counts["lines_written"] = len(records)
    if counts["docs_without_relation_annotation"] or counts["docs_without_pairs"]:
        warnings.warn(f"{path}: some docs not written, the seed format holds pairs only: "
                      f"{dict(counts)}", stacklevel=2)
    write_jsonl_atomic(path, records)
    if stats is not None:
        stats.update(counts)
    return counts["docs_written"]
