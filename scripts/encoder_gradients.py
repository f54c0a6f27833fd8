"""How hard each component pulls on the shared transformer: the norm of the gradient that each
`TransformerListener` sends back to it, per batch of training examples, with `grad_factor`
applied. The weights are not changed (the optimizer is a no-op).

    python scripts/encoder_gradients.py training/cv/fold0/training/model-best \
        training/cv/fold0/train/gold.spacy --batches 8 --batch-size 24

The relation extractor's loss is a mean over a batch's candidate pairs and `ner`'s a sum over
its transitions, so with `grad_factor = 1.0` on both the encoder learns almost only from `ner`
(docs/designs.md, "The encoder learns from the relations").
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy
import spacy
import typer
from spacy.tokens import DocBin
from spacy.training import Example
from spacy_transformers.layers.listener import TransformerListener


class NoUpdate:
    """An optimizer that leaves every weight as it is."""

    learn_rate = 0.0
    averages = None

    def __call__(self, key, weights, gradient, lr_scale=1.0):
        return weights, gradient * 0

    def step_schedules(self) -> None:
        pass


def squared_norm(x) -> float:
    """Sum of squares over a listener's gradient: TransformerData, arrays or lists of them."""
    if hasattr(x, "tensors"):
        return sum(float((numpy.asarray(t) ** 2).sum()) for t in x.tensors if t is not None)
    if isinstance(x, (list, tuple)):
        return sum(squared_norm(y) for y in x)
    return float((numpy.asarray(x) ** 2).sum()) if hasattr(x, "shape") else 0.0


def main(
    model: Path = typer.Argument(..., help="Trained pipeline with a shared transformer"),
    data: Path = typer.Argument(..., help="Training .spacy docs"),
    batches: int = typer.Option(8, help="Batches to measure"),
    batch_size: int = typer.Option(24, help="Docs per batch"),
    seed: int = typer.Option(0, help="Seed of the doc order"),
) -> None:
    nlp = spacy.load(model)
    owner = {}
    for name, proc in nlp.pipeline:
        model_ = getattr(proc, "model", None)
        if model_ is not None and model_.has_ref("tok2vec"):
            for node in model_.get_ref("tok2vec").walk():
                if isinstance(node, TransformerListener):
                    owner[id(node)] = name
    norms: dict[str, list[float]] = defaultdict(list)
    backprop = TransformerListener.backprop_and_clear

    def recording(self, *args, **kwargs):
        norms[owner.get(id(self), "?")].append(squared_norm(args) ** 0.5)
        return backprop(self, *args, **kwargs)

    docs = list(DocBin().from_disk(data).get_docs(nlp.vocab))
    numpy.random.RandomState(seed).shuffle(docs)
    TransformerListener.backprop_and_clear = recording
    try:
        for b in range(batches):
            batch = docs[b * batch_size:(b + 1) * batch_size]
            nlp.update([Example(nlp.make_doc(doc.text), doc) for doc in batch], sgd=NoUpdate())
    finally:
        TransformerListener.backprop_and_clear = backprop
    for name, values in norms.items():
        print(f"{name}: mean gradient norm {numpy.mean(values):.3f} over {len(values)} batches "
              f"(min {min(values):.3f}, max {max(values):.3f})")


if __name__ == "__main__":
    typer.run(main)
