"""The `Relation` object and the `doc._.relations` extension.

Relations are stored in `doc.user_data` as plain tuples of character offsets, so they survive
`DocBin`, `Doc.to_bytes` and `nlp.pipe(n_process=...)`; the getter rebuilds `Relation` objects
whose `head` and `tail` are the matching spans of `doc.ents`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Doc, Span

EXTENSION = "relations"
_KEY = ("._.", EXTENSION, None, None)

# (head start char, head end char, head label, tail start char, tail end char, tail label,
#  relation label, score)
RelationRecord = tuple[int, int, str, int, int, str, str, float]


RelationKey = tuple[int, int, int, int, str]


def relation_key(head: Span, tail: Span, label: str) -> RelationKey:
    """Character offsets and label: what two relations must share to be the same fact."""
    return head.start_char, head.end_char, tail.start_char, tail.end_char, label


@dataclass(frozen=True)
class Relation:
    """A directed relation between two entity spans of one doc."""

    head: Span
    tail: Span
    label: str
    score: float = 1.0

    @property
    def key(self) -> RelationKey:
        return relation_key(self.head, self.tail, self.label)

    def to_record(self) -> RelationRecord:
        return (
            self.head.start_char,
            self.head.end_char,
            self.head.label_,
            self.tail.start_char,
            self.tail.end_char,
            self.tail.label_,
            self.label,
            float(self.score),
        )

    def to_dict(self) -> dict:
        return {
            "head": {"text": self.head.text, "start": self.head.start_char,
                     "end": self.head.end_char, "label": self.head.label_},
            "tail": {"text": self.tail.text, "start": self.tail.start_char,
                     "end": self.tail.end_char, "label": self.tail.label_},
            "label": self.label,
            "score": self.score,
        }

    def __repr__(self) -> str:
        return f"Relation({self.head.text!r} -{self.label}-> {self.tail.text!r}, {self.score:.3f})"


def _span(doc: Doc, start: int, end: int, label: str) -> Span:
    for ent in doc.ents:
        if ent.start_char == start and ent.end_char == end:
            return ent
    span = doc.char_span(start, end, label=label)
    if span is None:
        raise ValueError(f"Relation entity at characters {start}-{end} does not fall on token "
                         f"boundaries of doc {doc.text[:40]!r}")
    return span


def get_relations(doc: Doc) -> tuple[Relation, ...]:
    records = doc.user_data.get(_KEY) or ()
    return tuple(
        Relation(_span(doc, hs, he, hl), _span(doc, ts, te, tl), label, float(score))
        for hs, he, hl, ts, te, tl, label, score in records
    )


def set_relations(doc: Doc, relations: Iterable[Relation] | None) -> None:
    """Store relations; `None` marks the doc as not annotated (its pairs are unknown)."""
    if relations is None:
        doc.user_data.pop(_KEY, None)
        return
    doc.user_data[_KEY] = [list(rel.to_record()) for rel in relations]


def has_relations(doc: Doc) -> bool:
    """Whether the doc carries relation annotation at all (an empty list counts)."""
    return _KEY in doc.user_data


_NEGATIVE_KEY = "paleo_re.negative_confidence"


def negative_confidence(doc: Doc) -> float:
    """How sure the annotation is that pairs it does not list are NO_RELATION: 1.0 for hand
    annotation, lower for weak labels whose rules miss relations; it weighs those pairs in the
    loss."""
    return float(doc.user_data.get(_NEGATIVE_KEY, 1.0))


def set_negative_confidence(doc: Doc, value: float) -> None:
    if value == 1.0:
        doc.user_data.pop(_NEGATIVE_KEY, None)
    else:
        doc.user_data[_NEGATIVE_KEY] = float(value)


def register_extension() -> None:
    if not Doc.has_extension(EXTENSION):
        Doc.set_extension(EXTENSION, getter=get_relations, setter=set_relations)


register_extension()
