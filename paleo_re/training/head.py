"""Training the relation extractor's scoring head on cached outputs of a frozen encoder.

On CPU a transformer pass is the cost of every training step, and `spacy train` pays it again
in every epoch: within the default budget the head sees about one epoch and is underfit. With
the encoder frozen its token vectors are the same in every epoch, so they are computed once
and the head (pair features, hidden layer, softmax) trains for many epochs on them: encoding
plus 10 head epochs take about 0.3 of the time of one `nlp.update` epoch
(bench/head_training.py). The head is trained with the component's own loss, so weak-label
confidences and masking apply as in `spacy train`, and with the pipeline's own Adam settings
(L2, gradient clipping) at a constant rate of its own.

On cross-validation this step is what makes the head fit: without it (the head trained only
by `spacy train`, at 5 times the encoder's rate) gold-entity macro-F1 is 0.675 against 0.734
with it (docs/designs.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import minibatch
from thinc.api import Adam, Model, Optimizer, set_dropout_rate
from thinc.types import Floats2d, Ragged
from tqdm import tqdm

from ..component.candidates import featurize
from ..component.gold_ents import run_with_gold_ents
from ..component.model import scoring_head
from ..component.pipe import RelationExtractor, get_relation_extractor
from ..component.targets import targets, weighted_loss


@dataclass
class EncodedDocs:
    """Per doc with candidate pairs: the encoder's token vectors, the candidate array and the
    training targets (class index and loss weight per pair)."""

    vectors: list[Floats2d]
    candidates: list[numpy.ndarray]
    truth: list[numpy.ndarray]
    weight: list[numpy.ndarray]

    def __len__(self) -> int:
        return len(self.vectors)


def encode(nlp: Language, references: Iterable[Doc], name: str = "relation_extractor",
           batch_size: int = 64) -> EncodedDocs:
    """Run the components before `name` (not the entity recognisers: the reference entities
    are kept) on copies of the annotated `references` and cache the extractor's token vectors.
    Docs without candidate pairs are left out."""
    pipe = get_relation_extractor(nlp, name)
    schema, tok2vec = pipe.schema, pipe.model.get_ref("tok2vec")
    references = list(references)
    out = EncodedDocs([], [], [], [])
    docs = run_with_gold_ents(nlp, references, upto=name, batch_size=batch_size)
    for batch in tqdm(minibatch(zip(docs, references), batch_size), desc="encoding",
                      unit="batch", leave=False):
        examples = [Example(doc, ref) for doc, ref in batch]
        vectors = tok2vec.predict([eg.predicted for eg in examples])
        for eg, vecs in zip(examples, vectors):
            pairs = pipe.candidates(eg.predicted, schema)
            if not pairs:
                continue
            truth, weight = targets([eg], [pairs], schema, pipe.cfg["class_weights"])
            out.vectors.append(vecs)
            out.candidates.append(featurize(eg.predicted, pairs, schema, pipe.votes))
            out.truth.append(truth)
            out.weight.append(weight)
    return out


def model_inputs(data: EncodedDocs, index: Sequence[int], ops) -> tuple[Ragged, Ragged]:
    """The scoring head's input for the docs at `index`: token vectors, candidates."""
    vectors = [data.vectors[i] for i in index]
    candidates = [data.candidates[i] for i in index]
    tokens = Ragged(ops.xp.concatenate(vectors), ops.asarray1i([len(v) for v in vectors]))
    cands = Ragged(ops.asarray2i(numpy.concatenate(candidates)),
                   ops.asarray1i([len(c) for c in candidates]))
    return tokens, cands


def adam_settings(nlp: Language) -> dict[str, Any]:
    """The Adam settings of the pipeline's `[training.optimizer]` (L2, gradient clipping,
    betas) but its learning rate: the schedule belongs to the `spacy train` steps."""
    config = nlp.config["training"]["optimizer"]
    return {key: config[key] for key in ("beta1", "beta2", "eps", "L2", "L2_is_weight_decay",
                                         "grad_clip") if key in config}


def train_head(pipe: RelationExtractor, data: EncodedDocs, epochs: int, batch_size: int = 16,
               learn_rate: float = 0.001, dropout: float = 0.1, seed: int = 0,
               head: Model | None = None, optimizer: Optimizer | None = None) -> list[float]:
    """Train `head` (default: the extractor's own) on cached vectors with the extractor's
    loss and `optimizer` (default: a plain Adam at `learn_rate`); returns the mean loss per
    epoch."""
    head = head or scoring_head(pipe.model)
    ops = head.ops
    optimizer = optimizer or Adam(learn_rate)
    set_dropout_rate(head, dropout)
    rng = numpy.random.RandomState(seed)
    losses = []
    for _ in tqdm(range(epochs), desc="epochs", unit="epoch", leave=False):
        order = rng.permutation(len(data))
        total = 0.0
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size]
            scores, backprop = head.begin_update(model_inputs(data, index, ops))
            truth = numpy.concatenate([data.truth[i] for i in index])
            weight = numpy.concatenate([data.weight[i] for i in index])
            loss, d_scores = weighted_loss(truth, weight, ops.to_numpy(scores),
                                           pipe.cfg["label_smoothing"])
            backprop(ops.asarray2f(d_scores))
            head.finish_update(optimizer)
            total += loss
        losses.append(total / max(1, -(-len(order) // batch_size)))
    return losses
