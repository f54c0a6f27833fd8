"""Scoring relations against gold, by character offsets and label.

Iterating over the gold relations as well as the predicted ones means that a gold pair the
candidate step never produced still counts as a miss.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.scorer import PRFScore
from spacy.training import Example
from spacy.util import registry

from .relations import Relation
from .schema import NO_RELATION

PairKey = tuple[int, int, int, int]


def _pair(rel: Relation) -> PairKey:
    return rel.key[:4]


def score_relations(examples: Iterable[Example], labels: Iterable[str] | None = None,
                    **_: Any) -> dict[str, Any]:
    """Per-label precision/recall/F1, micro over all labels, macro over `labels`
    (the component's labels; when none are given, those seen in gold or predictions)."""
    per_label: dict[str, PRFScore] = {label: PRFScore() for label in labels or ()}
    for eg in examples:
        gold = {rel.key for rel in eg.reference._.relations}
        pred = {rel.key for rel in eg.predicted._.relations}
        for key in gold | pred:
            score = per_label.setdefault(key[4], PRFScore())
            if key in gold and key in pred:
                score.tp += 1
            elif key in pred:
                score.fp += 1
            else:
                score.fn += 1
    micro = PRFScore()
    for score in per_label.values():
        micro += score
    macro = [s.fscore for s in per_label.values()]
    return {
        "rel_micro_p": micro.precision,
        "rel_micro_r": micro.recall,
        "rel_micro_f": micro.fscore,
        "rel_macro_f": sum(macro) / len(macro) if macro else 0.0,
        "rel_f_per_type": {label: s.to_dict() for label, s in sorted(per_label.items())},
    }


@registry.scorers("paleo_re.relation_scorer.v1")
def make_relation_scorer():
    return score_relations


def confusion_matrix(examples: Iterable[Example]) -> dict[str, dict[str, int]]:
    """gold label -> predicted label -> count, over every pair that is related in gold or in
    the predictions (pairs that are NO_RELATION in both are not counted)."""
    matrix: dict[str, dict[str, int]] = {}
    for eg in examples:
        gold = {_pair(r): r.label for r in eg.reference._.relations}
        pred = {_pair(r): r.label for r in eg.predicted._.relations}
        for pair in gold.keys() | pred.keys():
            row = matrix.setdefault(gold.get(pair, NO_RELATION), {})
            p = pred.get(pair, NO_RELATION)
            row[p] = row.get(p, 0) + 1
    return matrix


def matrix_labels(matrix: dict[str, dict[str, int]]) -> list[str]:
    """Every label seen as gold or predicted in a `confusion_matrix`, NO_RELATION last: the
    order of its rows and columns in the report and the plot."""
    return sorted({*matrix, *(p for row in matrix.values() for p in row)},
                  key=lambda x: (x == NO_RELATION, x))
