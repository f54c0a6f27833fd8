"""int8 dynamic quantisation of the transformer: `paleo_re.component.quantize` and
`extract --quantize`."""

from __future__ import annotations

import pytest
import spacy
import srsly
import torch
from spacy.training import Example
from test_pipe import TRANSFORMER_CONFIG
from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
from typer.testing import CliRunner
from util import make_examples, toy_records, train

from paleo_re.cli import app
from paleo_re.component.quantize import quantize
from paleo_re.component.scorer import score_relations


@pytest.fixture(scope="module")
def trained_trf(tiny_bert):
    nlp = spacy.blank("en")
    nlp.add_pipe("transformer", config={"model": {
        "@architectures": "spacy-transformers.TransformerModel.v3", "name": str(tiny_bert),
        "get_spans": {"@span_getters": "spacy-transformers.doc_spans.v1"}}})
    nlp.add_pipe("relation_extractor", config=TRANSFORMER_CONFIG)
    return train(nlp, make_examples(nlp, toy_records(90)), epochs=12)


def linears(nlp) -> tuple[int, int]:
    """(float nn.Linear, dynamic int8 Linear) modules of the transformer's HF model."""
    modules = list(nlp.get_pipe("transformer").model.transformer.modules())
    return (sum(type(m) is torch.nn.Linear for m in modules),
            sum(isinstance(m, DynamicLinear) for m in modules))


def relations(nlp, records):
    return [Example(nlp(eg.reference.copy()), eg.reference) for eg in make_examples(nlp, records)]


@pytest.mark.slow
def test_quantize_swaps_the_linear_layers_and_still_predicts(trained_trf, tmp_path):
    trained_trf.to_disk(tmp_path / "nlp")
    nlp = spacy.load(tmp_path / "nlp")
    n_linear, n_quantized = linears(nlp)
    assert n_linear > 0 and n_quantized == 0
    assert quantize(nlp) is nlp
    assert linears(nlp) == (0, n_linear)
    records = toy_records(30, seed=1)
    scores = score_relations(relations(nlp, records),
                             labels=nlp.get_pipe("relation_extractor").labels)
    assert scores["rel_micro_f"] >= 0.9, scores
    quantize(nlp)  # a second time: nothing left to change
    assert linears(nlp) == (0, n_linear)


def test_quantize_without_a_transformer_is_an_error():
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor")
    with pytest.raises(ValueError, match="no transformer component"):
        quantize(nlp)


@pytest.mark.slow
def test_cli_extract_quantize(trained_trf, tmp_path):
    model = tmp_path / "model"
    trained_trf.to_disk(model)
    (tmp_path / "in.txt").write_text("Olenellus occurs in the Pioche Formation.", encoding="utf8")
    out = tmp_path / "t.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["extract", str(tmp_path / "in.txt"), "-o", str(out),
                                 "--model", str(model), "--quantize", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert out.exists() and isinstance(list(srsly.read_jsonl(out)), list)
    tok2vec = spacy.blank("en")
    tok2vec.add_pipe("relation_extractor")
    tok2vec.initialize(lambda: make_examples(tok2vec, toy_records(6)))
    tok2vec.to_disk(tmp_path / "tok2vec")
    result = runner.invoke(app, ["extract", str(tmp_path / "in.txt"), "-o", str(out),
                                 "--model", str(tmp_path / "tok2vec"), "--quantize"])
    assert result.exit_code == 1 and "no transformer component" in " ".join(result.output.split())
