"""What the `relations` step saves: one epoch of the relation head on cached encoder outputs
against one epoch of `spacy train`-style updates of the whole pipeline, on the same docs, in the
same run.

    python bench/head_training.py training/transformer/model-relations corpus/train/gold.spacy \
        --n-docs 200

Prints seconds and the ratios to the baseline (a full `nlp.update` pass: transformer, ner and
relation extractor trained together), and the size of the cache.
"""

from __future__ import annotations

import time
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin
from spacy.training import Example
from spacy.util import minibatch
from thinc.api import Adam
from wasabi import msg

from paleo_re.component.pipe import get_relation_extractor
from paleo_re.training.head import encode, train_head


def main(
    model: Path = typer.Argument(..., help="Trained pipeline"),
    data: Path = typer.Argument(..., help="Training .spacy docs"),
    n_docs: int = typer.Option(200, help="Docs to time on"),
    batch_size: int = typer.Option(16, help="Docs per update"),
) -> None:
    nlp = spacy.load(model)
    docs = list(DocBin().from_disk(data).get_docs(nlp.vocab))[:n_docs]
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in docs]
    optimizer = Adam(0.0003)  # the default config's peak rate; only the time matters here

    start = time.perf_counter()
    for batch in minibatch(examples, batch_size):
        nlp.update(batch, sgd=optimizer)
    baseline = time.perf_counter() - start

    start = time.perf_counter()
    cache = encode(nlp, docs)
    encoding = time.perf_counter() - start

    start = time.perf_counter()
    train_head(get_relation_extractor(nlp), cache, epochs=1, batch_size=batch_size)
    epoch = time.perf_counter() - start

    size = sum(v.nbytes for v in cache.vectors)
    rows = [
        ("baseline: one nlp.update epoch (all components)", f"{baseline:.1f}", "1.00"),
        ("encode once (cache the frozen encoder's outputs)", f"{encoding:.1f}",
         f"{encoding / baseline:.3f}"),
        ("one head epoch on the cache", f"{epoch:.1f}", f"{epoch / baseline:.3f}"),
        ("relations step: encode + 10 head epochs", f"{encoding + 10 * epoch:.1f}",
         f"{(encoding + 10 * epoch) / baseline:.3f}"),
    ]
    msg.table(rows, header=("", "seconds", "ratio to baseline"), divider=True, widths=(50, 8, 17))
    msg.info(f"{len(docs)} docs; cache {size / 2**20:.1f} MiB "
             f"({size / max(len(cache), 1) / 2**10:.1f} KiB per doc with pairs)")


if __name__ == "__main__":
    typer.run(main)
