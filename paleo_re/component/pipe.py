"""The `relation_extractor` component: type-valid entity pairs in, `doc._.relations` out."""

from __future__ import annotations

import warnings
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
from thinc.types import Floats2d

from . import context_pooling  # noqa: F401  (registers paleo_re.ContextRelationModel.v1)
from .candidates import CandidateGenerator, featurize_batch
from .decision import Pairs, decide, split_by_doc, type_pairs
from .gold_ents import with_gold_ents
from .relations import Relation, set_relations
from .schema import DEFAULT_SCHEMA, Schema
from .scorer import score_relations
from .targets import targets, weighted_loss
from .votes import Votes, check_fingerprint  # also registers paleo_re.rule_votes.v1 and v2

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
        pair, see `paleo_re.component.votes`); null for none.
    class_weights: loss weight per class (NO_RELATION or a label; default 1.0).
    label_smoothing: mass spread uniformly over the classes in the training targets.
    learn_rate_scale: no longer read; accepted so that pipelines saved with it still load.
        The scoring head, underfit after a CPU budget of `spacy train` steps, is trained
        further on cached encoder outputs instead (`paleo-re train-relations`), which scored
        better on cross-validation (docs/designs.md).
    use_gold_ents: in training and scoring, relate the reference entities (copied onto the
        predicted docs), so the extractor trains without an upstream recogniser annotating
        and `rel_*` always measures the pair decisions alone; false: the predicted entities.
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
    """Scores the type-valid candidate pairs of `doc.ents` and sets `doc._.relations`.

    The pieces are plain functions that training and evaluation call too: `candidates` picks
    the pairs, `candidates.featurize_batch` turns them into the model's input rows (offsets,
    type pair, rule votes), `decision.decide` turns the model's probabilities into labels, and
    `targets` builds the masked, weighted training targets and loss. `cfg` holds the schema,
    thresholds and loss settings, and the fingerprint of the rules the votes came from.
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "relation_extractor",
        *,
        schema: dict[str, list[str]] = DEFAULT_SCHEMA,
        candidates: Callable[[Doc, Schema], Pairs] | None = None,
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
            "use_gold_ents": use_gold_ents,
        }
        if learn_rate_scale != 1.0:
            warnings.warn("relation_extractor's learn_rate_scale is no longer read; train the "
                          "head further with `paleo-re train-relations`", DeprecationWarning,
                          stacklevel=2)
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

    @property
    def label_thresholds(self) -> numpy.ndarray:
        """One decision threshold per label: `thresholds[label]`, else `threshold`."""
        cfg = self.cfg
        return numpy.asarray([cfg["thresholds"].get(label, cfg["threshold"])
                              for label in self.labels], dtype="f")

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

    def _inputs(self, docs: list[Doc]) -> tuple[list[Pairs], Any]:
        schema = self.schema
        pairs = [self.candidates(doc, schema) for doc in docs]
        return pairs, (docs, featurize_batch(self.model.ops, docs, pairs, schema, self.votes))

    def predict(self, docs: Iterable[Doc]) -> tuple[list[Pairs], Floats2d]:
        docs = list(docs)
        pairs, inputs = self._inputs(docs)
        if not any(pairs):
            return pairs, self.model.ops.alloc2f(0, len(self.schema.classes))
        return pairs, self.model.predict(inputs)

    def set_annotations(self, docs: Iterable[Doc], predictions: tuple[list[Pairs], Floats2d]
                        ) -> None:
        """Set `doc._.relations` on every doc, replacing what was there (an empty list when
        a doc has no candidate pairs)."""
        all_pairs, scores = predictions
        schema, labels, thresholds = self.schema, self.labels, self.label_thresholds
        probs = split_by_doc(all_pairs, self.model.ops.to_numpy(scores))
        for doc, pairs, doc_probs in zip(docs, all_pairs, probs):
            best, prob, kept = decide(schema, type_pairs(pairs), doc_probs, thresholds)
            set_relations(doc, [Relation(head, tail, labels[k], float(p))
                                for (head, tail), k, p, keep in zip(pairs, best, prob, kept)
                                if keep])

    # -- training -----------------------------------------------------------------------

    def _training_examples(self, examples: Iterable[Example]) -> list[Example]:
        return with_gold_ents(examples) if self.cfg["use_gold_ents"] else list(examples)

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Score relations; with `use_gold_ents`, predicted on the reference entities."""
        examples = list(examples)
        if self.cfg["use_gold_ents"]:
            examples = with_gold_ents(examples)
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
        examples = self._training_examples(examples)
        docs = [eg.predicted for eg in examples]
        pairs, inputs = self._inputs(docs)
        set_dropout_rate(self.model, drop)
        if not any(pairs):
            # a transformer lets its last listener run the backward pass: skipping it would
            # drop the other components' gradients for this batch
            vectors, backprop = self.model.get_ref("tok2vec").begin_update(docs)
            backprop([self.model.ops.alloc2f(*v.shape) for v in vectors])
        else:
            scores, backprop = self.model.begin_update(inputs)
            loss, d_scores = self._loss(examples, pairs, scores)
            backprop(d_scores)
            losses[self.name] += loss
        if sgd is not None:
            self.finish_update(sgd)
        return losses

    def get_loss(self, examples: Iterable[Example], scores: Floats2d) -> tuple[float, Floats2d]:
        """Loss for scores over the candidates of `examples`' predicted docs."""
        examples = self._training_examples(examples)
        schema = self.schema
        return self._loss(examples, [self.candidates(eg.predicted, schema) for eg in examples],
                          scores)

    def _loss(self, examples: list[Example], all_pairs: list[Pairs], scores: Floats2d
              ) -> tuple[float, Floats2d]:
        truth, weight = targets(examples, all_pairs, self.schema, self.cfg["class_weights"])
        loss, d_scores = weighted_loss(truth, weight, self.model.ops.to_numpy(scores),
                                       self.cfg["label_smoothing"])
        return loss, self.model.ops.asarray2f(d_scores)

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *,
                   nlp: Language | None = None, labels: dict[str, list[str]] | None = None
                   ) -> None:
        """Set the schema (from `labels`, else the config), the model's shapes from examples
        with candidate pairs, and the fingerprint of the rules behind the votes."""
        validate_get_examples(get_examples, "RelationExtractor.initialize")
        if labels is not None:
            self.cfg["schema"] = Schema.from_dict(labels).to_dict()
            self._validate_cfg()
        schema = self.schema
        self.model.get_ref("output_layer").set_dim("nO", len(schema.classes), force=True)
        pair_features = self.model.get_ref("pair_features")
        pair_features.set_dim("nT", len(schema.type_pairs), force=True)
        pair_features.set_dim("nV", self.votes.width(schema) if self.votes else 0, force=True)
        self.cfg["votes_fingerprint"] = self.votes.fingerprint() if self.votes else None
        # the reference entities whatever `use_gold_ents` says: the examples spaCy
        # initializes from carry no predicted entities
        docs = [eg.predicted for eg in with_gold_ents(islice(get_examples(), 200))
                if self.candidates(eg.predicted, schema)][:20]
        if not docs:
            raise ValueError(f"'{self.name}' found no candidate pairs in the training examples "
                             f"to initialize from: do they have entities of the types in "
                             f"{schema.to_dict()}?")
        self.model.initialize(X=self._inputs(docs)[1])

    def from_disk(self, path, *, exclude: Iterable[str] = ()) -> RelationExtractor:
        super().from_disk(path, exclude=exclude)
        check_fingerprint(self.votes, self.cfg.get("votes_fingerprint"), self.name)
        return self
