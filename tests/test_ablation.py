import numpy
import pytest
from test_head_training import transformer_nlp
from util import make_examples, toy_records

from paleo_re.evaluation.ablation import ablate, auc, report
from paleo_re.training.head import encode


def test_auc_counts_ties_half():
    scores = numpy.asarray([0.9, 0.8, 0.8, 0.1])
    positive = numpy.asarray([True, True, False, False])
    assert auc(scores, positive) == pytest.approx(3.5 / 4)
    assert auc(scores, numpy.zeros(4, bool)) != auc(scores, numpy.zeros(4, bool))  # nan


@pytest.mark.slow
def test_ablation_trains_and_reports_each_variant(tiny_bert):
    nlp, examples = transformer_nlp(tiny_bert)
    pipe = nlp.get_pipe("relation_extractor")
    train = encode(nlp, [eg.reference for eg in examples])
    held_out, dev = (encode(nlp, [eg.reference for eg in make_examples(nlp, toy_records(30, s))])
                     for s in (1, 2))
    variants = {"default": {}, "no context": {"context": False}, "no veto": {"votes": "labels"},
                "no votes": {"votes": "none"}}
    results = ablate(pipe, train, held_out, dev, variants, seeds=(0, 1), epochs=20)
    assert list(results) == list(variants)
    assert all(len(runs) == 2 for runs in results.values())
    default = results["default"][0]
    assert set(default) == set(pipe.labels)
    assert all(default[label]["f"] >= 0.9 for label in pipe.labels), default
    # the toy set's only unrelated pairs: TAXON-STRAT (negation) and STRAT-STRAT
    assert default["occurs_in"]["auc"] >= 0.9 and default["part_of"]["auc"] >= 0.9, default
    text = report(results, pipe.labels, "# Ablation")
    assert text.startswith("# Ablation") and text.count("\n| ") == 5
