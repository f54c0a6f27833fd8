import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example
from test_pipe import TRANSFORMER_CONFIG
from typer.testing import CliRunner
from util import make_examples, toy_records

from paleo_re.cli import app
from paleo_re.component.relations import set_relations
from paleo_re.component.scorer import score_relations
from paleo_re.training.head import encode, train_head


def transformer_nlp(tiny_bert):
    """An initialized, untrained tiny-transformer pipeline with a sentencizer upstream."""
    nlp = spacy.blank("en")
    nlp.add_pipe("paleo_sentencizer")
    nlp.add_pipe("transformer", config={"model": {
        "@architectures": "spacy-transformers.TransformerModel.v3", "name": str(tiny_bert),
        "get_spans": {"@span_getters": "spacy-transformers.doc_spans.v1"}}})
    nlp.add_pipe("relation_extractor", config=TRANSFORMER_CONFIG)
    examples = make_examples(nlp, toy_records(90))
    nlp.initialize(lambda: examples)
    return nlp, examples


def gold_ent_scores(nlp, records):
    examples = []
    for eg in make_examples(nlp, records):
        doc = eg.reference.copy()
        set_relations(doc, None)
        examples.append(Example(nlp(doc), eg.reference))
    return score_relations(examples, nlp.get_pipe("relation_extractor").labels)


@pytest.mark.slow
def test_head_learns_on_cached_vectors_and_leaves_the_encoder(tiny_bert):
    nlp, examples = transformer_nlp(tiny_bert)
    before = nlp.get_pipe("transformer").to_bytes()
    data = encode(nlp, [eg.reference for eg in examples])
    assert len(data) == len(examples)  # every toy sentence has a candidate pair
    losses = train_head(nlp.get_pipe("relation_extractor"), data, epochs=30)
    assert losses[-1] < losses[0] / 2
    assert nlp.get_pipe("transformer").to_bytes() == before
    scores = gold_ent_scores(nlp, toy_records(30, seed=1))
    assert scores["rel_micro_f"] >= 0.95, scores


def test_encode_masks_unannotated_docs(tiny_bert):
    nlp, examples = transformer_nlp(tiny_bert)
    docs = [eg.reference for eg in examples[:6]]
    set_relations(docs[0], None)  # no relation annotation: its pairs are unknown
    data = encode(nlp, docs)
    assert data.weight[0].sum() == 0 and all(w.sum() > 0 for w in data.weight[1:])
    assert [v.shape[0] for v in data.vectors] == [len(doc) for doc in docs]


@pytest.mark.slow
def test_train_relations_command(tiny_bert, tmp_path):
    nlp, examples = transformer_nlp(tiny_bert)
    nlp.to_disk(tmp_path / "model")
    half = len(examples) // 2  # the docs may come in several files
    for name, part in (("a", examples[:half]), ("b", examples[half:])):
        DocBin(docs=[eg.reference for eg in part], store_user_data=True).to_disk(
            tmp_path / f"{name}.spacy")
    result = CliRunner().invoke(app, ["train-relations", str(tmp_path / "model"),
                                      str(tmp_path / "a.spacy"), str(tmp_path / "b.spacy"), "-o",
                                      str(tmp_path / "out"), "--epochs", "30"])
    assert result.exit_code == 0, result.output
    trained = spacy.load(tmp_path / "out")
    assert gold_ent_scores(trained, toy_records(30, seed=1))["rel_micro_f"] >= 0.95
    made = trained.meta["paleo_re_head_training"]  # the packaged meta says how
    assert made["epochs"] == 30 and made["docs"] == len(examples)
    assert made["optimizer"]["L2"] == nlp.config["training"]["optimizer"]["L2"]
    assert gold_ent_scores(nlp, toy_records(30, seed=1))["rel_micro_f"] < 0.95
