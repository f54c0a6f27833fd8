"""Entity cleanup after the statistical recogniser.

With `proposals` set, the entity ruler's matches (written to `doc.spans[proposals]` instead
of `doc.ents`) fill the gaps `ner` left, chosen as the ruler's ents filter chooses: `ner`
decides where it marked something, the rules add names it missed. On cross-validation this
scored better entities than letting the rules decide first, on every fold, and level
relations (docs/designs.md).

spaCy's `ner` never starts an entity on a whitespace token but may end one there (a line
break of plain text), and rarely predicts one without a word in it (`.` plus a line break,
seen after `Utah.` at the end of a line); rule or user entities may do either. Such an
entity means nothing to a reader and, as a relation head or tail, yields nonsense triples.
This component trims whitespace tokens off entity edges and drops entities with no letter or
digit left.

It also rejoins unit names the recogniser cut apart, as the annotation guidelines read them:
a taxon name inside a zone name is part of the zone (`Erediaspis` + `eretes Zone`,
`Bristolia` + `zonule`), a unit name cut at a word without a rank (`Emu` + `Bay_Shale`) is
one unit, and coordinated zones that share a plural head are each a zone (`Cedaria and
Crepicephalus Zones`). It has no state beyond its name.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from .filters import select_ents
from .lexicon import LOWER_ZONE_HEADS, ROCK_HEADS, ZONE_HEADS

# A zone's head word, in the case it is written in ("assemblage" alone is not a zone name).
ZONE_WORDS = {*ZONE_HEADS, *LOWER_ZONE_HEADS, "zonule", "zonules", "biomere"}
PLURAL_ZONE_WORDS = {word for word in ZONE_WORDS if word.endswith("s")}
RANK_WORDS = {head.casefold() for head in (*ROCK_HEADS, *ZONE_WORDS)}
JOINERS = {"-", "–", "—", "”", "\"", "’"}  # between the taxa of a zone, or a closing quote
QUOTES = {"“": "”", "\"": "\"", "‘": "’"}
COORDINATION = {",", "and", "or", "&"}


def clean_span(span: Span) -> Span | None:
    """`span` without whitespace tokens at its edges; None when no letter or digit is left."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    if not any(c.isalnum() for token in doc[start:end] for c in token.text):
        return None
    if (start, end) == (span.start, span.end):
        return span
    return Span(doc, start, end, label=span.label, kb_id=span.kb_id, span_id=span.id)


def _last_word(span: Span) -> str:
    """The last word of a span's last token: "Creek_Formation" -> "Formation"."""
    words = span[-1].text.replace("_", " ").split()
    return words[-1] if words else ""


def _touching(doc: Doc, start: int, end: int, joiners: set[str] = frozenset()) -> bool:
    """Whether tokens start..end hold nothing but spaces on one line and at most one joiner."""
    words = [t for t in doc[start:end] if not t.is_space]
    return all("\n" not in t.text for t in doc[start:end] if t.is_space) and \
        len(words) <= 1 and all(t.text in joiners for t in words)


def _join_neighbours(ents: Iterable[Span]) -> list[Span]:
    """TAXON + zone, and a STRAT without a rank + the STRAT right after it, as one STRAT."""
    out: list[Span] = []
    for ent in ents:
        prev = out[-1] if out else None
        if prev is not None and ent.label_ == "STRAT" and (
                (prev.label_ == "TAXON" and _last_word(ent) in ZONE_WORDS
                 and _touching(ent.doc, prev.end, ent.start, JOINERS))
                or (prev.label_ == "STRAT" and _last_word(prev).casefold() not in RANK_WORDS
                    and _touching(ent.doc, prev.end, ent.start))):
            out[-1] = Span(ent.doc, prev.start, ent.end, label="STRAT")
        else:
            out.append(ent)
    return out


def _taxon_zone(ent: Span, taken: set[int]) -> Span:
    """A taxon followed by a zone word no entity has (`Bristolia zonule`, `“Nevadella” zone`)
    as that zone; any other entity as it is."""
    doc, start, end = ent.doc, ent.start, ent.end
    if start > 0 and end < len(doc) and QUOTES.get(doc[start - 1].text) == doc[end].text \
            and start - 1 not in taken:
        start, end = start - 1, end + 1
    if end < len(doc) and end not in taken and doc[end].text in ZONE_WORDS:
        return Span(doc, start, end + 1, label="STRAT")
    return ent


def _coordinated_zones(ents: list[Span]) -> list[Span]:
    """The taxa coordinated before a zone with a plural head, each a zone."""
    out = list(ents)
    for k in range(len(out) - 1, 0, -1):
        if out[k].label_ != "STRAT" or _last_word(out[k]) not in PLURAL_ZONE_WORDS:
            continue
        j, right = k - 1, out[k].start
        while j >= 0 and out[j].label_ in ("TAXON", "STRAT"):
            between = out[j].doc[out[j].end:right]
            if not between or not all(t.is_space or t.lower_ in COORDINATION for t in between):
                break
            out[j] = Span(out[j].doc, out[j].start, out[j].end, label="STRAT")
            right, j = out[j].start, j - 1
    return out


def join_unit_names(ents: Iterable[Span]) -> list[Span]:
    """`ents` (sorted, not overlapping) with the unit names the recogniser cut apart rejoined,
    as the module docstring says."""
    joined = _join_neighbours(ents)
    taken = {i for ent in joined for i in range(ent.start, ent.end)}
    joined = [_taxon_zone(ent, taken) if ent.label_ == "TAXON" else ent for ent in joined]
    return _coordinated_zones(joined)


class EntityCleanup:
    """Fill gaps from the proposals, then trim, drop and rejoin entities as the module
    docstring says."""

    def __init__(self, name: str = "entity_cleanup", proposals: str | None = None):
        self.name = name
        self.proposals = proposals

    def __call__(self, doc: Doc) -> Doc:
        ents: Iterable[Span] = doc.ents
        if self.proposals is not None and self.proposals in doc.spans:
            ents = select_ents(ents, doc.spans[self.proposals])
        cleaned = join_unit_names(span for span in map(clean_span, ents) if span)
        # Only assign when something changed: assigning `doc.ents` marks unannotated tokens O.
        if [(e.start, e.end, e.label) for e in cleaned] != \
                [(e.start, e.end, e.label) for e in doc.ents]:
            doc.ents = cleaned
        return doc


@Language.factory("paleo_entity_cleanup", assigns=["doc.ents"], requires=["doc.ents"],
                  default_config={"proposals": None})
def make_entity_cleanup(nlp: Language, name: str, proposals: str | None) -> EntityCleanup:
    """proposals: a `doc.spans` key (the entity ruler's `spans_key`) whose spans fill the
    gaps in `doc.ents`; null for none."""
    return EntityCleanup(name, proposals)
