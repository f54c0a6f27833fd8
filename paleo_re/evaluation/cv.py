"""K-fold cross-validation of the whole training workflow over the real gold training set.

Dev is for measuring only, so error analysis and model selection need held-out labels of
their own. Each fold trains the pipeline exactly as the `all` workflow does (corpus, `spacy
train`, cached head epochs), with that fold's part of the gold training set
left out of the corpus, and evaluates on the left-out part: relations with gold entities and
end to end, entities per type. The report gives the mean and spread over folds, next to the
every-pair floor of the same sentences.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy
import spacy
import srsly
from spacy.training import Example

from ..component.candidates import CandidateGenerator
from ..component.relations import Relation, set_relations
from ..component.schema import DEFAULT, Schema
from ..component.scorer import score_relations
from ..entities import add_sentencizer
from ..io.annotations import read_annotations, write_annotations
from ..training.corpus import stratified_folds

MODES = (("gold_ents", "relations, gold entities"), ("end_to_end", "relations, end to end"))


def write_folds(gold: Path, k: int, output: Path, seed: int = 0) -> list[Path]:
    """Split `gold` into `k` folds stratified by each sentence's rarest label; write
    `fold<i>/train.jsonl` (the other folds) and `fold<i>/test.jsonl` under `output`."""
    docs = list(read_annotations(gold, spacy.blank("en").make_doc))
    folds = stratified_folds(docs, k, seed)
    dirs = []
    for i, test in enumerate(folds):
        fold_dir = output / f"fold{i}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        write_annotations([doc for j, fold in enumerate(folds) if j != i for doc in fold],
                          fold_dir / "train.jsonl")
        write_annotations(test, fold_dir / "test.jsonl")
        dirs.append(fold_dir)
    return dirs


def run_fold(fold_dir: Path, config: Path, corpus_args: Sequence[str], max_steps: int,
             head_epochs: int, gpu_id: int = -1) -> Path:
    """Train on everything but the fold, as the `all` workflow does; return its metrics.json.
    `corpus_args`: the other sources of `build-corpus` (hand-written, stand-off, weak), which
    `spacy train` reads beside the fold's gold and the cached head epochs do not."""
    python = [sys.executable, "-m"]
    model, train = fold_dir / "model", fold_dir / "train"
    build = [["paleo_re", "build-corpus", "--train", str(train / "gold.spacy"),
              "--dev", str(fold_dir / "held_out.spacy"),
              "--annotated", str(fold_dir / "train.jsonl")]]
    if corpus_args:
        build.append(["paleo_re", "build-corpus", "--train", str(train / "other.spacy"),
                      *corpus_args])
    steps = [
        *build,
        ["spacy", "train", str(config), "--output", str(fold_dir / "training"),
         "--gpu-id", str(gpu_id), "--paths.train", str(train),
         "--paths.dev", str(fold_dir / "held_out.spacy"),
         "--training.max_steps", str(max_steps)],
        ["paleo_re", "train-relations", str(fold_dir / "training" / "model-best"),
         str(train / "gold.spacy"), str(fold_dir / "held_out.spacy"), "--output",
         str(model), "--epochs", str(head_epochs)],
        ["paleo_re", "evaluate", str(model), str(fold_dir / "test.jsonl"),
         "--output", str(fold_dir / "metrics"), "--title", f"CV {fold_dir.name}"],
    ]
    for step in steps:
        subprocess.run(python + step, check=True)
    return fold_dir / "metrics" / "metrics.json"


def every_pair_floor(gold: Path, schema: Schema = DEFAULT,
                     candidates: CandidateGenerator | None = None) -> dict[str, Any]:
    """Scores of predicting every type-valid candidate pair with every label it fits, gold
    entities given: what a model must beat to have learned anything."""
    candidates = candidates or CandidateGenerator()
    nlp = spacy.blank("en")
    sentencizer = add_sentencizer(nlp)
    examples = []
    for ref in read_annotations(gold, nlp.make_doc):
        pred = sentencizer(ref.copy())
        set_relations(pred, [Relation(h, t, label) for h, t in candidates(pred, schema)
                             for label in schema.labels if schema.allows(label, h.label_,
                                                                         t.label_)])
        examples.append(Example(pred, ref))
    return score_relations(examples, schema.labels)


