"""Labeling rules for weak supervision of the four relations.

Each rule looks at one type-valid, ordered (head, tail) entity pair of a doc whose entities are
already set, and says whether its relation holds. Rules use only token text and the entities
(no parser, tagger or vectors), so they run on a blank English pipeline and on the
whitespace-tokenised seed data alike.

The rules are deliberately conservative because their output trains a model: a wrong positive
teaches the model a wrong pattern, a missed pair is only a missing example. Three checks are
shared by every rule and act as vetoes before any rule is asked:

- negation and contrast between the two entities (`absent from`, `not`, `unlike`, `compared
  with`) or just before the head;
- clause boundaries between the two entities (`;`, `whereas`, `but`, a sentence end), which stop
  a preposition from reaching into the next statement;
- for rules reading a preposition, a new clause verb between the preposition and the tail
  (`..., which overlies the Y Formation`).

Each rule's `confidence` is its precision measured on the gold dev set, lowered because the
rules were written while looking at that set (a rule that fired only a handful of times gets
0.75), and it becomes the `score` of the `Relation` it produces; when several rules fire on
one pair the highest confidence wins. Re-measure with
`paleo-re measure-rules`.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from ..component.candidates import CandidateGenerator
from ..component.relations import Relation, set_relations
from ..component.schema import DEFAULT, Schema
from . import context, lexicon
from .context import Context, coordinated, gap_is_glue, vetoed
from .lexicon import (
    BIO_RANK,
    CITATION_WORDS,
    CLAUSE_WORDS,
    FAUNA_WORDS,
    LITHO_RANK,
    LITHOLOGY,
    NOT_FIND_SPOT,
    OCCUR_VERBS,
    POST_CAP,
    PRE_CAP,
    RESTRICT_WORDS,
    VETO_WORDS,
    YIELD_FILLERS,
    YIELD_VERBS,
)

# --- preposition reach ------------------------------------------------------------------------


def _is_from_trigger(ctx: Context, i: int, head_end: int) -> bool:
    """`from`, `through`, and `to` in `from X to Y`."""
    word = ctx.lower[i]
    if word in ("from", "through"):
        return True
    if word == "to":
        return "from" in ctx.lower[max(head_end, i - 10):i]
    return False


def _is_in_trigger(ctx: Context, i: int, head_end: int) -> bool:
    """`in`, `at`, `into`, `within`, `restricted to`, and `of` after a fauna word."""
    word = ctx.lower[i]
    if word in ("in", "at", "into", "within"):
        return True
    prev = ctx.lower[i - 1] if i > 0 else ""
    if word == "to":
        return prev in RESTRICT_WORDS
    if word == "of":
        # `X fauna of Y`, and `X of the Y Formation` / titles `Trilobites of the Y Group`
        head_label = ctx.ent_at[head_end - 1].label_  # type: ignore[union-attr]
        return prev in FAUNA_WORDS or gap_is_glue(ctx, head_end, i, ctx.depth[head_end - 1],
                                                   allow=head_label)
    return False


def _reaches(ctx: Context, head: Span, tail: Span,
             trigger: Callable[[Context, int, int], bool]) -> bool:
    """Head before tail, and the preposition nearest the tail is of the wanted kind, reaches
    the tail without crossing a clause verb or another taxon, and belongs to the head or to a
    list the head starts."""
    if head.end > tail.start:
        return False
    trig = None
    for i in range(tail.start - 1, head.end - 1, -1):
        ent = ctx.ent_at[i]
        if ent is not None:
            if ent.label_ == head.label_:
                return False  # another taxon owns this tail
            continue
        if ctx.lower[i] in CLAUSE_WORDS:
            return False
        if _is_from_trigger(ctx, i, head.end) or _is_in_trigger(ctx, i, head.end):
            trig = i
            break
    if trig is None or not trigger(ctx, trig, head.end):
        return False
    if _parenthetical(ctx, head) or ctx.depth[head.start] > ctx.depth[trig]:
        return False  # `X (Trilobita, Arthropoda) of Y`: the bracketed name is not the subject
    if _fronted(ctx, trig, tail):
        return False
    if any(ctx.lower[i] in NOT_FIND_SPOT for i in ctx.plain(head.end, tail.start)):
        return False
    if len(ctx.content(trig + 1, tail.start)) > POST_CAP:
        return False
    if len(ctx.content(head.end, trig)) > PRE_CAP:
        return False
    same = [e for e in ctx.ents_between(head.end, trig) if e.label_ == head.label_]
    return coordinated(ctx, head, same)


def _parenthetical(ctx: Context, span: Span) -> bool:
    """Whether `span` sits in brackets opened right after a name of its own type (a synonym
    or higher taxon: `B. granulatus (including B. elongatus ...)`)."""
    if ctx.depth[span.start] == 0:
        return False  # in no bracket: no walk back to the start of the document
    j = span.start - 1
    while j >= 0 and not (ctx.doc[j].text in ("(", "[") and ctx.depth[j] < ctx.depth[span.start]):
        j -= 1
    if j <= 0:
        return False
    prev = ctx.ent_at[j - 1]
    return prev is not None and prev.label_ == span.label_


def _fronted(ctx: Context, trig: int, tail: Span) -> bool:
    """`..., and, from Sardinia, Anopolenus`: a preposition phrase set off by commas that
    introduces the names after it, not the ones before it."""
    if trig == 0 or ctx.lower[trig - 1] not in (",", "and"):
        return False
    i = tail.end
    while i < len(ctx.doc) and (ctx.ent_at[i] is not None and ctx.ent_at[i].label_ == tail.label_
                                or ctx.lower[i] in (",", "and")):
        i += 1
    return i < len(ctx.doc) and ctx.ent_at[i] is not None and ctx.ent_at[i].label_ == "TAXON" \
        and ctx.lower[i - 1] == ","


def fronted_from(ctx: Context, head: Span, tail: Span) -> bool:
    """`..., and, from Sardinia, Anopolenus henrici`: a fronted `from` phrase and its taxon."""
    if tail.end > head.start:
        return False
    return (tail.start > 0 and ctx.lower[tail.start - 1] == "from"
            and [ctx.doc[i].text for i in ctx.plain(tail.end, head.start)] == [","])


def from_prep(ctx: Context, head: Span, tail: Span) -> bool:
    """`X from / collected from / described from / known from / ranges from ... to Y`, also in
    titles (`Early Cambrian trilobites from Yichun`) and lists (`A, B and C from Y`)."""
    return _reaches(ctx, head, tail, _is_from_trigger)


def in_prep(ctx: Context, head: Span, tail: Span) -> bool:
    """`X occurs in / is found at / ranges into / is restricted to Y`, `X fauna of Y`."""
    return _reaches(ctx, head, tail, _is_in_trigger)


def catalogue_entry(ctx: Context, head: Span, tail: Span) -> bool:
    """Catalogue lines `Taxon Author (1992, p. 75), Changshanian, X Zone, Hunan, China.`: the
    taxon is followed only by a citation and comma-separated units and places."""
    if head.end > tail.start:
        return False
    between = ctx.ents_between(head.end, tail.start)
    if any(e.label_ == head.label_ for e in between):
        return False
    seen_comma = False
    for i in ctx.plain(head.end, tail.start):
        tok = ctx.doc[i]
        if ctx.lower[i] == ",":
            seen_comma = True
            continue
        if tok.is_punct or tok.is_digit or ctx.depth[i] > ctx.depth[head.start]:
            continue
        if not any(ch.isalpha() for ch in tok.text) or ctx.lower[i] in CITATION_WORDS:
            continue
        if not seen_comma and tok.text[:1].isupper() and (not between or i < between[0].start):
            continue  # the author after the name
        return False
    return seen_comma


def yields(ctx: Context, head: Span, tail: Span) -> bool:
    """`The Y Formation yields / contains / containing X` (tail before head)."""
    if tail.end > head.start:
        return False
    verb = None
    for i in ctx.plain(tail.end, head.start):
        if ctx.lower[i] in YIELD_VERBS:
            verb = i
            break
        if ctx.lower[i] in CLAUSE_WORDS - {"is", "are", "was", "were"}:
            return False
    if verb is None or len(ctx.content(tail.end, verb)) > POST_CAP:
        return False
    taxa = [e for e in ctx.ents_between(verb, head.start) if e.label_ == head.label_]
    first_at = taxa[0].start if taxa else head.start
    fillers = [i for i in ctx.plain(verb + 1, first_at) if ctx.lower[i] not in YIELD_FILLERS]
    if len(fillers) > 1:
        return False
    if not taxa:
        return True
    return coordinated(ctx, taxa[0], [*taxa[1:], head])


def in_place_first(ctx: Context, head: Span, tail: Span) -> bool:
    """`In China, X is found / occurs ...`: a fronted place or unit, a comma, then the taxon
    with an occurrence verb."""
    if tail.end > head.start:
        return False
    before = ctx.lower[max(0, tail.start - 2):tail.start]
    if "in" not in before:
        return False
    if [ctx.doc[i].text for i in ctx.plain(tail.end, head.start)] != [","]:
        return False
    after = ctx.lower[head.end:head.end + 4]
    return any(w in OCCUR_VERBS for w in after)


# --- assigned_to --------------------------------------------------------------------------------


def _only_list_of(ctx: Context, start: int, end: int, label: str) -> bool:
    """Whether [start, end) holds only entities of `label` joined by commas or `and`."""
    for i in range(start, end):
        ent = ctx.ent_at[i]
        if ent is not None:
            if ent.label_ != label:
                return False
        elif ctx.lower[i] not in (",", "and", "or", "&", "/"):
            return False
    return True


def chrono_modifier(ctx: Context, head: Span, tail: Span) -> bool:
    """`Upper Cambrian X Formation`, `late Iverian A and B Zones`: a time unit directly before
    a unit (or a list of units) qualifies it."""
    if tail.end > head.start:
        return False
    if tail.end < head.start and ctx.lower[tail.end] == ",":
        return False
    return _only_list_of(ctx, tail.end, head.start, "STRAT")


def _qualifies_previous_unit(ctx: Context, unit: Span) -> bool:
    """Whether `unit` is itself a qualifier of an earlier unit (`X Member (Y Formation, ...)`,
    `X Member of the Y Formation`): time units after it then date the earlier unit."""
    i = unit.start - 1
    while i >= 0 and ctx.lower[i] in ("the", "of", "(", ","):
        i -= 1
    if i < 0 or i == unit.start - 1:
        return False
    prev = ctx.ent_at[i]
    if prev is None or prev.label_ != "STRAT":
        return False
    words = ctx.lower[prev.end:unit.start]
    return "(" in words or "of" in words


def strat_paren_chrono(ctx: Context, head: Span, tail: Span) -> bool:
    """`X Zone (Middle Cambrian)`, `X Member (Y Formation, uppermost Dyeran Stage, Cambrian)`,
    `X Member of the Y Formation (Cambrian Stage 5; ...)`: a time unit in the parenthesis that
    follows the unit."""
    if head.end > tail.start or _qualifies_previous_unit(ctx, head):
        return False
    open_at = head.end
    if ctx.lower[open_at:open_at + 2] == ["of", "the"] or ctx.lower[open_at:open_at + 1] == ["of"]:
        nxt = ctx.ent_at[open_at + (2 if ctx.lower[open_at + 1] == "the" else 1)]
        if nxt is None or nxt.label_ != "STRAT" or not _lower_rank(head, nxt):
            return False
        open_at = nxt.end
    if open_at >= len(ctx.doc) or ctx.doc[open_at].text != "(":
        return False
    depth = ctx.depth[open_at] + 1
    if any(ctx.depth[i] != depth for i in range(open_at + 1, tail.end)):
        return False
    words = [i for i in ctx.plain(open_at + 1, tail.start) if ctx.lower[i] not in (",", "the")]
    return len(words) <= 3 and not any(ctx.lower[i] in CLAUSE_WORDS for i in words)


def strat_comma_chrono(ctx: Context, head: Span, tail: Span) -> bool:
    """`X Formation, Dyeran`, `X Zone, uppermost part of the informal global Stage 5`,
    `X Formation, Y Zone, Stage 5`: a time unit closing a comma-separated unit list."""
    if head.end > tail.start or _qualifies_previous_unit(ctx, head):
        return False
    i = head.end
    # skip further units of the list: `, Y Zone`
    while i < tail.start and ctx.lower[i] == ",":
        ent = ctx.ent_at[i + 1] if i + 1 < tail.start else None
        if ent is None or ent.label_ != "STRAT":
            break
        i = ent.end
    if i >= tail.start or ctx.lower[i] != ",":
        return False
    # `X Zone, uppermost part of the informal global Stage 5 of the Cambrian System`: other
    # time units may come first; the words between stay few and verbless
    if any(e.label_ != tail.label_ for e in ctx.ents_between(i + 1, tail.start)):
        return False
    words = ctx.content(i + 1, tail.start)
    return len(words) <= 7 and not any(
        ctx.lower[w] in CLAUSE_WORDS or ctx.lower[w] in VETO_WORDS for w in words)


def chrono_comma_strat(ctx: Context, head: Span, tail: Span) -> bool:
    """Catalogue style `Changshanian, X Zone, Y Formation, Hunan`: a time unit heading a
    comma-separated list of units."""
    if tail.end > head.start:
        return False
    if tail.start > 0 and ctx.lower[tail.start - 1] in ("to", "through", "and", "-", "–"):
        return False  # the end of a range `A to B, X and Y zones` maps onto the list in order
    return ctx.lower[tail.end] == "," and _only_list_of(ctx, tail.end, head.start, "STRAT")


def age_for(ctx: Context, head: Span, tail: Span) -> bool:
    """`a middle Cambrian age for the X Formation`."""
    if tail.end > head.start:
        return False
    words = ctx.lower[tail.end:head.start]
    return words in (["age", "for", "the"], ["age", "for"], ["age", "of", "the"], ["age", "of"])


# --- part_of ------------------------------------------------------------------------------------


def _rank(span: Span) -> tuple[str, int] | None:
    """(hierarchy, rank) from the unit's last rank word, or None when the name has none."""
    found = None
    for tok in span:
        word = tok.lower_.strip("-")
        if word in LITHO_RANK:
            found = ("litho", LITHO_RANK[word])
        elif word in BIO_RANK:
            found = ("bio", BIO_RANK[word])
        elif word in LITHOLOGY:
            found = ("litho", LITHO_RANK["formation"])
    return found


