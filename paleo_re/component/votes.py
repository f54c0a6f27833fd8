"""Rule votes: which labeling rules fire on each candidate pair, given to the model as input.

A head reading pooled token vectors ranks real-text pairs poorly even when trained on nothing
but the rules' own labels (dev AUC about 0.70 for occurs_in and found_at, where the rules
score F1 0.80-0.90): mean pools lose the word order the rules read (the preposition nearest
the tail, list coordination, brackets). Given the votes as features, the head learns from the
hand-labelled corpus how far to trust each label's rules and still scores the pairs no rule
covers (docs/ablation.md measures the difference).

The votes are what the rules in `paleo_re.rules` say now: a model trained before the rules
change reads different inputs after. The extractor stores the rules' fingerprint when it is
initialized and warns at load when the installed rules differ; retrain it then.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.types import Ints2d

from ..rules.labels import RULES, Context, fire_on, rules_fingerprint, vetoed
from .schema import Schema


@runtime_checkable
class Votes(Protocol):
    """What the relation extractor's `votes` setting takes: int columns per candidate pair,
    and how many there are for a schema (the model's input width depends on it)."""

    def __call__(self, doc: Doc, pairs: Sequence[tuple[Span, Span]], schema: Schema) -> Ints2d:
        ...

    def width(self, schema: Schema) -> int:
        ...

    def fingerprint(self) -> str | None:
        """Identifies what the votes are computed from (None: nothing that changes)."""
        ...


logger = logging.getLogger(__name__)


def check_fingerprint(votes: Votes | None, trained: str | None, name: str) -> None:
    """Warn when a loaded model's votes were computed by other rules than the installed ones
    (a model saved without a fingerprint is not checked)."""
    now = votes.fingerprint() if votes is not None else None
    if trained is not None and now != trained:
        logger.warning("'%s' was trained with other labeling rules than the installed ones "
                       "(rules fingerprint %s, installed %s): its rule votes differ from what "
                       "it learned from; retrain it for these rules", name, trained, now)


class RuleVotes:
    """One 0/1 column per schema label: whether a rule for that label fires on the pair; with
    `veto`, one more: whether the rules' shared vetoes (negation or contrast, a statement break
    between the two) remove the pair. Without it a vetoed pair looks like one no rule covers,
    and the head learned to link "Agnostoids are absent from the Weeks Formation"."""

    def __init__(self, veto: bool = False):
        self.veto = veto

    def width(self, schema: Schema) -> int:
        return len(schema.labels) + self.veto

    def fingerprint(self) -> str:
        return rules_fingerprint()

    def __call__(self, doc: Doc, pairs: Sequence[tuple[Span, Span]], schema: Schema) -> Ints2d:
        votes = numpy.zeros((len(pairs), self.width(schema)), dtype="int32")
        if not pairs:
            return votes
        ctx = Context(doc)
        if self.veto:
            votes[:, -1] = [vetoed(ctx, head, tail) for head, tail in pairs]
        if not {rule.label for rule in RULES} & set(schema.labels):
            return votes  # no rule speaks to this schema's labels
        row = {(h.start, h.end, t.start, t.end): i for i, (h, t) in enumerate(pairs)}
        column = {label: k for k, label in enumerate(schema.labels)}
        for head, tail, rule in fire_on(doc, pairs, schema, ctx=ctx):
            votes[row[(head.start, head.end, tail.start, tail.end)], column[rule.label]] = 1
        return votes


@registry.misc("paleo_re.rule_votes.v1")
def make_rule_votes() -> RuleVotes:
    return RuleVotes()


@registry.misc("paleo_re.rule_votes.v2")
def make_rule_votes_v2(veto: bool = True) -> RuleVotes:
    """v1's label columns, plus the veto column unless `veto` is false."""
    return RuleVotes(veto=veto)