def _mean_sd(values: Sequence[float]) -> str:
    return f"{numpy.mean(values):.3f} ± {numpy.std(values):.3f}"


def report(folds: Sequence[dict[str, Any]], floors: Sequence[dict[str, Any]], intro: str
           ) -> str:
    """Markdown: per label F1 (mean ± sd over folds) with gold entities and end to end, the
    every-pair floor, and entities per type."""
    labels = sorted(folds[0]["gold_ents"]["relations"]["rel_f_per_type"])
    lines = [intro, "", "| | " + " | ".join(labels) + " | micro F1 | macro F1 |",
             "|---" * (len(labels) + 3) + "|"]

    def row(title: str, scores: Sequence[dict[str, Any]]) -> str:
        per = [_mean_sd([s["rel_f_per_type"].get(lab, {"f": 0.0})["f"] for s in scores])
               for lab in labels]
        micro = _mean_sd([s["rel_micro_f"] for s in scores])
        macro = _mean_sd([s["rel_macro_f"] for s in scores])
        return f"| {title} | " + " | ".join(per) + f" | {micro} | **{macro}** |"

    for mode, title in MODES:
        lines.append(row(title, [f[mode]["relations"] for f in folds]))
    lines.append(row("every type-valid pair (floor)", floors))
    lines += ["", "Precision and recall, gold entities:", "",
              "| label | P | R |", "|---|---|---|"]
    for lab in labels:
        scores = [f["gold_ents"]["relations"]["rel_f_per_type"].get(lab, {"p": 0.0, "r": 0.0})
                  for f in folds]
        lines.append(f"| {lab} | {_mean_sd([s['p'] for s in scores])} "
                     f"| {_mean_sd([s['r'] for s in scores])} |")
    ents = [f["end_to_end"]["entities"] for f in folds]
    types = sorted(ents[0]["per_type"])
    lines += ["", "Entities, end to end (exact spans), F1:", "",
              "| " + " | ".join(types) + " | micro |", "|---" * (len(types) + 1) + "|",
              "| " + " | ".join(_mean_sd([e["per_type"][t]["f"] for e in ents]) for t in types)
              + f" | {_mean_sd([e['f'] for e in ents])} |"]
    return "\n".join(lines) + "\n"


def cross_validate(gold: Path, k: int, work: Path, config: Path, corpus_args: Sequence[str],
                   max_steps: int, head_epochs: int, output: Path, gpu_id: int = -1,
                   seed: int = 0) -> str:
    """Write the folds, train and evaluate each, and write the report to `output`."""
    fold_dirs = write_folds(gold, k, work, seed)
    metrics = [srsly.read_json(run_fold(d, config, corpus_args, max_steps, head_epochs, gpu_id))
               for d in fold_dirs]
    floors = [every_pair_floor(d / "test.jsonl") for d in fold_dirs]
    intro = (f"# Cross-validation over the real gold training set\n\n"
             f"{k} folds of `{gold}` ({sum(m['n_docs'] for m in metrics)} sentences), "
             f"stratified by each sentence's rarest relation label. Each fold trains the "
             f"pipeline as the `all` workflow does (`{config}`, {max_steps} `spacy train` "
             f"steps, {head_epochs} cached head epochs) on the other folds"
             f"{' (`spacy train` also on ' + ' '.join(corpus_args) + ')' if corpus_args else ''}"
             f", and is scored on its own sentences. "
             f"Mean ± standard deviation over folds. Written by `spacy project run cv`.")
    text = report(metrics, floors, intro)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf8")
    return text