def _lower_rank(low: Span, high: Span) -> bool:
    a, b = _rank(low), _rank(high)
    return a is not None and b is not None and a[0] == b[0] and a[1] < b[1]


def member_of(ctx: Context, head: Span, tail: Span) -> bool:
    """`X Member of the Y Formation`, `X Member (Y Formation`, `X Member, Y Formation`,
    `X Subzone of the Y Zone`: a lower-rank unit right before a higher-rank one of the same
    hierarchy."""
    if head.end > tail.start or not _lower_rank(head, tail):
        return False
    words = ctx.lower[head.end:tail.start]
    return words in (["of", "the"], ["of"], ["("], [","], ["in", "the"], ["within", "the"])


def paren_member(ctx: Context, head: Span, tail: Span) -> bool:
    """`the Y Formation (probably the X Member of ...)`: a subdivision named in the parenthesis
    right after its unit."""
    if tail.end > head.start or not _lower_rank(head, tail):
        return False
    if ctx.lower[tail.end:tail.end + 1] != ["("]:
        return False
    words = ctx.plain(tail.end + 1, head.start)
    return not ctx.ents_between(tail.end, head.start) and len(words) <= 3


# --- the rule table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A named labeling function for one relation label, with its confidence."""

    name: str
    label: str
    confidence: float
    match: Callable[[Context, Span, Span], bool] = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.name}/{self.label}"


