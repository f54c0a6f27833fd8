import numpy
import pytest
import spacy
from conftest import make_examples, toy_records, train
from spacy.training import Example

from paleo_re.thresholds import best_threshold, store_thresholds, tune_thresholds


def test_best_threshold():
    probs = numpy.asarray([0.9, 0.8, 0.6, 0.3])
    correct = numpy.asarray([True, True, False, True])
    # keeping >= 0.8 gives P 1, R 2/3; keeping all gives P 3/4, R 1: F1 0.8 vs 0.857
    assert best_threshold(probs, correct, n_gold=3, grid=(0.3, 0.7)) == (0.3, pytest.approx(6 / 7))
    assert best_threshold(probs, correct, n_gold=5, grid=(0.7, 0.3))[0] == 0.3


def test_tuned_thresholds_reach_config_and_disk(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor")
    train(nlp, make_examples(nlp, toy_records(60)), epochs=3)
    held_out = [Example(eg.reference.copy(), eg.reference)
                for eg in make_examples(nlp, toy_records(30, seed=4))]
    tuned = tune_thresholds(nlp, held_out)
    assert set(tuned) == {"occurs_in", "found_at", "assigned_to", "part_of"}
    assert all(0.0 < t < 1.0 and f >= 0.0 for t, f in tuned.values())
    store_thresholds(nlp, {label: t for label, (t, _) in tuned.items()})
    nlp.to_disk(tmp_path / "nlp")
    config = spacy.util.load_config(tmp_path / "nlp" / "config.cfg")
    assert config["components"]["relation_extractor"]["thresholds"] == \
        {label: t for label, (t, _) in tuned.items()}
    reloaded = spacy.load(tmp_path / "nlp").get_pipe("relation_extractor")
    assert reloaded.threshold_for("part_of") == tuned["part_of"][0]
