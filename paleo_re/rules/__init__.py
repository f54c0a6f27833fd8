"""Hand-written relation labeling rules: the rule votes the relation extractor reads, the weak
labels of `paleo-re weak-label`, and the rules-only baseline pipeline.

`lexicon` holds the cue words, `context` the per-doc facts and the vetoes every rule shares,
`labels` the rules of each relation label and their table, `component` the
`weak_relation_labeler` pipe.
"""

from .labels import RULES, Rule, fire, label_doc, label_docs, rules_fingerprint

__all__ = ["RULES", "Rule", "fire", "label_doc", "label_docs", "rules_fingerprint"]