RULES: tuple[Rule, ...] = (
    Rule("from_prep", "occurs_in", 0.9, from_prep),
    Rule("in_prep", "occurs_in", 0.8, in_prep),
    Rule("catalogue_entry", "occurs_in", 0.85, catalogue_entry),
    Rule("yields", "occurs_in", 0.85, yields),
    Rule("in_place_first", "occurs_in", 0.75, in_place_first),
    Rule("from_prep", "found_at", 0.9, from_prep),
    Rule("in_prep", "found_at", 0.9, in_prep),
    Rule("catalogue_entry", "found_at", 0.85, catalogue_entry),
    Rule("yields", "found_at", 0.85, yields),
    Rule("fronted_from", "found_at", 0.75, fronted_from),
    Rule("fronted_from", "occurs_in", 0.75, fronted_from),
    Rule("in_place_first", "found_at", 0.75, in_place_first),
    Rule("chrono_modifier", "assigned_to", 0.9, chrono_modifier),
    Rule("strat_paren_chrono", "assigned_to", 0.9, strat_paren_chrono),
    Rule("strat_comma_chrono", "assigned_to", 0.85, strat_comma_chrono),
    Rule("chrono_comma_strat", "assigned_to", 0.85, chrono_comma_strat),
    Rule("age_for", "assigned_to", 0.75, age_for),
    Rule("member_of", "part_of", 0.9, member_of),
    Rule("paren_member", "part_of", 0.75, paren_member),
)


