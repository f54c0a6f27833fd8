"""Per-label decision thresholds tuned on held-out annotated docs (never the real dev set),
stored in the relation extractor's config so the packaged pipeline carries them.

The decision rule (`paleo_re.component.decision.decide`) keeps a pair's most probable fitting
label when its probability reaches that label's threshold, so each label's threshold only
decides among the pairs whose best label it is, and the labels can be tuned one at a time,
exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy
from spacy.language import Language
from spacy.scorer import PRFScore
from spacy.training import Example
from wasabi import msg

from ..component.decision import decide, split_by_doc, type_pairs
from ..component.gold_ents import run_with_gold_ents
from ..component.pipe import get_relation_extractor
from ..component.relations import relation_key

GRID = tuple(round(float(x), 2) for x in numpy.arange(0.1, 0.95, 0.05))


def best_threshold(probs: numpy.ndarray, correct: numpy.ndarray, n_gold: int,
                   grid: Sequence[float] = GRID, anchor: float = 0.5) -> tuple[float, float]:
    """(threshold, F1 at it) when pairs with `probs >= threshold` are predicted and `correct`
    marks those that are right.

    The best F1 on a few hundred held-out pairs is partly noise, and held-out sentences are not
    the text the pipeline meets, so the one-standard-error rule applies: of the thresholds whose
    F1 is within one standard error (sqrt(F1 (1 - F1) / n_gold)) of the best, the one closest to
    `anchor`, the model's own decision point, is taken; ties go to the lower threshold. (The
    F1s at neighbouring thresholds share most of their pairs, so the binomial standard error is
    a rough yardstick for noise, not an exact one.)"""
    if n_gold < 1 or not grid:
        raise ValueError("tuning a threshold needs gold relations and a grid of thresholds")
    scores = []
    for t in grid:
        kept = probs >= t
        tp = int((kept & correct).sum())
        scores.append((float(t), PRFScore(tp=tp, fp=int(kept.sum()) - tp, fn=n_gold - tp).fscore))
    top = max(f for _, f in scores)
    se = (top * (1.0 - top) / n_gold) ** 0.5
    near = [(t, f) for t, f in scores if f >= top - se]
    return min(near, key=lambda tf: (round(abs(tf[0] - anchor), 6), tf[0]))


def tune_per_label(best: numpy.ndarray, prob: numpy.ndarray, correct: numpy.ndarray,
                   n_gold: Sequence[int], grid: Sequence[float] = GRID, anchor: float = 0.5
                   ) -> list[tuple[float, float] | None]:
    """Per label k, (threshold, F1) over the pairs whose best fitting label is k (`best`, its
    probability `prob`, whether it is right `correct`), against `n_gold[k]` gold relations;
    None for a label without gold relations."""
    return [best_threshold(prob[best == k], correct[best == k], n, grid, anchor) if n else None
            for k, n in enumerate(n_gold)]


def tune_thresholds(nlp: Language, examples: Iterable[Example], name: str = "relation_extractor",
                    grid: Sequence[float] = GRID) -> dict[str, tuple[float, float]]:
    """Label -> (threshold, F1 at it) on `examples`, with their gold entities given. A label
    without gold relations in `examples` keeps its current threshold (F1 reported as -1)."""
    pipe = get_relation_extractor(nlp, name)
    examples = list(examples)
    docs = list(run_with_gold_ents(nlp, (eg.reference for eg in examples), upto=name))
    all_pairs, scores = pipe.predict(docs)
    schema, labels = pipe.schema, pipe.labels
    best, prob, correct = [], [], []
    for eg, pairs, probs in zip(examples, all_pairs,
                                split_by_doc(all_pairs, pipe.model.ops.to_numpy(scores))):
        gold = {rel.key for rel in eg.reference._.relations}
        b, p, _ = decide(schema, type_pairs(pairs), probs, pipe.label_thresholds)
        best.extend(b)
        prob.extend(p)
        correct.extend(relation_key(h, t, labels[k]) in gold for (h, t), k in zip(pairs, b))
    n_gold = [sum(rel.label == label for eg in examples for rel in eg.reference._.relations)
              for label in labels]
    tuned = tune_per_label(numpy.asarray(best), numpy.asarray(prob), numpy.asarray(correct),
                           n_gold, grid, anchor=pipe.cfg["threshold"])
    result = {}
    for label, found, current in zip(labels, tuned, pipe.label_thresholds):
        if found is None:
            msg.warn(f"No held-out '{label}' relations: its threshold stays as it is")
            found = (float(current), -1.0)
        result[label] = found
    return result


def store_thresholds(nlp: Language, thresholds: dict[str, float],
                     name: str = "relation_extractor") -> None:
    """Set the thresholds on the component and in the pipeline's config (config.cfg)."""
    nlp.get_pipe(name).cfg["thresholds"] = dict(thresholds)
    nlp.get_pipe_config(name)["thresholds"] = dict(thresholds)
