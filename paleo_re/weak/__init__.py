"""Weak supervision: hand-written labeling rules that turn docs with entities into relation
labels with a confidence, so a model can be trained on real text without hand annotation.

`label_doc` / `label_docs` apply the rules; `paleo_re.weak.measure` checks them against gold.
"""

from .rules import RULES, Rule, fire, label_doc, label_docs

__all__ = ["RULES", "Rule", "fire", "label_doc", "label_docs"]
