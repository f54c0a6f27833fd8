import ast
import subprocess
import sys
from importlib.metadata import distribution

import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example
from util import make_doc, make_examples, toy_records, train

from paleo_re.component.decision import decide, type_pairs
from paleo_re.component.gold_ents import with_gold_ents
from paleo_re.component.relations import Relation
from paleo_re.component.scorer import score_relations
from paleo_re.component.targets import targets

TRANSFORMER_CONFIG = {
    "model": {
        "@architectures": "paleo_re.RelationModel.v1",
        "hidden_width": 32,
        "tok2vec": {"@architectures": "spacy-transformers.TransformerListener.v1",
                    "grad_factor": 1.0, "pooling": {"@layers": "reduce_mean.v1"},
                    "upstream": "*"},
        "pair_features": {"@architectures": "paleo_re.PairFeatures.v1"},
    }
}


@pytest.fixture(scope="module")
def trained_tok2vec():
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor")
    return train(nlp, make_examples(nlp, toy_records(120)), epochs=10)


def predictions(nlp, records):
    """Run the pipeline on docs carrying the records' gold entities."""
    return [Example(nlp(eg.reference.copy()), eg.reference)
            for eg in make_examples(nlp, records)]


@pytest.mark.slow
def test_learns_separable_toy_set(trained_tok2vec):
    scores = score_relations(predictions(trained_tok2vec, toy_records(60, seed=1)),
                             labels=trained_tok2vec.get_pipe("relation_extractor").labels)
    assert scores["rel_micro_f"] >= 0.95, scores


@pytest.mark.slow
def test_tiny_transformer_learns(tiny_bert):
    nlp = spacy.blank("en")
    nlp.add_pipe("transformer", config={"model": {
        "@architectures": "spacy-transformers.TransformerModel.v3", "name": str(tiny_bert),
        "get_spans": {"@span_getters": "spacy-transformers.doc_spans.v1"}}})
    nlp.add_pipe("relation_extractor", config=TRANSFORMER_CONFIG)
    train(nlp, make_examples(nlp, toy_records(90)), epochs=12)
    scores = nlp.evaluate(make_examples(nlp, toy_records(30, seed=1)))
    assert scores["rel_micro_f"] >= 0.95, scores


@pytest.mark.slow
def test_relations_api(trained_tok2vec):
    doc = predictions(trained_tok2vec, toy_records(1))[0].predicted
    (rel,) = doc._.relations
    assert isinstance(rel, Relation) and rel.label == "occurs_in"
    assert rel.head in doc.ents and rel.tail in doc.ents
    assert type(rel.score) is float and 0.0 <= rel.score <= 1.0


@pytest.mark.slow
def test_docs_without_candidates_pass_through(trained_tok2vec):
    docs = list(trained_tok2vec.pipe(["", "No entities at all.", "Olenellus"]))
    assert [d.text for d in docs] == ["", "No entities at all.", "Olenellus"]
    assert all(d._.relations == () for d in docs)


@pytest.mark.slow
def test_thresholds_apply(trained_tok2vec):
    pipe = trained_tok2vec.get_pipe("relation_extractor")
    pipe.cfg["thresholds"] = {"occurs_in": 1.01}
    try:
        doc = predictions(trained_tok2vec, toy_records(1))[0].predicted
    finally:
        pipe.cfg["thresholds"] = {}
    assert doc._.relations == ()


@pytest.mark.slow
def test_serialization_round_trip(trained_tok2vec, tmp_path):
    records = toy_records(30, seed=2)

    def keys(nlp):
        return [[(r.key, r.score) for r in eg.predicted._.relations]
                for eg in predictions(nlp, records)]

    before = keys(trained_tok2vec)
    assert any(before)
    trained_tok2vec.to_disk(tmp_path / "nlp")
    assert keys(spacy.load(tmp_path / "nlp")) == before
    from_bytes = spacy.blank("en")
    from_bytes.add_pipe("relation_extractor")
    from_bytes.from_bytes(trained_tok2vec.to_bytes())
    assert keys(from_bytes) == before
    assert from_bytes.get_pipe("relation_extractor").cfg == \
        trained_tok2vec.get_pipe("relation_extractor").cfg


@pytest.mark.slow
def test_docbin_round_trip(trained_tok2vec):
    docs = [eg.predicted for eg in predictions(trained_tok2vec, toy_records(12))]
    restored = list(DocBin(docs=docs, store_user_data=True).get_docs(trained_tok2vec.vocab))
    for a, b in zip(docs, restored):
        assert [(r.key, r.score, r.head.label_) for r in a._.relations] == \
               [(r.key, r.score, r.head.label_) for r in b._.relations]


