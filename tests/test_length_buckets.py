import itertools
import random

import numpy
import pytest
import spacy
import torch
from spacy_transformers.data_classes import FullTransformerBatch
from transformers.file_utils import ModelOutput

from paleo_re.length_buckets import forward, length_buckets

NO_GROUPS = 10**9


def _cost(lengths, groups, call_cost):
    return sum(len(g) * max(lengths[i] for i in g) + call_cost for g in groups)


def _brute_force(lengths, call_cost):
    """The cheapest split of the rows sorted by length into runs, trying every split."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    best = None
    for cuts in itertools.product([False, True], repeat=len(order) - 1):
        groups, current = [], [order[0]]
        for cut, i in zip(cuts, order[1:]):
            if cut:
                groups.append(current)
                current = []
            current.append(i)
        groups.append(current)
        cost = _cost(lengths, groups, call_cost)
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(20))
def test_length_buckets_are_a_cheapest_partition(seed):
    rng = random.Random(seed)
    lengths = [rng.randint(3, 140) for _ in range(rng.randint(1, 9))]
    call_cost = rng.choice([0, 16, 64, 256])
    groups = length_buckets(lengths, call_cost)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    assert _cost(lengths, groups, call_cost) == _brute_force(lengths, call_cost)


def test_length_buckets_extremes():
    lengths = [5, 40, 5, 120, 40]
    assert length_buckets(lengths, NO_GROUPS) == [[0, 2, 1, 4, 3]]
    assert length_buckets(lengths, 0) == [[0, 2], [1, 4], [3]]
    assert length_buckets([], 64) == []


TEXTS = [
    "Olenellus occurs in the Pioche Formation .",
    "Elrathia kingii is abundant in the Wheeler Shale of Utah , which is assigned to the Drumian "
    "Stage ; the Marjum Formation lies above it and yields Ptychagnostus atavus and many more "
    "agnostoid trilobites in its lower part .",
    "Ogygopsis .",
    "The Burgess Shale is part of the Stephen Formation in British Columbia .",
]


@pytest.fixture(scope="module")
def transformer(tiny_bert):
    """The grouped transformer, dropout off so that two passes can be compared."""
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("transformer", config={"model": {
        "@architectures": "paleo_re.TransformerModel.v1", "name": str(tiny_bert),
        "call_cost": 0,
        "transformer_config": {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0},
        "get_spans": {"@span_getters": "spacy-transformers.strided_spans.v1",
                      "window": 24, "stride": 20}}})
    nlp.initialize()
    return nlp, pipe.model


def _run(model, docs, call_cost, seed=0):
    """Hidden states, and the encoder's parameter gradients for one fixed output gradient."""
    model.attrs["call_cost"] = call_cost
    shim = model.layers[0].shims[0]
    shim._model.zero_grad()
    output, backprop = model.begin_update(docs)
    hidden = output.model_output.last_hidden_state
    mask = torch.as_tensor(output.wordpieces.attention_mask).bool()
    d_hidden = numpy.random.default_rng(seed).normal(size=tuple(hidden.shape)).astype("float32")
    d_output = ModelOutput()
    d_output["output_0"] = torch.as_tensor(d_hidden) * mask[:, :, None]
    backprop(FullTransformerBatch(spans=output.spans, wordpieces=output.wordpieces,
                                  model_output=d_output, align=output.align))
    grads = torch.cat([p.grad.flatten() for p in shim._model.parameters() if p.grad is not None])
    return hidden.detach()[mask], grads, output


def test_groups_compute_what_one_padded_call_computes(transformer):
    nlp, model = transformer
    docs = [nlp.make_doc(text) for text in TEXTS]
    assert model._func is forward
    hidden, grads, grouped = _run(model, docs, 0)
    assert len(length_buckets(grouped.wordpieces.lengths, 0)) > 1
    one_hidden, one_grads, whole = _run(model, docs, NO_GROUPS)
    # The same layout: one padded row per span, in the original order.
    shape = whole.model_output.last_hidden_state.shape
    assert grouped.model_output.last_hidden_state.shape == shape
    assert torch.allclose(hidden, one_hidden, atol=1e-5)
    assert float((grads - one_grads).norm() / one_grads.norm()) < 1e-5
    assert torch.allclose(grouped.model_output.pooler_output, whole.model_output.pooler_output,
                          atol=1e-5)


def test_grouped_pipeline_round_trips(transformer, tmp_path):
    nlp, model = transformer
    model.attrs["call_cost"] = 0
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert loaded.get_pipe("transformer").model._func is forward
    for doc, again in zip(nlp.pipe(TEXTS), loaded.pipe(TEXTS)):
        numpy.testing.assert_allclose(doc._.trf_data.model_output.last_hidden_state,
                                      again._.trf_data.model_output.last_hidden_state, atol=1e-5)
