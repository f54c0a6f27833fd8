"""What running the transformer in length groups saves (`paleo_re.TransformerModel.v1`), in
training and at inference, against one padded call per batch (spacy-transformers' own
forward), on the same batches, in the same run:

    python bench/length_buckets.py corpus/train/gold.spacy --steps 20 --costs 0,32,64,128,256

Builds the default pipeline (configs/transformer.cfg, whose transformer is
`paleo_re.TransformerModel.v1`; untrained, from the local backbone) and
times `nlp.update` on `--steps` batches of about `--words` words (the size `spacy train`
reaches after its first few hundred steps), then `nlp.pipe` over the same docs. The baseline is
a call cost so high that every batch is one group, which is exactly the padded call. Prints,
per call cost, the share of the computed wordpiece positions that are padding, seconds and the
ratio to the baseline. Each variant runs the same batches in the same order; the first batch
is a warm-up, untimed.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import spacy
import typer
from spacy.training import Corpus, Example
from spacy.training.initialize import init_nlp
from spacy.util import load_config
from thinc.api import Adam
from wasabi import msg

from paleo_re.length_buckets import length_buckets

NO_GROUPS = 10**9


def main(
    data: Path = typer.Argument(..., help="Training .spacy docs"),
    config: Path = typer.Option(Path("configs/transformer.cfg"), help="Pipeline config"),
    steps: int = typer.Option(20, help="Timed update batches"),
    words: int = typer.Option(600, help="Words per update batch"),
    costs: str = typer.Option("0,32,64,128,256", help="Call costs to compare"),
    seed: int = typer.Option(0, help="Shuffling seed"),
) -> None:
    cfg = load_config(config, overrides={"paths.train": str(data), "paths.dev": str(data)})
    nlp = init_nlp(cfg)
    examples = list(Corpus(str(data))(nlp))
    random.Random(seed).shuffle(examples)
    batches = _batches(examples, words)[: steps + 1]
    docs = [eg.reference.text for batch in batches for eg in batch]
    transformer = nlp.get_pipe("transformer").model
    rows = []
    for cost in [NO_GROUPS] + [int(c) for c in costs.split(",")]:
        transformer.attrs["call_cost"] = cost
        padding = _padding(nlp, batches, cost)
        optimizer = Adam(0.0)  # the time of an update, without moving the weights
        nlp.update(batches[0], sgd=optimizer)
        start = time.perf_counter()
        for batch in batches[1:]:
            nlp.update(batch, sgd=optimizer)
        train = time.perf_counter() - start
        start = time.perf_counter()
        for _ in nlp.pipe(docs):
            pass
        infer = time.perf_counter() - start
        rows.append((cost, padding, train, infer))
    base_train, base_infer = rows[0][2], rows[0][3]
    msg.table(
        [
            ("one call (baseline)" if cost == NO_GROUPS else str(cost), f"{padding:.2f}",
             f"{train:.1f}", f"{train / base_train:.2f}", f"{infer:.1f}",
             f"{infer / base_infer:.2f}")
            for cost, padding, train, infer in rows
        ],
        header=("call cost", "padding", "train s", "ratio", "infer s", "ratio"),
        divider=True,
    )


def _batches(examples: list[Example], words: int) -> list[list[Example]]:
    batches: list[list[Example]] = [[]]
    size = 0
    for eg in examples:
        if size >= words:
            batches.append([])
            size = 0
        batches[-1].append(eg)
        size += len(eg.reference)
    return batches


def _padding(nlp: spacy.Language, batches: list[list[Example]], cost: int) -> float:
    """Share of the wordpiece positions the transformer computes in training that are padding."""
    model = nlp.get_pipe("transformer").model
    total = real = 0
    for batch in batches[1:]:
        spans = model.attrs["get_spans"]([eg.predicted for eg in batch])
        texts = [span.text for doc_spans in spans for span in doc_spans]
        lengths = [len(ids) for ids in model.tokenizer(texts)["input_ids"]]
        for group in length_buckets(lengths, cost):
            total += len(group) * max(lengths[i] for i in group)
        real += sum(lengths)
    return 1 - real / total


if __name__ == "__main__":
    typer.run(main)