@pytest.mark.slow
def test_custom_schema_from_config():
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor", config={"schema": {
        "@misc": "paleo_re.schema.v1", "labels": {"treats": ["DRUG", "DISEASE"]}}})
    records = [{"text": f"{d} treats {x}.", "entities": [
        {"start": 0, "end": len(d), "label": "DRUG"},
        {"start": len(d) + 8, "end": len(d) + 8 + len(x), "label": "DISEASE"}],
        "relations": [{"head": 0, "tail": 1, "label": "treats"}]}
        for d in ("Aspirin", "Ibuprofen") for x in ("fever", "pain")]
    train(nlp, make_examples(nlp, records * 5), epochs=5)
    assert nlp.get_pipe("relation_extractor").labels == ("treats",)
    assert nlp.get_pipe("relation_extractor").model.get_ref("output_layer").get_dim("nO") == 2


def test_unannotated_docs_are_masked(blank_nlp):
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("relation_extractor")
    examples = make_examples(nlp, toy_records(6))
    nlp.initialize(lambda: examples)
    from paleo_re.component.relations import set_relations
    set_relations(examples[0].reference, None)
    egs = with_gold_ents(examples)
    _, weight = targets(egs, [pipe.candidates(eg.predicted, pipe.schema) for eg in egs],
                        pipe.schema, {})
    assert weight[0] == 0.0 and (weight[1:] > 0).all()


def test_add_label():
    pipe = spacy.blank("en").add_pipe("relation_extractor")
    assert pipe.add_label("older_than", ("STRAT", "STRAT")) == 1
    assert pipe.add_label("older_than", ("STRAT", "STRAT")) == 0
    assert "older_than" in pipe.labels
    with pytest.raises(ValueError, match="signature"):
        pipe.add_label("younger_than")


def test_entry_points():
    """Registered through package metadata, so spacy.load finds them without an import."""
    eps = distribution("paleo_re").entry_points
    names = {(ep.group, ep.name) for ep in eps}
    assert {("spacy_factories", "relation_extractor"),
            ("spacy_architectures", "paleo_re.RelationModel.v1"),
            ("spacy_architectures", "paleo_re.PairFeatures.v1"),
            ("spacy_architectures", "paleo_re.ContextRelationModel.v1"),
            ("spacy_scorers", "paleo_re.relation_scorer.v1"),
            ("spacy_misc", "paleo_re.candidates.v1"),
            ("spacy_misc", "paleo_re.rule_votes.v1"),
            ("spacy_misc", "paleo_re.rule_votes.v2"),
            ("spacy_misc", "paleo_re.schema.v1"),
            ("spacy_readers", "paleo_re.AnnotationsReader.v1")} <= names
    for ep in eps:
        assert ep.load() is not None


def test_decision_rule_respects_signatures_and_thresholds():
    """A label is never given to a pair whose types its signature does not allow, and a pair
    is kept only when its best fitting label reaches that label's threshold."""
    pipe = spacy.blank("en").add_pipe("relation_extractor",
                                      config={"thresholds": {"found_at": 0.7}})
    doc = make_doc("Olenellus occurs in the Pioche Formation near Nevada.",
                   [("Olenellus", "TAXON"), ("Pioche Formation", "STRAT"), ("Nevada", "LOC")])
    taxon, strat, loc = doc.ents
    pairs = [(taxon, strat), (taxon, loc), (taxon, loc)]
    # columns: occurs_in, found_at, assigned_to, part_of
    probs = numpy.asarray([[0.2, 0.7, 0.0, 0.0],    # best overall is found_at: not for STRAT
                           [0.9, 0.6, 0.0, 0.0],    # occurs_in does not fit TAXON->LOC
                           [0.0, 0.8, 0.1, 0.0]], dtype="f")
    best, prob, kept = decide(pipe.schema, type_pairs(pairs), probs, pipe.label_thresholds)
    assert [pipe.labels[k] for k in best] == ["occurs_in", "found_at", "found_at"]
    assert prob.tolist() == pytest.approx([0.2, 0.6, 0.8])
    assert kept.tolist() == [False, False, True]


@pytest.mark.slow
def test_set_annotations_replaces_stale_relations(trained_tok2vec):
    doc = predictions(trained_tok2vec, toy_records(1))[0].predicted
    assert doc._.relations
    doc.ents = []
    assert trained_tok2vec(doc)._.relations == ()


@pytest.mark.slow
def test_training_dropout_reaches_the_model():
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("relation_extractor")
    examples = make_examples(nlp, toy_records(6))
    nlp.initialize(lambda: examples)
    nlp.update(examples, drop=0.42)
    rates = {node.attrs["dropout_rate"] for node in pipe.model.walk()
             if "dropout_rate" in node.attrs}
    assert rates == {0.42}


