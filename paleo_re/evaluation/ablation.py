"""Which parts of the pair vector help: heads with different `paleo_re.PairFeatures.v1`
settings, with and without the rule votes (and their veto column), trained on the same
cached outputs of a trained pipeline's frozen encoder with several seeds, scored on a
gold-entity dev set.

Each variant's thresholds are tuned on held-out training docs (never the dev set). F1 counts
the candidate pairs only (a gold relation no candidate covers is left out, the same for every
variant); AUC ranks each label's probability over the pairs whose types fit it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy
from spacy.scorer import PRFScore
from thinc.api import Model, fix_random_seed, noop

from ..component.candidates import N_COLUMNS, TYPE_PAIR
from ..component.decision import decide, fitting_probs
from ..component.model import build_pair_features, build_relation_model, scoring_head
from ..component.pipe import RelationExtractor
from ..component.schema import Schema
from ..training.head import EncodedDocs, model_inputs, train_head
from ..training.thresholds import tune_per_label

VARIANTS: dict[str, dict[str, Any]] = {
    "head + tail + context + types + distance + rule votes and veto (default)": {},
    "without the veto column": {"votes": "labels"},
    "without the rule votes": {"votes": "none"},
    "without the context between": {"context": False},
    "without the type-pair embedding": {"type_width": 0},
    "without the distance embedding": {"distance_width": 0},
    "head + tail only": {"context": False, "type_width": 0, "distance_width": 0,
                         "votes": "none"},
}


def build_head(pipe: RelationExtractor, data: EncodedDocs, pair_features: dict[str, Any],
               hidden_width: int = 256, dropout: float = 0.1) -> Model:
    """A fresh scoring head for `pipe`'s schema, initialized on cached vectors; it reads
    as many rule votes as `data` carries."""
    features = build_pair_features(**pair_features)
    features.set_dim("nT", len(pipe.schema.type_pairs))
    features.set_dim("nV", data.candidates[0].shape[1] - N_COLUMNS)
    model = build_relation_model(noop(), features, hidden_width, dropout,
                                 nO=len(pipe.schema.classes))
    head = scoring_head(model)
    head.initialize(X=model_inputs(data, range(min(len(data), 16)), head.ops))
    return head


def first_votes(data: EncodedDocs, n: int) -> EncodedDocs:
    """The same docs with only the first `n` vote columns of their candidate arrays."""
    return EncodedDocs(data.vectors, [c[:, :N_COLUMNS + n] for c in data.candidates],
                       data.truth, data.weight)


def predict(head: Model, schema: Schema, data: EncodedDocs
            ) -> tuple[list[tuple[str, str]], numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """(type pair, label probabilities, truth, weight), one row per pair."""
    probs = [head.ops.to_numpy(head.predict(model_inputs(data, [i], head.ops)))[:, 1:]
             for i in range(len(data))]
    pairs = [schema.type_pairs[k] for c in data.candidates for k in c[:, TYPE_PAIR]]
    return (pairs, numpy.concatenate(probs), numpy.concatenate(data.truth),
            numpy.concatenate(data.weight))


def auc(scores: numpy.ndarray, positive: numpy.ndarray) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return float("nan")
    _, inverse, counts = numpy.unique(scores, return_inverse=True, return_counts=True)
    first_rank = numpy.cumsum(counts) - counts + 1
    ranks = (first_rank + (counts - 1) / 2)[inverse]  # tied scores share their mean rank
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def score_variant(head: Model, pipe: RelationExtractor, held_out: EncodedDocs,
                  dev: EncodedDocs) -> dict[str, dict[str, float]]:
    """Per label: F1 on `dev` at the threshold tuned on `held_out`, and AUC on `dev`."""
    schema, default = pipe.schema, pipe.cfg["threshold"]
    tuned = tune_per_label(*_decisions(schema, *predict(head, schema, held_out)),
                           anchor=default)
    thresholds = numpy.asarray([found[0] if found else default for found in tuned])
    pairs, probs, truth, weight = predict(head, schema, dev)
    best, prob, correct, n_gold = _decisions(schema, pairs, probs, truth, weight)
    kept = prob >= thresholds[best]
    fitting = fitting_probs(schema, pairs, probs)
    result = {}
    for k, label in enumerate(schema.labels):
        mine = kept & (best == k)
        tp = int((mine & correct).sum())
        fits = (fitting[:, k] >= 0) & (weight > 0)
        result[label] = {
            "f": PRFScore(tp=tp, fp=int(mine.sum()) - tp, fn=n_gold[k] - tp).fscore,
            "auc": auc(fitting[fits, k], truth[fits] == k + 1),
            "threshold": float(thresholds[k])}
    return result


def _decisions(schema: Schema, pairs: list[tuple[str, str]], probs: numpy.ndarray,
               truth: numpy.ndarray, weight: numpy.ndarray
               ) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray, list[int]]:
    """Over the pairs with known truth: each one's best fitting label, its probability,
    whether it is right; and the number of gold pairs per label."""
    known = weight > 0
    best, prob, _ = decide(schema, [p for p, k in zip(pairs, known) if k], probs[known],
                           numpy.zeros(len(schema.labels)))
    truth = truth[known]
    return (best, prob, truth == best + 1,
            [int((truth == k + 1).sum()) for k in range(len(schema.labels))])


def ablate(pipe: RelationExtractor, train: EncodedDocs, held_out: EncodedDocs, dev: EncodedDocs,
           variants: dict[str, dict[str, Any]] = VARIANTS, seeds: Sequence[int] = (0, 1, 2),
           epochs: int = 10) -> dict[str, list[dict[str, dict[str, float]]]]:
    """Variant name -> one score dict (see `score_variant`) per seed."""
    results: dict[str, list] = {}
    for name, settings in variants.items():
        pair_features = dict(settings)
        sets = (train, held_out, dev)
        votes = pair_features.pop("votes", "all")
        if votes != "all":
            n = {"labels": len(pipe.labels), "none": 0}[votes]
            sets = tuple(first_votes(data, n) for data in sets)
        for seed in seeds:
            fix_random_seed(seed)
            head = build_head(pipe, sets[0], pair_features)
            train_head(pipe, sets[0], epochs, seed=seed, head=head)
            results.setdefault(name, []).append(score_variant(head, pipe, *sets[1:]))
    return results


def report(results: dict[str, list[dict[str, dict[str, float]]]], labels: Sequence[str],
           intro: str) -> str:
    """Markdown: mean F1 per label, macro F1 (mean ± sd over seeds) and mean AUC per variant."""
    lines = [intro, "", "| pair vector | " + " | ".join(f"{label} F1" for label in labels)
             + " | macro F1 | mean AUC |", "|---" * (len(labels) + 3) + "|"]
    for name, runs in results.items():
        f1 = {label: numpy.mean([r[label]["f"] for r in runs]) for label in labels}
        macro = [numpy.mean([r[label]["f"] for label in labels]) for r in runs]
        mean_auc = numpy.mean([numpy.nanmean([r[label]["auc"] for label in labels])
                               for r in runs])
        lines.append(f"| {name} | " + " | ".join(f"{f1[label]:.3f}" for label in labels)
                     + f" | {numpy.mean(macro):.3f} ± {numpy.std(macro):.3f} "
                     f"| {mean_auc:.3f} |")
    return "\n".join(lines) + "\n"
