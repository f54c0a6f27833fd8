import numpy
import pytest
import spacy
from spacy.training import Example
from util import make_examples, toy_records, train

from paleo_re.training.thresholds import best_threshold, store_thresholds, tune_thresholds


def test_best_threshold():
    probs = numpy.asarray([0.9, 0.8, 0.6, 0.3])
    correct = numpy.asarray([True, True, False, True])
    # keeping >= 0.8 gives P 1, R 2/3; keeping all gives P 3/4, R 1: F1 0.8 vs 0.857, the
    # best, and with the anchor at 0.3 nothing else is considered
    assert best_threshold(probs, correct, n_gold=3, grid=(0.3, 0.7), anchor=0.3) == (
        0.3, pytest.approx(6 / 7))
    # with one of four right pairs ranked low and a 4:1 gap, 0.7 is clearly better than 0.3
    many = 400
    probs = numpy.asarray([0.9] * (3 * many) + [0.5] * (3 * many) + [0.2] * many)
    correct = numpy.asarray([True] * (3 * many) + [False] * (3 * many) + [True] * many)
    assert best_threshold(probs, correct, n_gold=4 * many, grid=(0.3, 0.7), anchor=0.3)[0] == 0.7
    with pytest.raises(ValueError, match="gold relations"):
        best_threshold(probs, correct, n_gold=0)


def test_best_threshold_keeps_the_anchor_unless_held_out_data_clearly_beat_it():
    # 0.5 and 0.7 keep 80 right and 20 wrong pairs of 100 (F1 0.8); 0.3 adds 4 right and 2
    # wrong (F1 0.816), a gain well inside one standard error (0.039) at this size ...
    probs = numpy.asarray([0.9] * 100 + [0.4] * 4 + [0.35] * 2)
    correct = numpy.asarray([True] * 80 + [False] * 20 + [True] * 4 + [False] * 2)
    assert best_threshold(probs, correct, n_gold=100, grid=(0.3, 0.5, 0.7)) == (
        0.5, pytest.approx(0.8))
    # ... and well outside it (0.004) with a hundred times the pairs
    assert best_threshold(numpy.tile(probs, 100), numpy.tile(correct, 100), n_gold=10_000,
                          grid=(0.3, 0.5, 0.7))[0] == 0.3


@pytest.mark.slow
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
    assert reloaded.label_thresholds[reloaded.labels.index("part_of")] == \
        pytest.approx(tuned["part_of"][0])