def test_initialize_without_gold_ents_and_get_loss():
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("relation_extractor", config={"use_gold_ents": False})
    examples = make_examples(nlp, toy_records(12))
    nlp.initialize(lambda: examples)  # shapes come from the reference entities
    for eg in examples:
        eg.predicted.ents = eg.get_aligned_ents_and_ner()[0]
    pairs, scores = pipe.predict([eg.predicted for eg in examples])
    loss, d_scores = pipe.get_loss(examples, scores)
    assert d_scores.shape == scores.shape and loss > 0


@pytest.mark.slow
def test_shared_tok2vec_with_ner_trains_both():
    """Batches without candidate pairs still backprop, so a shared encoder keeps learning."""
    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("ner", config={"model": {"@architectures": "spacy.TransitionBasedParser.v2",
                                          "state_type": "ner", "hidden_width": 32,
                                          "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1",
                                                      "width": 96}}})
    nlp.add_pipe("relation_extractor", config={"model": {
        "@architectures": "paleo_re.RelationModel.v1", "hidden_width": 32,
        "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96},
        "pair_features": {"@architectures": "paleo_re.PairFeatures.v1"}}})
    records = toy_records(60)
    records += [{"text": "Olenellus alone.", "entities": [
        {"start": 0, "end": 9, "label": "TAXON"}], "relations": []}] * 20
    nlp = train(nlp, make_examples(nlp, records), epochs=15)
    scores = nlp.evaluate(make_examples(nlp, toy_records(30, seed=1)))
    assert scores["ents_f"] > 0.9 and scores["rel_micro_f"] >= 0.9, scores


def test_config_errors_name_the_problem():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="occurs-in"):
        nlp.add_pipe("relation_extractor", config={"thresholds": {"occurs-in": 0.3}})
    pipe = nlp.add_pipe("relation_extractor")
    with pytest.raises(ValueError, match="already has the signature"):
        pipe.add_label("occurs_in", ("TAXON", "LOC"))


@pytest.mark.slow
def test_configs_with_learn_rate_scale_still_load(tmp_path):
    """Pipelines saved while `learn_rate_scale` was read still load; it no longer changes the
    steps, and setting it says so."""
    def step(scale):
        nlp = spacy.blank("en")
        pipe = nlp.add_pipe("relation_extractor", config={"learn_rate_scale": scale})
        examples = make_examples(nlp, toy_records(12))
        optimizer = nlp.initialize(lambda: examples)
        before = pipe.model.get_ref("output_layer").get_param("W").copy()
        nlp.update(examples, sgd=optimizer)
        nlp.to_disk(tmp_path / str(scale))
        return numpy.abs(pipe.model.get_ref("output_layer").get_param("W") - before).max()

    with pytest.warns(DeprecationWarning, match="learn_rate_scale"):
        assert step(4.0) == pytest.approx(step(1.0))
    with pytest.warns(DeprecationWarning):
        assert spacy.load(tmp_path / "4.0").get_pipe("relation_extractor")


def test_initialize_with_labels_rechecks_thresholds():
    """A threshold for a label the new schema drops is an error, not a silent no-op."""
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor", config={"thresholds": {"part_of": 0.7}})
    examples = make_examples(nlp, toy_records(12))
    with pytest.raises(ValueError, match="part_of"):
        nlp.get_pipe("relation_extractor").initialize(
            lambda: examples, nlp=nlp, labels={"occurs_in": ["TAXON", "STRAT"]})


def test_loading_and_running_imports_no_training_evaluation_or_apps(tmp_path):
    """The runtime is `component`, `rules`, `entities` and `io`: a fresh interpreter that
    loads a saved pipeline and runs one doc imports nothing else of the package."""
    nlp = spacy.blank("en")
    nlp.add_pipe("paleo_sentencizer")
    nlp.add_pipe("paleo_entity_cleanup")
    nlp.add_pipe("relation_extractor")
    examples = make_examples(nlp, toy_records(12))
    nlp.initialize(lambda: examples)
    nlp.to_disk(tmp_path / "nlp")
    script = (f"import sys, spacy; nlp = spacy.load({str(tmp_path / 'nlp')!r}); "
              "doc = nlp('Olenellus occurs in the Pioche Formation.'); "
              "print(sorted(m for m in sys.modules if m.startswith('paleo_re')))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    loaded = ast.literal_eval(out.strip().splitlines()[-1])
    assert "paleo_re.component.pipe" in loaded
    assert not [m for m in loaded if m.split(".")[1:2] in (["training"], ["evaluation"],
                                                          ["apps"], ["cli"])]
