"""Context readers of `paleo_re.ContextRelationModel.v1` compared on one frozen encoder: a fresh
head per reader and seed, trained on cached encoder outputs as the `relations` step trains the
default's, scored with gold entities on held-out annotated sentences (a CV fold's own part,
never the dev set).

    python scripts/compare_readers.py training/cv/fold0/training/model-best \
        training/cv/fold0/train/gold.spacy training/cv/fold0/test.jsonl \
        --reader piecewise --reader marked --seeds 0,1 --epochs 20 --layers 1

F1 counts every gold pair of the held-out sentences, those no candidate covers as misses, and
decides at the pipeline's thresholds. Prints one line per reader and seed, with seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy
import spacy
import typer
from spacy.scorer import PRFScore
from spacy.tokens import DocBin
from thinc.api import Adam, fix_random_seed, noop

from paleo_re.component.candidates import N_COLUMNS, TYPE_PAIR
from paleo_re.component.context_pooling import build_context_relation_model
from paleo_re.component.decision import decide
from paleo_re.component.model import scoring_head
from paleo_re.component.pipe import get_relation_extractor
from paleo_re.io.annotations import read_annotations
from paleo_re.training.head import adam_settings, encode, model_inputs, train_head


def main(
    model: Path = typer.Argument(..., help="Trained pipeline whose encoder is used, frozen"),
    train: Path = typer.Argument(..., help="Training .spacy docs"),
    test: Path = typer.Argument(..., help="Held-out annotated JSONL (gold entities given)"),
    reader: list[str] = typer.Option(["piecewise"], help="Readers to compare"),
    seeds: str = typer.Option("0", help="Comma-separated seeds"),
    epochs: int = typer.Option(20, help="Head epochs, as the `relations` step"),
    layers: int = typer.Option(2, help="Self-attention layers of the marked reader"),
) -> None:
    nlp = spacy.load(model)
    pipe = get_relation_extractor(nlp)
    schema = pipe.schema
    references = list(read_annotations(test, nlp.make_doc))
    n_gold = [sum(rel.label == label for doc in references for rel in doc._.relations)
              for label in schema.labels]
    train_data = encode(nlp, DocBin().from_disk(train).get_docs(nlp.vocab))
    test_data = encode(nlp, references)
    type_pairs = [schema.type_pairs[k] for c in test_data.candidates for k in c[:, TYPE_PAIR]]
    truth = numpy.concatenate(test_data.truth)
    for name in reader:
        for seed in (int(s) for s in seeds.split(",")):
            fix_random_seed(seed)
            start = time.perf_counter()
            head = scoring_head(build_context_relation_model(noop(), reader=name,
                                                              layers=layers))
            head.set_dim("nO", len(schema.classes))
            head.set_dim("nT", len(schema.type_pairs))
            head.set_dim("nV", train_data.candidates[0].shape[1] - N_COLUMNS)
            head.initialize(X=model_inputs(train_data, range(min(16, len(train_data))),
                                           head.ops))
            train_head(pipe, train_data, epochs, seed=seed, head=head,
                       optimizer=Adam(0.001, **adam_settings(nlp)))
            scores = head.predict(model_inputs(test_data, range(len(test_data)), head.ops))
            best, _, kept = decide(schema, type_pairs, head.ops.to_numpy(scores)[:, 1:],
                                   pipe.label_thresholds)
            f1 = {}
            for k, label in enumerate(schema.labels):
                mine = kept & (best == k)
                tp = int((mine & (truth == k + 1)).sum())
                f1[label] = PRFScore(tp=tp, fp=int(mine.sum()) - tp, fn=n_gold[k] - tp).fscore
            macro = numpy.mean(list(f1.values()))
            print(f"{name} seed {seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in f1.items())
                  + f", macro {macro:.3f} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    typer.run(main)
