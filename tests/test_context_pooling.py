"""`paleo_re.ContextRelationModel.v1`: a pair scorer with a context reader learns, saves and
loads, and takes the component's settings as the v1 model does."""

import pytest
import spacy
import torch
from spacy.training import Example
from util import make_examples, toy_records, train

from paleo_re.component.context_pooling import READERS, PairContextScorer
from paleo_re.component.scorer import score_relations
from paleo_re.training.head import encode, train_head

TOK2VEC = {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 32,
           "depth": 1, "embed_size": 500, "window_size": 1, "maxout_pieces": 2,
           "subword_features": True}


def config(reader: str, **extra) -> dict:
    return {"model": {"@architectures": "paleo_re.ContextRelationModel.v1", "reader": reader,
                      "hidden_width": 32, "value_width": 16, "key_width": 8, "heads": 2,
                      "window": 3, "tok2vec": TOK2VEC}, **extra}


def keys(nlp, records) -> list[list[tuple]]:
    return [[(r.key, round(r.score, 5)) for r in nlp(eg.reference.copy())._.relations]
            for eg in make_examples(nlp, records)]


@pytest.fixture(scope="module", params=["attention", "piecewise", "marked"])
def trained(request):
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor", config=config(request.param, votes=None))
    return train(nlp, make_examples(nlp, toy_records(120)), epochs=10)


@pytest.mark.slow
def test_learns_the_toy_set_without_votes(trained):
    examples = [Example(trained(eg.reference.copy()), eg.reference)
                for eg in make_examples(trained, toy_records(60, seed=1))]
    labels = trained.get_pipe("relation_extractor").labels
    assert score_relations(examples, labels=labels)["rel_micro_f"] >= 0.9


@pytest.mark.slow
def test_saves_and_loads_the_same_predictions(trained, tmp_path):
    records = toy_records(20, seed=2)
    before = keys(trained, records)
    assert any(before)
    trained.to_disk(tmp_path / "nlp")
    assert keys(spacy.load(tmp_path / "nlp"), records) == before
    from_bytes = spacy.blank("en")
    from_bytes.add_pipe("relation_extractor",
                        config=config(trained.get_pipe("relation_extractor").model.get_ref(
                            "pair_features").attrs["settings"]["reader"], votes=None))
    from_bytes.from_bytes(trained.to_bytes())
    assert keys(from_bytes, records) == before


@pytest.mark.slow
def test_cached_head_training_takes_it(trained):
    """`train-relations` retrains the scorer on cached encoder outputs, as for v1."""
    pipe = trained.get_pipe("relation_extractor")
    data = encode(trained, [eg.reference for eg in make_examples(trained, toy_records(40, 3))])
    before = pipe.model.get_ref("output_layer").to_bytes()
    train_head(pipe, data, epochs=1)
    assert pipe.model.get_ref("output_layer").to_bytes() != before


def test_readers_see_words_outside_the_pair_means():
    """Changing a token between the pair changes what a reader sees; tokens outside its
    window do not (the mean reader sees only the means)."""
    torch.manual_seed(0)
    X = torch.randn(30, 8)
    C = torch.as_tensor([[10, 11, 14, 15, 0]])
    bounds = torch.as_tensor([[0, 30]])
    for reader in READERS:
        scorer = PairContextScorer(8, 1, 0, 3, reader=reader, window=2, hidden_width=8,
                                   value_width=4, key_width=4, heads=2, dropout=0.0).eval()
        base = scorer(X, C, bounds)
        far = X.clone()
        far[25] += 5.0  # outside the pair's window
        assert torch.allclose(scorer(far, C, bounds), base)
        swapped = X.clone()
        swapped[[12, 13]] = X[[13, 12]]  # same in-between mean, different order
        changed = not torch.allclose(scorer(swapped, C, bounds), base)
        assert changed == (reader != "mean")


def test_unknown_reader_is_a_config_error():
    nlp = spacy.blank("en")
    with pytest.raises(Exception, match="reader must be one of"):
        nlp.add_pipe("relation_extractor", config=config("lstm"))


@pytest.mark.slow
def test_the_shipped_relation_extractor_config_trains(tiny_bert):
    """configs/transformer.cfg's transformer model (length groups) and relation_extractor
    blocks, on a tiny local BERT."""
    from pathlib import Path

    from thinc.api import Config

    components = Config().from_disk(Path(__file__).parents[1] / "configs" / "transformer.cfg",
                                    interpolate=False)["components"]
    shipped = components["relation_extractor"]
    settings = {k: v for k, v in shipped.items() if k != "factory"}
    nlp = spacy.blank("en")
    transformer = dict(components["transformer"]["model"], name=str(tiny_bert))
    assert transformer["@architectures"] == "paleo_re.TransformerModel.v1"
    nlp.add_pipe("transformer", config={"model": transformer})
    nlp.add_pipe(shipped["factory"], config=settings)
    train(nlp, make_examples(nlp, toy_records(90)), epochs=12)
    assert nlp.evaluate(make_examples(nlp, toy_records(30, seed=1)))["rel_micro_f"] >= 0.9
