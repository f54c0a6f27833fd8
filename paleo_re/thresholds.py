"""Per-label decision thresholds tuned on held-out annotated docs (never the real dev set),
stored in the relation extractor's config so the packaged pipeline carries them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy
from spacy.language import Language
from spacy.training import Example

from .pipe import RelationExtractor

GRID = tuple(round(x, 2) for x in numpy.arange(0.1, 0.95, 0.05))


def _best_threshold(probs: numpy.ndarray, is_best: numpy.ndarray, gold: numpy.ndarray,
                    n_gold: int, grid: Sequence[float]) -> tuple[float, float]:
    """The threshold with the highest F1 for one label (ties go to the lower threshold)."""
    best = (0.5, -1.0)
    for t in grid:
        pred = is_best & (probs >= t)
        tp = int((pred & gold).sum())
        p = tp / max(int(pred.sum()), 1)
        r = tp / max(n_gold, 1)
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best[1]:
            best = (float(t), f)
    return best


def tune_thresholds(nlp: Language, examples: Iterable[Example], name: str = "relation_extractor",
                    grid: Sequence[float] = GRID) -> dict[str, tuple[float, float]]:
    """Label -> (threshold, F1 at it) on `examples` with their gold entities given."""
    pipe = nlp.get_pipe(name)
    assert isinstance(pipe, RelationExtractor)
    examples = list(examples)
    docs = [eg.reference.copy() for eg in examples]
    upstream = [n for n in nlp.pipe_names[:nlp.pipe_names.index(name)]
                if not getattr(nlp.get_pipe(n), "annotate_ents", False)
                and "doc.ents" not in nlp.get_pipe_meta(n).assigns]
    with nlp.select_pipes(enable=upstream):
        docs = list(nlp.pipe(docs))
    all_pairs, scores = pipe.predict(docs)
    scores = nlp.get_pipe(name).model.ops.to_numpy(scores)
    keys = [(h.start_char, h.end_char, t.start_char, t.end_char)
            for pairs in all_pairs for h, t in pairs]
    gold_label = {}
    for eg_i, eg in enumerate(examples):
        for rel in eg.reference._.relations:
            gold_label[(eg_i, rel.key[:4])] = rel.label
    doc_of = [i for i, pairs in enumerate(all_pairs) for _ in pairs]
    flat_pairs = [pair for pairs in all_pairs for pair in pairs]
    probs = pipe.fitting_probs(flat_pairs, scores[:, 1:]) if flat_pairs else scores[:, 1:]
    argmax = probs.argmax(axis=1)
    n_gold_by_label: dict[str, int] = {}
    for (_, _), label in gold_label.items():
        n_gold_by_label[label] = n_gold_by_label.get(label, 0) + 1
    result = {}
    for k, label in enumerate(pipe.labels):
        gold = numpy.asarray([gold_label.get((d, key)) == label for d, key in zip(doc_of, keys)],
                             dtype=bool)
        result[label] = _best_threshold(probs[:, k], argmax == k, gold,
                                        n_gold_by_label.get(label, 0), grid)
    return result


def store_thresholds(nlp: Language, thresholds: dict[str, float],
                     name: str = "relation_extractor") -> None:
    nlp.get_pipe(name).cfg["thresholds"] = dict(thresholds)
    nlp.config["components"][name]["thresholds"] = dict(thresholds)
