"""Token-level facts about one doc that every labeling rule reads (`Context`), and the checks
shared by every rule: list coordination and the vetoes that remove a pair before any rule
is asked."""

from __future__ import annotations

import bisect

from spacy.tokens import Doc, Span

from ..entities.sentences import next_sentence_start
from .lexicon import (
    BREAK_WORDS,
    CAPTION_BREAKS,
    HEAD_VETO_WORDS,
    LIST_GLUE,
    VETO_WORDS,
)

# --- per-doc context --------------------------------------------------------------------------


class Context:
    """Token-level facts about one doc that every rule reads: lower-cased words, which entity
    (if any) covers each token, parenthesis depth and statement breaks."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.lower = [t.lower_ for t in doc]
        # doc.ents builds new Span objects on every access: read it once, in order, so that
        # a lookup costs a bisection instead of a pass over every entity of the document
        self.ents: list[Span] = list(doc.ents)
        self._ent_starts = [ent.start for ent in self.ents]
        self.ent_at: list[Span | None] = [None] * len(doc)
        for ent in self.ents:
            for i in range(ent.start, ent.end):
                self.ent_at[i] = ent
        # Depth counts matched brackets only: an unclosed `(` in broken PDF text must not
        # swallow the rest of the sentence.
        delta = [0] * (len(doc) + 1)
        stack: list[int] = []
        for t in doc:
            if t.text in ("(", "["):
                stack.append(t.i)
            elif t.text in (")", "]") and stack:
                opener = stack.pop()
                delta[opener + 1] += 1
                delta[t.i] -= 1
        self.depth: list[int] = []
        depth = 0
        for i in range(len(doc)):
            depth += delta[i]
            self.depth.append(depth)
        self.is_break = [self._is_break(i) for i in range(len(doc))]

    def _is_break(self, i: int) -> bool:
        if self.ent_at[i] is not None:
            return False
        text = self.doc[i].text
        if text == ";" and self.depth[i] > 0:
            return False  # `Europe (Author, 1957; Author, 1999)`: a citation list
        if self.lower[i] in BREAK_WORDS:
            return True
        if self.lower[i] in CAPTION_BREAKS and self.depth[i] == 0:
            return True
        return next_sentence_start(self.doc, i) is not None

    def plain(self, start: int, end: int) -> list[int]:
        """Indices of tokens in [start, end) that belong to no entity."""
        return [i for i in range(start, end) if self.ent_at[i] is None]

    def content(self, start: int, end: int) -> list[int]:
        """Plain tokens of [start, end) that carry words: not punctuation, articles or `and`,
        and not inside a parenthesis opened in the range (citations, sub-lists)."""
        base = self.depth[start] if start < len(self.doc) else 0
        return [i for i in self.plain(start, end)
                if self.depth[i] <= base and not self.doc[i].is_punct
                and self.lower[i] not in ("and", "or", "the", "a", "an")]

    def ents_between(self, start: int, end: int) -> list[Span]:
        """Entities inside the token range [start, end)."""
        first = bisect.bisect_left(self._ent_starts, start)
        last = bisect.bisect_left(self._ent_starts, end, lo=first)
        return [e for e in self.ents[first:last] if e.end <= end]


def ordered(head: Span, tail: Span) -> tuple[Span, Span]:
    return (head, tail) if head.start < tail.start else (tail, head)


def gap_is_glue(ctx: Context, start: int, end: int, base_depth: int,
                 allow: str | None = None) -> bool:
    """Whether tokens [start, end) may separate two names of one coordinated list: commas,
    `and`, bracketed citations, and at most two capitalised words (an author) outside them.
    With `allow`, entities of that label may sit in the gap too (the rest of the list)."""
    authors = 0
    for i in range(start, end):
        tok = ctx.doc[i]
        ent = ctx.ent_at[i]
        if ent is not None and ent.label_ == allow:
            continue
        if ent is not None or ctx.is_break[i]:
            return False
        if ctx.depth[i] > base_depth:
            continue
        if ctx.lower[i] in LIST_GLUE or tok.is_digit or (tok.is_punct and tok.text != ":"):
            continue
        if tok.text[:1].isupper():
            authors += 1
            continue
        return False
    return authors <= 2


def coordinated(ctx: Context, first: Span, spans: list[Span]) -> bool:
    """Whether `spans` (same-type entities after `first`) continue a list started by `first`:
    only list glue (commas, `and`, author citations in brackets) may separate them."""
    prev = first
    for span in spans:
        if not gap_is_glue(ctx, prev.end, span.start, ctx.depth[first.start]):
            return False
        prev = span
    return True


# --- shared vetoes ----------------------------------------------------------------------------


def vetoed(ctx: Context, head: Span, tail: Span) -> bool:
    """Negation, contrast or a statement break between the pair, or negation right before the
    head, removes the pair from every rule."""
    first, second = ordered(head, tail)
    for i in ctx.plain(first.end, second.start):
        if ctx.lower[i] in VETO_WORDS or ctx.is_break[i]:
            return True
    if ctx.doc[second.start - 1].text == "?":
        return True  # `Australia (western Queensland, ? Tasmania)`: a questioned record
    window = ctx.lower[max(0, first.start - 3):first.start]
    return any(w in HEAD_VETO_WORDS for w in window)
