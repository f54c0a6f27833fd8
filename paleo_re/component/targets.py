"""Training targets for candidate pairs, and the loss that masks what is unknown.

Pairs of docs without relation annotation are unknown and get weight 0, as is a pair with an
entity the reference does not have (a span that did not align to the pipeline's tokens). A
gold relation's score (its confidence) scales its weight, and a doc's negative confidence that
of the pairs it leaves unlisted, so weak labels count for less than hand labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy
from spacy.training import Example

from .decision import Pairs
from .relations import has_relations, negative_confidence, relation_key
from .schema import Schema


def targets(examples: Sequence[Example], all_pairs: Sequence[Pairs], schema: Schema,
            class_weights: dict[str, float]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Class index (0 is NO_RELATION) and loss weight per candidate pair of `examples`."""
    classes = {label: i for i, label in enumerate(schema.classes)}
    weight_of = numpy.asarray([class_weights.get(c, 1.0) for c in schema.classes], "f")
    truth, weight = [], []
    for eg, pairs in zip(examples, all_pairs):
        known = has_relations(eg.reference)
        negative = weight_of[0] * negative_confidence(eg.reference) if known else 0.0
        gold = {rel.key[:4]: rel for rel in eg.reference._.relations} if known else {}
        gold_ents = {(e.start_char, e.end_char) for e in eg.reference.ents}
        for head, tail in pairs:
            rel = gold.get(relation_key(head, tail, "")[:4])
            if not {(s.start_char, s.end_char) for s in (head, tail)} <= gold_ents:
                truth.append(0)
                weight.append(0.0)
            elif rel is not None and rel.label in classes:
                truth.append(classes[rel.label])
                weight.append(weight_of[classes[rel.label]] * rel.score)
            else:
                truth.append(0)
                weight.append(negative)
    return numpy.asarray(truth, dtype="i"), numpy.asarray(weight, dtype="f")


def weighted_loss(truth: numpy.ndarray, weight: numpy.ndarray, probs: numpy.ndarray,
                  label_smoothing: float = 0.0) -> tuple[float, numpy.ndarray]:
    """Weighted cross-entropy of the class probabilities `probs` against `truth`, with label
    smoothing, normalised by the total weight: (loss, gradient of the softmax inputs)."""
    n_classes = probs.shape[1]
    target = numpy.full(probs.shape, label_smoothing / n_classes, dtype="f")
    target[numpy.arange(len(truth)), truth] += 1.0 - label_smoothing
    norm = max(float(weight.sum()), 1.0)
    d_scores = weight[:, None] * (probs - target) / norm
    loss = float(-(weight[:, None] * target * numpy.log(probs + 1e-8)).sum() / norm)
    return loss, d_scores
