"""The `relation_extractor` component: type-valid entity pairs in, `doc._.relations` out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer, set_dropout_rate
from thinc.types import Floats2d, Ragged

from .candidates import N_COLUMNS, CandidateGenerator, candidates_to_ragged, pairs_to_array
from .context_pooling import ScorerShim  # also registers paleo_re.ContextRelationModel.v1
from .relations import Relation, has_relations, negative_confidence, set_relations
from .schema import DEFAULT_SCHEMA, Schema
from .scorer import score_relations
from .votes import Votes  # also registers paleo_re.rule_votes.v1 and v2

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "paleo_re.RelationModel.v1"
hidden_width = 256
dropout = 0.1

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 96
depth = 2
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true

[model.pair_features]
@architectures = "paleo_re.PairFeatures.v1"
type_width = 16
distance_width = 16
context = true
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]

Pairs = list[tuple[Span, Span]]


@Language.factory(
    "relation_extractor",
    assigns=["doc._.relations"],
    requires=["doc.ents"],
    default_config={
        "model": DEFAULT_MODEL,
        "schema": {"@misc": "paleo_re.default_schema.v1"},
        "candidates": {"@misc": "paleo_re.candidates.v2", "max_distance": 100,
                       "same_sentence": True, "max_pairs_per_sentence": 1000},
        "votes": {"@misc": "paleo_re.rule_votes.v2"},
        "threshold": 0.5,
        "thresholds": {},
        "class_weights": {},
        "label_smoothing": 0.0,
        "learn_rate_scale": 1.0,
        "use_gold_ents": True,
        "scorer": {"@scorers": "paleo_re.relation_scorer.v1"},
    },
    default_score_weights={"rel_macro_f": 1.0, "rel_micro_f": 0.0, "rel_micro_p": None,
                           "rel_micro_r": None},
)
def make_relation_extractor(
    nlp: Language,
    name: str,
    model: Model,
    schema: dict[str, list[str]],
    candidates: Callable[[Doc, Schema], list[tuple[Span, Span]]],
    votes: Votes | None,
    threshold: float,
    thresholds: dict[str, float],
    class_weights: dict[str, float],
    label_smoothing: float,
    learn_rate_scale: float,
    use_gold_ents: bool,
    scorer: Callable | None,
) -> RelationExtractor:
    """Create a relation extractor.

    schema: relation label -> [head entity label, tail entity label]; set your own with
        {"@misc": "paleo_re.schema.v1", "labels": {...}}.
    threshold, thresholds: a pair gets its best label when that label's probability reaches
        `thresholds[label]` (default `threshold`); otherwise it is NO_RELATION.
    votes: per candidate pair, int columns given to the model as input (the default:
        whether each label's labeling rules fire, and whether the rules' vetoes remove the
        pair, see `paleo_re.votes`); null for none.
    class_weights: loss weight per class (NO_RELATION or a label; default 1.0).
    label_smoothing: mass spread uniformly over the classes in the training targets.
    learn_rate_scale: multiplies the optimizer's learning rate for this component's own
        weights (not a shared encoder's): the scoring head starts from scratch while the
        encoder is pretrained, and a CPU budget of a few hundred steps leaves a head trained at
        the encoder's rate underfit.
    use_gold_ents: in training, copy the reference entities onto the predicted docs, so the
        extractor can be trained without an upstream entity recogniser annotating.
    """
    return RelationExtractor(
        nlp.vocab, model, name, schema=schema, candidates=candidates, votes=votes,
        threshold=threshold, thresholds=thresholds, class_weights=class_weights,
        label_smoothing=label_smoothing, learn_rate_scale=learn_rate_scale,
        use_gold_ents=use_gold_ents, scorer=scorer,
    )


def get_relation_extractor(nlp: Language, name: str = "relation_extractor"
                           ) -> RelationExtractor:
    """The component `name` of `nlp`, which must be a relation extractor."""
    pipe = nlp.get_pipe(name)
    if not isinstance(pipe, RelationExtractor):
        raise ValueError(f"'{name}' is not a relation_extractor")
    return pipe


class RelationExtractor(TrainablePipe):
    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "relation_extractor",
        *,
        schema: dict[str, list[str]] = DEFAULT_SCHEMA,
        candidates: Callable[[Doc, Schema], list[tuple[Span, Span]]] | None = None,
        votes: Votes | None = None,
        threshold: float = 0.5,
        thresholds: dict[str, float] | None = None,
        class_weights: dict[str, float] | None = None,
        label_smoothing: float = 0.0,
        learn_rate_scale: float = 1.0,
        use_gold_ents: bool = True,
        scorer: Callable | None = score_relations,
    ) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.candidates = candidates or CandidateGenerator()
        self.votes = votes
        self.scorer = scorer
        self.cfg: dict[str, Any] = {
            "schema": Schema.from_dict(schema).to_dict(),
            "threshold": threshold,
            "thresholds": dict(thresholds or {}),
            "class_weights": dict(class_weights or {}),
            "label_smoothing": label_smoothing,
            "learn_rate_scale": learn_rate_scale,
            "use_gold_ents": use_gold_ents,
        }
        self._validate_cfg()

    def _validate_cfg(self) -> None:
        classes = self.schema.classes
        for key in ("thresholds", "class_weights"):
            unknown = set(self.cfg[key]) - set(classes)
            if unknown:
                raise ValueError(f"'{self.name}' {key} name unknown labels {sorted(unknown)}; "
                                 f"the labels are {list(classes)}")

    @property
    def schema(self) -> Schema:
        return Schema.from_dict(self.cfg["schema"])

    @property
    def labels(self) -> tuple[str, ...]:
        return self.schema.labels

    @property
    def label_data(self) -> dict[str, list[str]]:
        return self.cfg["schema"]

    def add_label(self, label: str, signature: tuple[str, str] | None = None) -> int:
        """Add a label with its (head type, tail type); returns 0 if it was already there."""
        if label in self.labels:
            if signature is not None and not self.schema.allows(label, *signature):
                raise ValueError(f"Label '{label}' already has the signature "
                                 f"{self.cfg['schema'][label]}, not {list(signature)}")
            return 0
        if signature is None:
            raise ValueError(f"Label '{label}' needs a (head type, tail type) signature")
        if self.model.get_ref("output_layer").has_dim("nO"):
            raise ValueError(f"Cannot add label '{label}' to '{self.name}' after initialization")
        self.cfg["schema"] = self.schema.with_label(label, *signature).to_dict()
        return 1

    def allowed_labels(self) -> dict[tuple[str, str], numpy.ndarray]:
        """(head type, tail type) -> mask over the labels whose signature it fits: a label is
        never given to a pair of the wrong types, whatever the model scores."""
        schema = self.schema
        return {pair: numpy.asarray([schema.allows(label, *pair) for label in schema.labels])
                for pair in schema.type_pairs}

    def fitting_probs(self, pairs: Pairs, probs: numpy.ndarray,
                      allowed: dict[tuple[str, str], numpy.ndarray] | None = None
                      ) -> numpy.ndarray:
        """Label probabilities (no NO_RELATION column) with labels that do not fit a pair's
        types set to -1."""
        allowed = allowed or self.allowed_labels()
        fits = numpy.asarray([allowed[(h.label_, t.label_)] for h, t in pairs])
        return numpy.where(fits, probs, -1.0)

    def threshold_for(self, label: str) -> float:
        return float(self.cfg["thresholds"].get(label, self.cfg["threshold"]))

    # -- prediction ---------------------------------------------------------------------

    def pairs_for(self, docs: Iterable[Doc]) -> list[Pairs]:
        """The candidate pairs of each doc."""
        schema = self.schema
        return [self.candidates(doc, schema) for doc in docs]

    def candidate_array(self, doc: Doc, pairs: Pairs) -> numpy.ndarray:
        """The model's input rows for `doc`'s candidate `pairs`: offsets, type pair, votes."""
        schema = self.schema
        array = pairs_to_array(pairs, schema)
        if self.votes is None:
            return array
        return numpy.hstack([array, self.votes(doc, pairs, schema).astype("int32")])

    @property
    def n_votes(self) -> int:
        """Vote columns per candidate, none without `votes`."""
        return self.votes.width(self.schema) if self.votes is not None else 0

    def model_candidates(self, docs: Iterable[Doc], all_pairs: Iterable[Pairs]) -> Ragged:
        """The model's candidate input for a batch: one segment of rows per doc."""
        return candidates_to_ragged(self.model.ops, [
            self.candidate_array(doc, pairs) for doc, pairs in zip(docs, all_pairs)],
            N_COLUMNS + self.n_votes)

    def predict(self, docs: Iterable[Doc]) -> tuple[list[Pairs], Floats2d]:
        docs = list(docs)
        pairs = self.pairs_for(docs)
        n_classes = len(self.schema.classes)
        if not any(pairs):
            return pairs, self.model.ops.alloc2f(0, n_classes)
        scores = self.model.predict((docs, self.model_candidates(docs, pairs)))
        return pairs, scores

    def set_annotations(self, docs: Iterable[Doc], predictions: tuple[list[Pairs], Floats2d]
                        ) -> None:
        """Set `doc._.relations` on every doc, replacing what was there (an empty list when
        a doc has no candidate pairs)."""
        all_pairs, scores = predictions
        scores = self.model.ops.to_numpy(scores)
        labels = self.labels
        allowed = self.allowed_labels()
        i = 0
        for doc, pairs in zip(docs, all_pairs):
            probs = scores[i:i + len(pairs), 1:]
            i += len(pairs)
            best, prob, positive = self.decide(pairs, probs, allowed)
            set_relations(doc, [
                Relation(head, tail, labels[k], float(p))
                for (head, tail), k, p, keep in zip(pairs, best, prob, positive) if keep
            ])

    def decide(self, pairs: Pairs, probs: numpy.ndarray,
               allowed: dict[tuple[str, str], numpy.ndarray] | None = None
               ) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """The decision rule: each pair's most probable label among those its types fit, kept
        when that probability reaches the label's threshold. Returns (label index,
        probability, kept) per pair."""
        if not pairs:
            empty = numpy.zeros(0)
            return empty.astype(int), empty, empty.astype(bool)
        probs = self.fitting_probs(pairs, probs, allowed)
        best = probs.argmax(axis=1)
        prob = probs[numpy.arange(len(pairs)), best]
        thresholds = numpy.asarray([self.threshold_for(label) for label in self.labels])
        return best, prob, prob >= thresholds[best]

    # -- training -----------------------------------------------------------------------

    def _ensure_ents(self, examples: Iterable[Example]) -> list[Example]:
        """With `use_gold_ents`, train on the reference entities (aligned to predicted tokens)."""
        if not self.cfg["use_gold_ents"]:
            return list(examples)
        copies = []
        for eg in examples:
            ents, _ = eg.get_aligned_ents_and_ner()
            eg = eg.copy()
            eg.predicted.ents = ents
            copies.append(eg)
        return copies

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Score relations. With `use_gold_ents` and no entities predicted upstream (no
        recogniser in the pipeline), `Language.evaluate` would leave nothing to relate, so the
        relations are predicted on the reference entities instead."""
        examples = list(examples)
        if self.cfg["use_gold_ents"] and not any(eg.predicted.ents for eg in examples):
            examples = self._ensure_ents(examples)
            for eg, doc in zip(examples, self.pipe(eg.predicted for eg in examples)):
                eg.predicted = doc
        return super().score(examples, **kwargs)

    def update(self, examples: Iterable[Example], *, drop: float = 0.0,
               sgd: Optimizer | None = None, losses: dict[str, float] | None = None
               ) -> dict[str, float]:
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        validate_examples(examples, "RelationExtractor.update")
        examples = self._ensure_ents(examples)
        docs = [eg.predicted for eg in examples]
        pairs = self.pairs_for(docs)
        set_dropout_rate(self.model, drop)
        if not any(pairs):
            self._backprop_nothing(docs)
        else:
            scores, backprop = self.model.begin_update((docs, self.model_candidates(docs, pairs)))
            loss, d_scores = self._loss(examples, pairs, scores)
            backprop(d_scores)
            losses[self.name] += loss
        if sgd is not None:
            self.finish_update(sgd)
        return losses

    def finish_update(self, sgd: Optimizer) -> None:
        """Update every weight inside this component's model: its thinc layers (the pair
        scorer, and an inline tok2vec's layers too) and the pair scorer's PyTorch shim at
        `learn_rate_scale` times the learning rate, any other shim (an inline transformer) at
        the base rate. An encoder reached through a listener is updated by its own component."""
        scale = float(self.cfg.get("learn_rate_scale", 1.0))
        for node in self.model.walk():
            for shim in node.shims:
                if isinstance(shim, ScorerShim):
                    shim.finish_update(sgd, lr_scale=scale)
                else:
                    shim.finish_update(sgd)
        for node in self.model.walk():
            for name in node.param_names:
                if node.has_grad(name):
                    param, _ = sgd((node.id, name), node.get_param(name), node.get_grad(name),
                                   lr_scale=scale)
                    node.set_param(name, param)

    def _backprop_nothing(self, docs: list[Doc]) -> None:
        """A batch without pairs still answers its shared encoder: a transformer lets its
        last listener run the backward pass, so skipping it would drop the other components'
        gradients for this batch."""
        tok2vec = self.model.get_ref("tok2vec")
        vectors, backprop = tok2vec.begin_update(docs)
        backprop([self.model.ops.alloc2f(*v.shape) for v in vectors])

    def get_loss(self, examples: Iterable[Example], scores: Floats2d) -> tuple[float, Floats2d]:
        """Loss for scores over the candidates of `examples`' predicted docs."""
        examples = self._ensure_ents(examples)
        return self._loss(examples, self.pairs_for(eg.predicted for eg in examples), scores)

    def targets(self, examples: list[Example], all_pairs: list[Pairs]
                ) -> tuple[numpy.ndarray, numpy.ndarray]:
        """Class index and weight per candidate. Pairs of docs without relation annotation
        are unknown and get weight 0; a gold relation's score (its confidence) scales its
        weight, and a doc's negative confidence that of the pairs it leaves unlisted, so weak
        labels count for less than hand labels. A pair with an entity the reference does not
        have (a span that did not align to the pipeline's tokens) is unknown too."""
        classes = {label: i for i, label in enumerate(self.schema.classes)}
        class_weights = self.cfg["class_weights"]
        weight_of = numpy.asarray([class_weights.get(c, 1.0) for c in self.schema.classes], "f")
        truth, weight = [], []
        for eg, pairs in zip(examples, all_pairs):
            known = has_relations(eg.reference)
            negative = weight_of[0] * negative_confidence(eg.reference) if known else 0.0
            gold = {rel.key[:4]: rel for rel in eg.reference._.relations} if known else {}
            gold_ents = {(e.start_char, e.end_char) for e in eg.reference.ents}
            for head, tail in pairs:
                rel = gold.get((head.start_char, head.end_char, tail.start_char, tail.end_char))
                if not {(head.start_char, head.end_char), (tail.start_char, tail.end_char)} \
                        <= gold_ents:
                    truth.append(0)
                    weight.append(0.0)
                elif rel is not None and rel.label in classes:
                    truth.append(classes[rel.label])
                    weight.append(weight_of[classes[rel.label]] * rel.score)
                else:
                    truth.append(0)
                    weight.append(negative)
        return numpy.asarray(truth, dtype="i"), numpy.asarray(weight, dtype="f")

    def _loss(self, examples: list[Example], all_pairs: list[Pairs], scores: Floats2d
              ) -> tuple[float, Floats2d]:
        return self.weighted_loss(*self.targets(examples, all_pairs), scores)

    def weighted_loss(self, truth: numpy.ndarray, weight: numpy.ndarray, scores: Floats2d
                      ) -> tuple[float, Floats2d]:
        """Weighted cross-entropy of `scores` against class indices `truth`, with label
        smoothing, normalised by the total weight; returns (loss, gradient of the scores)."""
        ops = self.model.ops
        probs = ops.to_numpy(scores)
        n_classes = probs.shape[1]
        smoothing = self.cfg["label_smoothing"]
        target = numpy.full(probs.shape, smoothing / n_classes, dtype="f")
        target[numpy.arange(len(truth)), truth] += 1.0 - smoothing
        norm = max(float(weight.sum()), 1.0)
        d_scores = weight[:, None] * (probs - target) / norm
        loss = float(-(weight[:, None] * target * numpy.log(probs + 1e-8)).sum() / norm)
        return loss, ops.asarray2f(d_scores)

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *,
                   nlp: Language | None = None, labels: dict[str, list[str]] | None = None
                   ) -> None:
        """Set the schema (from `labels`, else the config) and the model's shapes."""
        validate_get_examples(get_examples, "RelationExtractor.initialize")
        if labels is not None:
            self.cfg["schema"] = Schema.from_dict(labels).to_dict()
            self._validate_cfg()
        schema = self.schema
        self.model.get_ref("output_layer").set_dim("nO", len(schema.classes), force=True)
        pair_features = self.model.get_ref("pair_features")
        pair_features.set_dim("nT", len(schema.type_pairs), force=True)
        pair_features.set_dim("nV", self.n_votes, force=True)
        docs, pairs = [], []
        for eg in islice(get_examples(), 200):
            # shapes come from the reference entities whatever `use_gold_ents` says: the
            # examples spaCy initializes from carry no predicted entities
            doc = eg.predicted.copy()
            doc.ents = eg.get_aligned_ents_and_ner()[0]
            doc_pairs = self.candidates(doc, schema)
            if doc_pairs:
                docs.append(doc)
                pairs.append(doc_pairs)
            if len(docs) == 20:
                break
        if not docs:
            raise ValueError(f"'{self.name}' found no candidate pairs in the training examples "
                             f"to initialize from: do they have entities of the types in "
                             f"{schema.to_dict()}?")
        self.model.initialize(X=(docs, self.model_candidates(docs, pairs)))
