import logging

import pytest
import spacy
from util import make_doc, make_examples, toy_records

from paleo_re.component.candidates import N_COLUMNS, CandidateGenerator, featurize
from paleo_re.component.schema import DEFAULT, Schema
from paleo_re.component.votes import RuleVotes
from paleo_re.rules import rules_fingerprint


def test_votes_mark_the_labels_whose_rules_fire(blank_nlp):
    doc = make_doc("Olenellus occurs in the Pioche Shale but not in the Latham Shale.",
                   [("Olenellus", "TAXON"), ("Pioche Shale", "STRAT"), ("Latham Shale", "STRAT")])
    pairs = CandidateGenerator()(doc, DEFAULT)
    votes = RuleVotes()(doc, pairs, DEFAULT)
    by_pair = {(h.text, t.text): row.tolist() for (h, t), row in zip(pairs, votes)}
    occurs_in = list(DEFAULT.labels).index("occurs_in")
    assert by_pair[("Olenellus", "Pioche Shale")][occurs_in] == 1
    assert by_pair[("Olenellus", "Latham Shale")] == [0] * len(DEFAULT.labels)
    assert RuleVotes()(doc, [], DEFAULT).shape == (0, len(DEFAULT.labels))


def test_the_veto_column_marks_negated_and_contrasted_pairs(blank_nlp):
    doc = make_doc("Olenellus occurs in the Pioche Shale but not in the Latham Shale.",
                   [("Olenellus", "TAXON"), ("Pioche Shale", "STRAT"), ("Latham Shale", "STRAT")])
    pairs = CandidateGenerator()(doc, DEFAULT)
    votes = RuleVotes(veto=True)(doc, pairs, DEFAULT)
    assert votes.shape == (len(pairs), len(DEFAULT.labels) + 1)
    veto = {(h.text, t.text): row[-1] for (h, t), row in zip(pairs, votes)}
    assert veto[("Olenellus", "Pioche Shale")] == 0
    assert veto[("Olenellus", "Latham Shale")] == 1
    assert (votes[:, :-1] == RuleVotes()(doc, pairs, DEFAULT)).all()


@pytest.mark.parametrize("votes, width", [
    ({"@misc": "paleo_re.rule_votes.v2"}, 5),
    ({"@misc": "paleo_re.rule_votes.v2", "veto": False}, 4),
    ({"@misc": "paleo_re.rule_votes.v1"}, 4),
    (None, 0)])
def test_votes_widen_the_model_input(votes, width, tmp_path):
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("relation_extractor", config={"votes": votes})
    nlp.initialize(lambda: make_examples(nlp, toy_records(20)))
    assert pipe.model.get_ref("pair_features").get_dim("nV") == width
    doc = make_examples(nlp, toy_records(1))[0].reference
    rows = featurize(doc, pipe.candidates(doc, pipe.schema), pipe.schema, pipe.votes)
    assert rows.shape[1] == N_COLUMNS + width
    nlp.to_disk(tmp_path)
    assert (spacy.load(tmp_path).get_pipe("relation_extractor").votes is None) == (votes is None)


def test_a_model_trained_with_votes_refuses_candidates_without():
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("relation_extractor")
    examples = make_examples(nlp, toy_records(20))
    nlp.initialize(lambda: examples)
    pipe.votes = None
    with pytest.raises(ValueError, match="rule votes"):
        pipe.predict([examples[0].reference])


def test_no_votes_for_labels_without_rules(blank_nlp):
    schema = Schema.from_dict({"treats": ["DRUG", "DISEASE"]})
    doc = make_doc("Aspirin treats headache.",
                   [("Aspirin", "DRUG"), ("headache", "DISEASE")])
    pairs = CandidateGenerator()(doc, schema)
    assert RuleVotes()(doc, pairs, schema).tolist() == [[0]]
    assert RuleVotes(veto=True)(doc, pairs, schema).tolist() == [[0, 0]]


def test_loading_warns_when_the_rules_changed_since_training(tmp_path, caplog):
    """The rules' fingerprint is stored at initialize; a model whose rules have changed since
    says so at load, one whose rules are the installed ones does not."""
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("relation_extractor")
    nlp.initialize(lambda: make_examples(nlp, toy_records(12)))
    assert pipe.cfg["votes_fingerprint"] == rules_fingerprint()
    nlp.to_disk(tmp_path / "same")
    pipe.cfg["votes_fingerprint"] = "0123456789abcdef"  # as if trained with other rules
    nlp.to_disk(tmp_path / "other")
    with caplog.at_level(logging.WARNING, logger="paleo_re.component.votes"):
        spacy.load(tmp_path / "same")
        assert not caplog.records
        spacy.load(tmp_path / "other")
    assert "other labeling rules" in caplog.text and "0123456789abcdef" in caplog.text
