"""The decision rule: which label, if any, a scored candidate pair gets.

A pair gets its most probable label among those whose (head type, tail type) signature it
fits, when that probability reaches the label's threshold; otherwise it is NO_RELATION. The
schema is a fact, so a label is never given to a pair of the wrong types whatever the model
scores. Threshold tuning and the ablation decide with these same functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy
from spacy.tokens import Span

from .schema import Schema

Pairs = list[tuple[Span, Span]]


def label_mask(schema: Schema) -> dict[tuple[str, str], numpy.ndarray]:
    """(head type, tail type) -> mask over the schema's labels whose signature it fits."""
    return {pair: numpy.asarray([schema.allows(label, *pair) for label in schema.labels])
            for pair in schema.type_pairs}


def fitting_probs(schema: Schema, type_pairs: Sequence[tuple[str, str]], probs: numpy.ndarray
                  ) -> numpy.ndarray:
    """Label probabilities (no NO_RELATION column), one row per (head type, tail type) in
    `type_pairs`, with the labels that do not fit set to -1."""
    mask = label_mask(schema)
    fits = numpy.asarray([mask[pair] for pair in type_pairs]).reshape(probs.shape)
    return numpy.where(fits, probs, -1.0)


def decide(schema: Schema, type_pairs: Sequence[tuple[str, str]], probs: numpy.ndarray,
           thresholds: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """(label index, its probability, whether it is kept) per pair; `thresholds` holds one
    threshold per label."""
    if not len(type_pairs):
        empty = numpy.zeros(0)
        return empty.astype(int), empty, empty.astype(bool)
    probs = fitting_probs(schema, type_pairs, probs)
    best = probs.argmax(axis=1)
    prob = probs[numpy.arange(len(best)), best]
    return best, prob, prob >= thresholds[best]


def type_pairs(pairs: Pairs) -> list[tuple[str, str]]:
    return [(head.label_, tail.label_) for head, tail in pairs]


def split_by_doc(all_pairs: Sequence[Pairs], scores: numpy.ndarray) -> list[numpy.ndarray]:
    """The label probabilities (NO_RELATION column dropped) of each doc's pairs, from the
    scores of a whole batch."""
    ends = numpy.cumsum([len(pairs) for pairs in all_pairs])
    return numpy.split(scores[:, 1:], ends[:-1]) if len(ends) else []
