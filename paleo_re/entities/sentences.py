"""Sentence boundaries for paleontology PDF text.

spaCy's `sentencizer` splits at every full stop, which in this literature cuts taxon names
(`C. mucrora`), citations (`Smith et al. (2003)`, `fig. 2`), nomenclature (`n. sp.`) and
unit abbreviations (`Marjum Fm.`) in half, and relations never cross sentences. This component
splits only where a stop ends a sentence: not after a known abbreviation or a single letter
(initials, abbreviated genera), not between two numbers (PDF text spaces decimals out: `836. 41
m`; 73 of the 182 splits it made inside the gold training sentences were these, and they cut
36 of their 2,603 gold pairs apart), not inside parentheses, and only before a token that can
start a sentence. Its only state is its config, so it saves and loads with the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

# Lower-cased words that end with a stop without ending a sentence.
DEFAULT_ABBREVIATIONS = (
    "al", "fig", "figs", "pl", "pls", "sp", "spp", "nov", "gen", "cf", "aff", "ca", "e.g",
    "i.e", "eg", "ie", "fm", "fms", "mbr", "mt", "mts", "st", "no", "nos", "vol", "vols", "pp",
    "p", "ed", "eds", "ser", "approx", "resp", "incl", "var", "subsp", "ssp", "vs", "cit",
    "op", "loc", "nr", "dept", "univ", "jr", "sr", "dr", "prof", "mr", "mrs", "ms", "indet",
    "emend", "nom", "nud", "sect", "spec", "fam", "ord", "subgen", "syn", "pers", "comm",
    "geol", "paleont", "palaeont", "bull", "proc", "trans", "j", "v", "tab", "text-fig",
    "text-figs", "cm", "mm", "km", "lat", "long", "n", "s", "e", "w", "ne", "nw", "se", "sw",
    "co", "inc", "ltd", "etc", "lst", "sh", "gp", "dol", "cgte",
)
SENTENCE_END = frozenset([".", "!", "?", "…", "..."])
CLOSERS = frozenset([")", "]", "”", "’", '"', "'"])
OPENERS = frozenset(["(", "[", "“", "‘", '"', "'"])


ABBREVIATIONS = frozenset(a.rstrip(".") for a in DEFAULT_ABBREVIATIONS)


def _stopped_word(doc: Doc, i: int) -> str | None:
    """The word a stop at token `i` ends: the token before a bare stop, or the token itself
    less its stop (`Mt.`, `n.`, `C.`); None when token `i` is no stop."""
    text = doc[i].text
    if text in SENTENCE_END:
        return doc[i - 1].text if i > 0 else None
    if text.endswith(".") and len(text) > 1:
        return text[:-1]
    return None


def _ends_at(doc: Doc, i: int, abbreviations: frozenset[str]) -> bool:
    """Whether token `i` is a stop that ends a sentence, by the word it ends."""
    token = doc[i]
    word = _stopped_word(doc, i)
    if word is None:
        return False
    if token.text in ("!", "?"):
        return True
    low = word.lower()
    if low in abbreviations or low.rstrip(".") in abbreviations:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # initials (`G. W. Stose`) and abbreviated genera (`C. mucrora`)
    if len(word) <= 3 and "." in word:
        return False  # `i.e`, `U.S`
    return True


def next_sentence_start(doc: Doc, i: int, abbreviations: frozenset[str] = ABBREVIATIONS
                        ) -> int | None:
    """The token that starts a new sentence when token `i` is a stop that ends one (after
    closing quotes or brackets and line breaks, and only a token that can start a sentence);
    None when `i` ends no sentence. Brackets are the caller's to weigh: the labeling rules
    ask this too, for the stops inside a sentence."""
    if not _ends_at(doc, i, abbreviations):
        return None
    j = i + 1
    while j < len(doc) and doc[j].text in CLOSERS and doc[j].text not in OPENERS:
        j += 1
    while j < len(doc) and doc[j].is_space:  # line breaks of PDF text
        j += 1
    if j < len(doc):
        first = doc[j].text[0]
        if first.isdigit() and j == i + 1 and (_stopped_word(doc, i) or "").isdigit():
            return None  # a decimal point the PDF text spaced out (`78. 07 m`)
        if first.isupper() or first.isdigit() or doc[j].text in OPENERS:
            return j
    return None


class PaleoSentencizer:
    """Rule-based sentence splitter: see the module docstring for the rules."""

    def __init__(self, name: str = "paleo_sentencizer",
                 abbreviations: Iterable[str] | None = None, max_paren_tokens: int = 60):
        self.name = name
        self.abbreviations = frozenset(
            a.lower().rstrip(".") for a in (abbreviations or DEFAULT_ABBREVIATIONS))
        self.max_paren_tokens = max_paren_tokens

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        starts = [False] * len(doc)
        starts[0] = True
        depth, opened_at = 0, 0
        i = 0
        while i < len(doc):
            text = doc[i].text
            if text in ("(", "["):
                if depth == 0:
                    opened_at = i
                depth += 1
            elif text in (")", "]") and depth > 0:
                depth -= 1
            if depth > 0 and i - opened_at > self.max_paren_tokens:
                depth = 0  # an unclosed bracket from PDF noise must not swallow the text
            j = next_sentence_start(doc, i, self.abbreviations) if depth == 0 else None
            if j is not None:
                starts[j] = True
                i = j
                continue
            i += 1
        # in one array: setting `token.is_sent_start` checks the whole doc for a parse on
        # every token, which made long documents cost the square of their length
        doc.from_array([SENT_START], numpy.asarray([1 if start else -1 for start in starts],
                                                   dtype="int64").astype("uint64"))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory(
    "paleo_sentencizer",
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={"abbreviations": None, "max_paren_tokens": 60},
)
def make_paleo_sentencizer(nlp: Language, name: str, abbreviations: list[str] | None,
                           max_paren_tokens: int) -> PaleoSentencizer:
    return PaleoSentencizer(name, abbreviations, max_paren_tokens)
