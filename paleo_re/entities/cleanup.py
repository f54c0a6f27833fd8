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
Crepicephalus Zones`). Taxon names are read as the guidelines write them too: a name cut at
its qualifier is one name (`Parabolina` + `?` + `naomi`, `Skreiaspis aff` + `. spinosus`,
`Hypagnostus parvifrons` + `mammillatus`), so is a genus with its subgenus (`Kaotaia` +
`(Langqia)`), an author after a name and a lower-case group word before it are not part of
it (`Archaeaspis Repina`, `agnostoid Lejopyge armata`), and words for growth stages and
body parts in lower case (`protaspis`, `sclerites`) and group words in the singular
(`agnostoid`) are not taxa. A lower-case position word before a named unit stays outside
it (`upper Daroca Formation` -> `Daroca Formation`), a place takes in a `Province` or
`County` right after it and has a capital letter or a digit in its name (not `breccia`), an
age takes in its qualifier in French or Spanish (`Cambrien inférieur`, `Cámbrico
Superior`), and a one-word taxon, unit or age followed by a year or `et al.` is the author
of a citation (`Repina, 1990`). Any name takes in both halves of a word broken at a line
end (`Aus- tralia`, `Pale- ozoic`) and ends on neither a lower-case function word nor an
opening bracket or comma (`Cámbrico Superior de`). It has no state beyond its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .filters import select_ents
from .lexicon import LOWER_ZONE_HEADS, ROCK_HEADS, ZONE_HEADS

# A zone's head word, in the case it is written in ("assemblage" alone is not a zone name).
ZONE_WORDS = {*ZONE_HEADS, *LOWER_ZONE_HEADS, "zonule", "zonules", "biomere"}
PLURAL_ZONE_WORDS = {word for word in ZONE_WORDS if word.endswith("s")}
PLURAL_ROCK_WORDS = {"formations", "members", "groups", "shales", "limestones", "beds",
                     "dolomites", "sandstones", "fms", "mbrs"}
RANK_WORDS = {head.casefold() for head in (*ROCK_HEADS, *ZONE_WORDS)}
JOINERS = {"-", "–", "—", "”", "\"", "’"}  # between the taxa of a zone, or a closing quote
QUOTES = {"“": "”", "\"": "\"", "‘": "’"}
COORDINATION = {",", "and", "or", "&"}
# Between a genus and its species, inside the name: `?`, `(?)`, `cf.`, `aff.`, `var.`
QUALIFIERS = {"?", "(", ")", ".", "cf", "aff", "var", "cf.", "aff.", "var."}
QUALIFIER_WORDS = {"?", "cf", "aff", "var", "cf.", "aff.", "var."}
# A group word in the singular (`agnostoid`, `ptychopariid`) is a modifier, not a taxon; the
# plural (`agnostoids`) is one.
SINGULAR_GROUP = re.compile(r"[A-Za-z][a-z]+(?:id|oid)")
# A higher taxon in brackets after a genus (`Isoxys (Arthropoda)`) is not its subgenus.
HIGHER_TAXON = re.compile(r"(?:ida|ita|oda)$")
# The word a name takes in right after it, by type (a place's `Province`, as written; an
# age's French or Spanish qualifier, in any case).
NEXT_WORDS = {"LOC": {"Province", "County"},
              "CHRONO": {"inférieur", "inferieur", "supérieur", "superieur", "supe´rieur",
                         "moyen", "inferior", "superior", "medio"}}
# Never the last word of a name: an opening bracket, a comma, a function word.
NOT_LAST = {"(", "[", ",", ";", ":", "of", "the", "and", "or", "in", "at", "from", "to", "with",
            "by", "on", "de", "del", "du", "des", "der", "di"}
BROKEN = re.compile(r"[^\W\d_]-$")  # the first half of a word broken at a line end
CITATION = re.compile(r"\s*[,(]?\s*(?:1[789]\d\d|20\d\d)[a-z]?\b|\s+et al\b")
POSITION_WORDS = {"lower", "upper", "middle", "basal", "lowermost", "uppermost", "lowest",
                  "topmost"}
# Growth stages and body parts: written in lower case they are never a taxon name.
# (Their singular `-id` forms are group words in the singular, SINGULAR_GROUP.)
NOT_TAXA = {"protaspis", "protaspides", "protaspids", "meraspis", "meraspids", "meraspides",
            "holaspis", "holaspids", "glabella", "glabellae", "cranidium", "cranidia",
            "pygidium", "pygidia", "cephalon", "cephala", "thorax", "opisthothorax", "sclerite",
            "sclerites", "specimen", "specimens", "librigena", "librigenae", "hypostome",
            "hypostomes", "exoskeleton", "exoskeletons"}


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
        if out[k].label_ == "STRAT" and _last_word(out[k]) in PLURAL_ZONE_WORDS:
            j, right = k - 1, out[k].start
            while j >= 0 and out[j].label_ in ("TAXON", "STRAT"):
                if not _coordinated(out[j].doc[out[j].end:right]):
                    break
                out[j] = Span(out[j].doc, out[j].start, out[j].end, label="STRAT")
                right, j = out[j].start, j - 1
    return out


def _coordinated(between: Span) -> bool:
    return bool(between) and all(t.is_space or t.lower_ in COORDINATION for t in between)


def _coordinated_units(ents: list[Span]) -> list[Span]:
    """Capitalised names without an entity, coordinated before a unit whose rock head is
    plural, as units of their own (`Henson Gletscher and Kap Stanton formations`)."""
    if not ents:
        return ents
    doc = ents[0].doc
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    added = []
    for ent in ents:
        if ent.label_ != "STRAT" or _last_word(ent).casefold() not in PLURAL_ROCK_WORDS:
            continue
        right = ent.start
        # walk left over coordinators, then over the capitalised words of a name
        while True:
            i = right - 1
            while i >= 0 and i not in taken and (
                    doc[i].text == " " or doc[i].lower_ in COORDINATION):
                i -= 1
            end = i + 1
            while i >= 0 and i not in taken and doc[i].is_title and doc[i].is_alpha \
                    and not doc[i].is_stop:
                i -= 1
            if end == i + 1 or end == right:
                break
            added.append(Span(doc, i + 1, end, label="STRAT"))
            right = i + 1
    return sorted([*ents, *added], key=lambda e: e.start)


def _epithet(token: Token) -> bool:
    return token.is_alpha and token.is_lower and len(token) > 1 and not token.is_stop


def _join_taxon_names(ents: list[Span]) -> list[Span]:
    """A taxon cut at its qualifier, or a trinomial cut before its last word, as one taxon.
    The later pieces (TAXON entities or plain words) are taken in."""
    out: list[Span] = []
    k = 0
    while k < len(ents):
        ent = ents[k]
        k += 1
        if ent.label_ != "TAXON" or not ent[0].text[:1].isupper():
            out.append(ent)
            continue
        doc, end, qualified = ent.doc, ent.end, ent[-1].lower_ in QUALIFIER_WORDS
        i, absorbed = end, k
        while i < len(doc):
            nxt = ents[absorbed] if absorbed < len(ents) else None
            if nxt is not None and nxt.start == i and nxt.label_ != "TAXON":
                break
            token = doc[i]
            if token.lower_ in QUALIFIERS:
                qualified = qualified or token.lower_ in QUALIFIER_WORDS
            elif _epithet(token):
                # a plain word is an epithet after a qualifier, a TAXON piece after none
                in_taxon = nxt is not None and nxt.start <= i < nxt.end
                if qualified or (in_taxon and i == end and len(nxt) == 1):
                    end = max(i + 1, nxt.end if in_taxon else i + 1)
                break
            else:
                break
            if nxt is not None and i + 1 >= nxt.end:
                absorbed += 1
            i += 1
        if end == ent.end:
            out.append(ent)
            continue
        while k < len(ents) and ents[k].start < end:
            k += 1
        out.append(Span(doc, ent.start, end, label="TAXON"))
    return out


def _join_subgenus(ents: list[Span]) -> list[Span]:
    """A genus followed by its subgenus in brackets as one taxon (`Oncagnostus
    (Oncagnostus)`, `K. (Koldinioidia)`), with the species epithet when the recogniser marked
    it as a taxon right after; the entities inside are taken in."""
    out: list[Span] = []
    k = 0
    while k < len(ents):
        ent = ents[k]
        k += 1
        doc, i = ent.doc, ent.start + 1
        genus = ent[0].is_title and (ent[0].is_alpha or re.fullmatch(r"[A-Z]\.", ent[0].text))
        if not (ent.label_ == "TAXON" and genus and i + 2 < len(doc) and ent.end <= i + 3
                and doc[i].text == "(" and doc[i + 2].text == ")" and doc[i + 1].is_title
                and doc[i + 1].is_alpha and not HIGHER_TAXON.search(doc[i + 1].text)):
            out.append(ent)
            continue
        end = i + 3
        while k < len(ents) and ents[k].start < end:
            k += 1
        if k < len(ents) and ents[k].start == end and ents[k].label_ == "TAXON" \
                and ents[k][0].is_lower:
            end = ents[k].end
            k += 1
        out.append(Span(doc, ent.start, end, label="TAXON"))
    return out


def _trim_taxon(ent: Span) -> Span | None:
    """A taxon without the author after it or the lower-case group words before its
    capitalised name; None for a growth stage, a body part or a group word in the
    singular."""
    if ent.text in NOT_TAXA or (len(ent) == 1 and SINGULAR_GROUP.fullmatch(ent.text)):
        return None
    first = next((i for i, t in enumerate(ent) if t.text[:1].isupper()), 0)
    if first and all(t.is_lower or t.is_space for t in ent[:first]):
        ent = Span(ent.doc, ent.start + first, ent.end, label="TAXON")
    last = ent[-1]
    if len(ent) > 1 and last.is_title and last.is_alpha and len(last) > 1 \
            and not last.text.endswith("s"):
        return Span(ent.doc, ent.start, ent.end - 1, label="TAXON")
    return ent


def _join_broken_words(ents: list[Span]) -> list[Span]:
    """Names that take in the other half of a word broken at a line end: the lower-case rest
    after `Aus-`, the `Pale-` before `ozoic`; a name holding the rest is joined."""
    if not ents:
        return ents
    doc = ents[0].doc
    owner = {i: k for k, ent in enumerate(ents) for i in range(ent.start, ent.end)}
    spans = [(ent.start, ent.end) for ent in ents]
    for k, (start, end) in enumerate(spans):
        if start > 0 and start - 1 not in owner and BROKEN.search(doc[start - 1].text) \
                and doc[start - 1].whitespace_ and doc[start].is_lower:
            start -= 1
        if end < len(doc) and BROKEN.search(doc[end - 1].text) and doc[end - 1].whitespace_ \
                and doc[end].is_lower and doc[end].is_alpha and not doc[end].is_stop:
            nxt = owner.get(end)
            if nxt is None:
                end += 1
            elif ents[nxt].label == ents[k].label and ents[nxt].start == end:
                end = ents[nxt].end
        spans[k] = (start, end)
    out: list[Span] = []
    for ent, (start, end) in zip(ents, spans):
        if out and start < out[-1].end:
            continue  # the rest of this one's broken word went into the name before it
        out.append(ent if (start, end) == (ent.start, ent.end)
                   else Span(doc, start, end, label=ent.label))
    return out


def _trim_tail(ent: Span) -> Span | None:
    """A name without the function words or brackets it ran on into."""
    end = ent.end
    while end > ent.start and ent.doc[end - 1].text in NOT_LAST:
        end -= 1
    if end == ent.end:
        return ent
    return clean_span(Span(ent.doc, ent.start, end, label=ent.label)) if end > ent.start \
        else None


def _split_units(ent: Span) -> list[Span]:
    """Units run together (`Candland Shale Johns Wash Limestone Member`, a table's column):
    split after a capitalised rank word followed by a capitalised name word; a piece with
    no rank word after the first is not a unit (`Pioche Shale Feet`)."""
    cuts = [ent.start]
    for token in ent[:-1]:
        nxt = token.nbor()
        words = token.text.replace("_", " ").split()
        if token.is_title and words and words[-1].casefold() in RANK_WORDS and nxt.is_title \
                and nxt.is_alpha and len(nxt) > 1 and nxt.lower_ not in RANK_WORDS:
            cuts.append(nxt.i)
    if len(cuts) == 1:
        return [ent]
    pieces = [Span(ent.doc, a, b, label="STRAT") for a, b in zip(cuts, [*cuts[1:], ent.end])]
    return [pieces[0], *(p for p in pieces[1:]
                         if any(t.lower_ in RANK_WORDS for t in p))]


def _trim_position(ent: Span) -> Span:
    """A named unit without a lower-case position word before it (not `middle member`)."""
    if len(ent) > 1 and ent[0].text in POSITION_WORDS and any(
            t.is_title and t.lower_ not in RANK_WORDS for t in ent[1:]):
        return Span(ent.doc, ent.start + 1, ent.end, label="STRAT")
    return ent


def _citation(ent: Span) -> bool:
    """A one-word name followed by a year or `et al.`: an author, not a taxon or a unit."""
    doc = ent.doc
    return len(ent) == 1 and ent[0].is_title and ent.label_ != "LOC" and bool(
        CITATION.match(doc.text, ent.end_char))


def _take_next_word(ent: Span, taken: set[int]) -> Span:
    """`ent` with the word of `NEXT_WORDS` for its type right after it, if no entity has it."""
    doc, end, words = ent.doc, ent.end, NEXT_WORDS.get(ent.label_, set())
    if end < len(doc) and end not in taken and (doc[end].text in words
                                                or doc[end].lower_ in words):
        return Span(doc, ent.start, end + 1, label=ent.label)
    return ent


def trim_names(ents: Iterable[Span]) -> list[Span]:
    """Taxon, unit and place names as the guidelines delimit them (the module docstring)."""
    ents = _join_taxon_names(_join_subgenus(_join_broken_words(list(ents))))
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    out = []
    for ent in ents:
        ent = _trim_tail(ent)
        if ent is None or _citation(ent):
            continue
        if ent.label_ == "LOC" and not any(c.isupper() or c.isdigit() for c in ent.text):
            continue  # a common noun (`breccia`, `small gully`), not a place name
        ent = _take_next_word(ent, taken)
        if ent.label_ == "TAXON":
            ent = _trim_taxon(ent)
        elif ent.label_ == "STRAT":
            out.extend(_trim_position(piece) for piece in _split_units(ent))
            continue
        if ent is not None:
            out.append(ent)
    return out


def join_unit_names(ents: Iterable[Span]) -> list[Span]:
    """`ents` (sorted, not overlapping) with the unit names the recogniser cut apart rejoined,
    as the module docstring says."""
    joined = _join_neighbours(ents)
    taken = {i for ent in joined for i in range(ent.start, ent.end)}
    joined = [_taxon_zone(ent, taken) if ent.label_ == "TAXON" else ent for ent in joined]
    return _coordinated_units(_coordinated_zones(joined))


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
        cleaned = join_unit_names(trim_names(span for span in map(clean_span, ents) if span))
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
