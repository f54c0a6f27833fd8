"""The labeling rules as a pipeline component, so they run, score and evaluate like the
trained extractor (the rules-alone baseline of the comparison)."""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc

from ..component.schema import Schema
from ..component.scorer import score_relations
from .labels import label_doc


class WeakRelationLabeler:
    def __init__(self, schema: dict[str, list[str]], scorer: Callable | None = score_relations):
        self.schema = Schema.from_dict(schema)
        self.scorer = scorer

    @property
    def labels(self) -> tuple[str, ...]:
        return self.schema.labels

    def __call__(self, doc: Doc) -> Doc:
        doc._.relations = label_doc(doc, self.schema)
        return doc

    def score(self, examples, **kwargs):
        return self.scorer(examples, labels=self.labels, **kwargs) if self.scorer else {}


@Language.factory(
    "weak_relation_labeler",
    assigns=["doc._.relations"],
    requires=["doc.ents"],
    default_config={"schema": {"@misc": "paleo_re.default_schema.v1"},
                    "scorer": {"@scorers": "paleo_re.relation_scorer.v1"}},
)
def make_weak_relation_labeler(nlp: Language, name: str, schema: dict[str, list[str]],
                               scorer: Callable | None) -> WeakRelationLabeler:
    """Relations from the labeling rules of `paleo_re.rules.labels` (scores = confidences)."""
    return WeakRelationLabeler(schema, scorer)