def rules_fingerprint() -> str:
    """A hash of the labeling rules' source (cue words, context, rules and their table): it
    changes whenever what the rules say may change."""
    digest = hashlib.sha256()
    for module in (lexicon, context, sys.modules[__name__]):
        digest.update(inspect.getsource(module).encode("utf8"))
    return digest.hexdigest()[:16]


# --- applying the rules ---------------------------------------------------------------------------


def fire(doc: Doc, schema: Schema = DEFAULT, rules: Iterable[Rule] = RULES,
         candidates: CandidateGenerator | None = None) -> list[tuple[Span, Span, Rule]]:
    """Every (head, tail, rule) that fires on a type-valid candidate pair of `doc`, after the
    shared vetoes. Used by `label_doc` and by the measurement of each rule."""
    return fire_on(doc, (candidates or CandidateGenerator())(doc, schema), schema, rules)


def fire_on(doc: Doc, pairs: Iterable[tuple[Span, Span]], schema: Schema = DEFAULT,
            rules: Iterable[Rule] = RULES, ctx: Context | None = None
            ) -> list[tuple[Span, Span, Rule]]:
    """Every (head, tail, rule) that fires on the given candidate `pairs` of `doc` (`ctx`:
    its `Context`, when the caller has built one already)."""
    rules = tuple(rules)
    ctx = ctx or Context(doc)
    out = []
    for head, tail in pairs:
        if vetoed(ctx, head, tail):
            continue
        for rule in rules:
            if schema.allows(rule.label, head.label_, tail.label_) and rule.match(ctx, head, tail):
                out.append((head, tail, rule))
    return out


def label_doc(doc: Doc, schema: Schema = DEFAULT, rules: Iterable[Rule] = RULES,
              candidates: CandidateGenerator | None = None) -> list[Relation]:
    """The relations the rules assign to `doc`, scored with the most confident firing rule."""
    best: dict[tuple[int, int, int, int, str], Relation] = {}
    for head, tail, rule in fire(doc, schema, rules, candidates):
        rel = Relation(head, tail, rule.label, rule.confidence)
        if rel.key not in best or best[rel.key].score < rel.score:
            best[rel.key] = rel
    return sorted(best.values(), key=lambda r: (r.head.start, r.tail.start, r.label))


def label_docs(docs: Iterable[Doc], schema: Schema = DEFAULT, rules: Iterable[Rule] = RULES,
               candidates: CandidateGenerator | None = None) -> list[Doc]:
    """Set `doc._.relations` on every doc from the rules (an empty list when none fire, so the
    doc's other type-valid pairs count as NO_RELATION) and return the docs."""
    rules = tuple(rules)
    out = []
    for doc in docs:
        set_relations(doc, label_doc(doc, schema, rules, candidates))
        out.append(doc)
    return out
