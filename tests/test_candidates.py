import pytest
from thinc.api import NumpyOps
from util import make_doc

from paleo_re.component.candidates import CandidateGenerator, candidates_to_ragged, pairs_to_array
from paleo_re.component.schema import DEFAULT, Schema


def texts(pairs):
    return {(h.text, t.text) for h, t in pairs}


def test_only_signatures_in_their_direction(blank_nlp):
    doc = make_doc("Olenellus from the Pioche Shale of Nevada, Cambrian Stage 4.",
                   [("Olenellus", "TAXON"), ("Pioche Shale", "STRAT"), ("Nevada", "LOC"),
                    ("Cambrian Stage 4", "CHRONO")])
    pairs = CandidateGenerator()(doc, DEFAULT)
    assert texts(pairs) == {("Olenellus", "Pioche Shale"), ("Olenellus", "Nevada"),
                            ("Pioche Shale", "Cambrian Stage 4")}


def test_same_type_signature_gives_both_directions(blank_nlp):
    doc = make_doc("The Spence Shale Member of the Langston Formation.",
                   [("Spence Shale Member", "STRAT"), ("Langston Formation", "STRAT")])
    assert texts(CandidateGenerator()(doc, DEFAULT)) == {
        ("Spence Shale Member", "Langston Formation"),
        ("Langston Formation", "Spence Shale Member")}


def test_sentence_limit(blank_nlp):
    text = "Olenellus is common. It is absent from the Pioche Shale."
    spans = [("Olenellus", "TAXON"), ("Pioche Shale", "STRAT")]
    doc = make_doc(text, spans, sentences=True)
    assert CandidateGenerator(same_sentence=True)(doc, DEFAULT) == []
    assert len(CandidateGenerator(same_sentence=False)(doc, DEFAULT)) == 1
    # without sentence boundaries the whole doc is one sentence
    assert len(CandidateGenerator()(make_doc(text, spans), DEFAULT)) == 1


def test_distance_limit(blank_nlp):
    doc = make_doc("Olenellus a b c d e f Pioche Shale",
                   [("Olenellus", "TAXON"), ("Pioche Shale", "STRAT")])
    assert len(CandidateGenerator(max_distance=6)(doc, DEFAULT)) == 1
    assert CandidateGenerator(max_distance=5)(doc, DEFAULT) == []


def test_custom_schema(blank_nlp):
    schema = Schema.from_dict({"treats": ["DRUG", "DISEASE"]})
    doc = make_doc("Aspirin treats headache and Olenellus.",
                   [("Aspirin", "DRUG"), ("headache", "DISEASE"), ("Olenellus", "TAXON")])
    assert texts(CandidateGenerator()(doc, schema)) == {("Aspirin", "headache")}


def test_no_entities_no_pairs(blank_nlp):
    assert CandidateGenerator()(blank_nlp("No names here."), DEFAULT) == []


def test_arrays(blank_nlp):
    doc = make_doc("Olenellus occurs in the Pioche Shale.",
                   [("Olenellus", "TAXON"), ("Pioche Shale", "STRAT")])
    pairs = CandidateGenerator()(doc, DEFAULT)
    assert pairs_to_array(pairs, DEFAULT).tolist() == [[0, 1, 4, 6, 0]]
    arrays = [pairs_to_array(pairs, DEFAULT), pairs_to_array([], DEFAULT)]
    ragged = candidates_to_ragged(NumpyOps(), arrays)
    assert ragged.lengths.tolist() == [1, 0]


def test_schema_validation():
    with pytest.raises(ValueError, match="head_type, tail_type"):
        Schema.from_dict({"occurs_in": ["TAXON"]})
    with pytest.raises(ValueError, match="implicit"):
        Schema.from_dict({"NO_RELATION": ["A", "B"]})
