from pathlib import Path

import pytest
import srsly
from util import make_examples, toy_records

from paleo_re.evaluation.cv import every_pair_floor, report, write_folds
from paleo_re.io.annotations import read_annotations
from paleo_re.training.corpus import stratified_folds


def test_folds_partition_the_docs_and_share_out_every_label(blank_nlp):
    docs = [eg.reference for eg in make_examples(blank_nlp, toy_records(60))]
    folds = stratified_folds(docs, 3)
    assert sorted(id(d) for f in folds for d in f) == sorted(id(d) for d in docs)
    assert [len(f) for f in folds] == [20, 20, 20]
    for label in ("occurs_in", "found_at", "assigned_to", "part_of"):
        counts = [sum(r.label == label for d in f for r in d._.relations) for f in folds]
        assert max(counts) - min(counts) <= 1


@pytest.mark.slow
def test_fold_files_hold_each_sentence_once_as_test(blank_nlp, tmp_path):
    gold = tmp_path / "gold.jsonl"
    srsly.write_jsonl(gold, [{"id": f"t{i}", **r} for i, r in enumerate(toy_records(30))])

    def ids(path):
        return [d.user_data["id"] for d in read_annotations(path, blank_nlp.make_doc)]

    dirs = write_folds(gold, 3, tmp_path / "cv")
    assert sorted(i for fold in dirs for i in ids(fold / "test.jsonl")) == \
        sorted(f"t{i}" for i in range(30))
    for fold in dirs:
        train, test = ids(fold / "train.jsonl"), ids(fold / "test.jsonl")
        assert len(train) == 20 and len(test) == 10 and not set(train) & set(test)


def test_every_pair_floor_finds_every_gold_pair(tmp_path):
    gold = tmp_path / "gold.jsonl"
    srsly.write_jsonl(gold, toy_records(12))
    floor = every_pair_floor(gold)
    assert floor["rel_micro_r"] == 1.0
    # the toy set's negatives ("absent from", "overlies") are predicted too
    assert floor["rel_f_per_type"]["occurs_in"]["p"] == 0.5


def test_report_gives_mean_and_spread_per_label():
    def metrics(f):
        rel = {"rel_micro_f": f, "rel_macro_f": f,
               "rel_f_per_type": {"found_at": {"p": f, "r": f, "f": f}}}
        ents = {"f": f, "per_type": {"LOC": {"f": f}}}
        return {"gold_ents": {"relations": rel}, "end_to_end": {"relations": rel,
                                                                "entities": ents}}
    text = report([metrics(0.6), metrics(0.8)], [metrics(0.5)["gold_ents"]["relations"]], "#")
    assert "| relations, gold entities | 0.700 ± 0.100 |" in text
    assert "| every type-valid pair (floor) | 0.500 ± 0.000 |" in text


@pytest.mark.parametrize("other", [[], ["--standoff", "real.jsonl", "--data", "data"]])
def test_a_fold_trains_the_encoder_on_every_source_and_the_head_on_the_gold(
        tmp_path, monkeypatch, other):
    from paleo_re.evaluation import cv

    commands = []
    monkeypatch.setattr(cv.subprocess, "run", lambda cmd, check: commands.append(cmd[2:]))
    cv.run_fold(tmp_path, Path("c.cfg"), other, max_steps=9, head_epochs=2)
    built = [c[c.index("--train") + 1] for c in commands if c[1] == "build-corpus"]
    train, head = commands[len(built)], commands[len(built) + 1]
    folder = tmp_path / "train"
    assert train[:2] == ["spacy", "train"]
    assert train[train.index("--paths.train") + 1] == str(folder)
    assert len(built) == 1 + bool(other) and all(Path(p).parent == folder for p in built)
    assert head[:2] == ["paleo_re", "train-relations"]
    assert head[3:5] == [str(folder / "gold.spacy"), str(tmp_path / "held_out.spacy")]
    assert other == [] or commands[1][-len(other):] == other
