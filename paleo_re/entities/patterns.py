"""Span-ruler patterns for TAXON, STRAT, CHRONO and LOC in messy PDF text.

Two sources feed the ruler:

* phrase patterns from the gazetteers of a vocab directory (`taxa.txt`, `strat_units.txt`,
  `chrono_units.txt`, `localities.txt`, `_` joining words), cleaned of their noise and expanded
  with the forms PDF extraction produces (hyphenation breaks `Ne- vada`, ligatures `ﬁ`,
  upper-case headings), plus the built-in world lists of `lexicon.py`;
* token patterns that generalise: a unit head after capitalised name words (`Marjum Fm`,
  `Aphelaspis Zone`), Latin binomials (`Elrathia kingii`, `C. mucrora`), numbered stages,
  place heads (`Chief Range`) and informal group plurals (`trilobites`).

Each pattern carries an `id`: `gaz` (a listed name), `rule` (a shape) or `block` (a citation,
`Palmer, 1998a`, or an institution, `Queensland Museum`). The ents filter in `filters.py` uses
the ids: blocks remove entities inside them and are never emitted, and on equal length a listed
name beats a shape. Patterns are plain JSON, so they are saved with the pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .lexicon import (
    ABBREVIATED_HEADS,
    CHRONO_HEADS,
    EPITHET_STOPWORDS,
    GROUP_PLURALS,
    INSTITUTION_HEADS,
    LOWER_ZONE_HEADS,
    NAME_STOPWORDS,
    PERIODS,
    PLACE_HEADS,
    PLACE_OF_HEADS,
    PLACE_PREFIXES,
    PLACE_TAILS_LOWER,
    PLACES,
    POSITION_MEMBERS,
    ROCK_HEADS,
    STAGES,
    ZONE_HEADS,
)

Pattern = dict[str, Any]
TokenSpec = dict[str, Any]

VOCAB_FILES = {"taxa.txt": "TAXON", "strat_units.txt": "STRAT", "chrono_units.txt": "CHRONO",
               "localities.txt": "LOC"}
GAZ, RULE, BLOCK = "gaz", "rule", "block"
BLOCK_LABEL = "_BLOCK"

LOWER_CHARS = "a-zß-öø-ÿā-ž\ufb00-\ufb06"  # incl. ligatures ﬀ ﬁ ﬂ ﬃ ﬄ
UPPER_CHARS = "A-ZÀ-ÖØ-Þ"
# A capitalised word; PDF text puts stray diacritics inside words (`Mo¨rbylilla`).
TITLE_RE = rf"^[{UPPER_CHARS}][{LOWER_CHARS}'’¨´˚ˇ]*[{LOWER_CHARS}]$"
BROKEN_START_RE = rf"^[{UPPER_CHARS}][{LOWER_CHARS}]+-$"
LOWER_WORD_RE = rf"^[{LOWER_CHARS}]+$"
ABBREVIATED_GENUS_RE = r"^[A-Z]\.$"
YEAR_RE = r"^(?:1[6-9]|20)\d\d[a-z]?$"
# Endings typical of genus names (the brief's list, plus frequent Cambrian ones).
GENUS_END = ("aspis|aspidella|cephalus|cephalites|cephalina|agnostus|agnostes|discus|lenus|"
             "ellus|ella|ellina|opsis|oides|urus|ura|ops|idae|inae|oidea|pyge|peltis|peltura|"
             "lithus|ites|ina|ia|otus|otes|ocara|ocare|oparia|aspides|ichnus|ocyathus")
GENUS_RE = rf"^[A-Z][a-z]{{2,}}(?:{GENUS_END})$"
HIGHER_TAXON_RE = r"^[A-Z][a-z]{3,}(?:idae|inae|oidea|iida|ida)$"
EPITHET_RE = (r"^[a-z][a-z]{2,}(?:us|is|a|um|i|ae|x|ops|ceps|frons|ensis|oides|odes)$")
STRONG_EPITHET_RE = (r"^[a-z]{3,}(?:ensis|atus|ata|atum|icus|ica|alis|aris|osus|osa|ulus|ula|"
                     r"ifer|ifera|formis|oides|ii|orum|ianus|iana)$")
GROUP_SUFFIX_RE = r"^[a-z]{5,}(?:ids|oids|iids|aceans)$"
GROUP_ADJECTIVE_RE = r"^[a-z]{3,}(?:oid|id|iid|ine|acean|ellid)$"
GROUP_STOPWORDS = frozenset("""solids fluids lipids hybrids pyramids ellipsoids colloids steroids
avoids voids rhomboids trapezoids spheroids sinusoids alkaloids tabloids deltoids paraboloids
ovoids hyperboloids cuboids liquids invalids orchids adenoids nucleoids opioids humanoids
marine fine line pine mine nine shine divine feline canine alpine routine genuine medicine
determine examine define combine underline outline online decline machine engine magazine
pristine intestine discipline doctrine vaccine cuisine baseline coastline shoreline timeline
hairline guideline midline laid paid said afraid braid maid valid vivid solid fluid liquid
rapid acid humid rigid lucid arid placid hybrid pyramid""".split())

LIGATURES = (("ffi", "ﬃ"), ("ffl", "ﬄ"), ("fi", "ﬁ"), ("fl", "ﬂ"), ("ff", "ﬀ"))
COMPASS_ABBREVIATIONS = {"N": "North", "S": "South", "E": "East", "W": "West"}


# --- gazetteers -------------------------------------------------------------------------


def read_vocab(vocab_dir: str | Path) -> dict[str, list[str]]:
    """Raw names per label; `_` joins words and hyphenation breaks (`Shan-_dong`) are joined."""
    vocab: dict[str, list[str]] = {}
    for filename, label in VOCAB_FILES.items():
        path = Path(vocab_dir) / filename
        if not path.exists():
            continue
        names = []
        for line in path.read_text(encoding="utf8").splitlines():
            name = re.sub(r"(\w)- (\w)", r"\1\2", line.strip().replace("_", " "))
            name = re.sub(r"^The ", "", name)
            if name:
                names.append(name)
        vocab[label] = names
    return vocab


def _looks_latin(word: str) -> bool:
    """Genus names end like Latin nouns; surnames and English words mostly do not."""
    return bool(re.search(r"(?:a|us|es|is|um|ops|ys|yx|ax|ex|ix|os|as|ae|i|ia|oides)$", word))


def clean_vocab(raw: dict[str, list[str]]) -> dict[str, set[str]]:
    """Drop the gazetteers' noise: generic words, names filed under the wrong type.

    The seed's lists were harvested by regex, so `taxa.txt` holds surnames, English title words
    and places, `localities.txt` holds rock units, and `strat_units.txt` holds bare heads and
    time units. Each rule here removes a kind of noise, never a listed string by hand.
    """
    heads = set(ROCK_HEADS) | set(ZONE_HEADS) | set(ABBREVIATED_HEADS)
    time_words = PERIODS | STAGES
    chrono = {n for n in raw.get("CHRONO", [])}
    places: set[str] = set()
    for name in raw.get("LOC", []):
        words = name.split()
        if words[-1] in heads or name.lower() in time_words or len(words) == 1 and (
                name.lower() in NAME_STOPWORDS or len(name) < 4):
            continue
        if words[0] in COMPASS_ABBREVIATIONS and len(words) > 1:
            places.add(" ".join([COMPASS_ABBREVIATIONS[words[0]], *words[1:]]))
        places.add(name)
    units: set[str] = set()
    for name in raw.get("STRAT", []):
        words = name.split()
        if len(words) < 2 or words[-1] not in heads:
            continue  # a bare head (`Formation`) or a name without a head (`El Totoral`)
        if any(w.lower() in time_words or w in ("Series", "Stage") for w in words):
            continue
        if all(w in POSITION_MEMBERS for w in words[:-1]):
            continue  # `Upper Member`: left to the rules, which see the context
        units.add(name)
        if words[-1] in ABBREVIATED_HEADS:
            units.add(" ".join([*words[:-1], ABBREVIATED_HEADS[words[-1]]]))
    taxa: set[str] = set()
    known_places = places | PLACES
    for name in raw.get("TAXON", []):
        words = name.split()
        low = name.lower()
        if name in known_places or name in chrono or low in time_words:
            continue
        if low in NAME_STOPWORDS or low in GROUP_PLURALS and len(words) == 1 and name.islower():
            continue
        if re.search(r"(?:ing|ed|ly|ian|ic|al|ese|ish|ist|ogy|ics|ism|ment|ness)$", words[0]):
            continue  # English title words and adjectives (`Calibrating`, `Siberian`)
        if len(words) == 1 and not (_looks_latin(name) or re.match(GENUS_RE, name)):
            continue  # surnames and English nouns (`Shergold`, `Controversy`)
        if len(name) < 5:
            continue
        taxa.add(name)
    return {"TAXON": taxa, "STRAT": units, "CHRONO": chrono | {p.title() for p in PERIODS}
            | {s.title() for s in STAGES}, "LOC": known_places}


def phrase_variants(name: str) -> set[str]:
    """The forms a name takes in PDF text: as is, upper case, ligatures, hyphenation breaks.

    A break (`Ne- vada`) is generated for one word at a time, at every position leaving at
    least two letters on each side, because PDF line ends fall anywhere in a word.
    """
    variants = {name}
    if len(name) > 3:
        variants.add(name.upper())
    for plain, ligature in LIGATURES:
        if plain in name:
            variants.add(name.replace(plain, ligature))
    words = name.split(" ")
    for i, word in enumerate(words):
        if len(word) < 5 or not word.isalpha():
            continue
        for cut in range(2, len(word) - 1):
            broken = f"{word[:cut]}- {word[cut:]}"
            variants.add(" ".join([*words[:i], broken, *words[i + 1:]]))
    return variants


def gazetteer_patterns(vocab: dict[str, set[str]]) -> list[Pattern]:
    patterns = []
    for label, names in sorted(vocab.items()):
        for name in sorted(names):
            for variant in sorted(phrase_variants(name)):
                patterns.append({"label": label, "pattern": variant, "id": GAZ})
    return patterns


# --- token rules ------------------------------------------------------------------------


def _name_word(extra_stop: Iterable[str] = ()) -> TokenSpec:
    stop = sorted(NAME_STOPWORDS | PERIODS | STAGES | {w.lower() for w in extra_stop})
    return {"TEXT": {"REGEX": TITLE_RE}, "LOWER": {"NOT_IN": stop}}


def name_sequences(max_words: int, extra_stop: Iterable[str] = ()) -> list[list[TokenSpec]]:
    """Token sequences for 1..max_words capitalised name words.

    At most one word may be broken by hyphenation (`Car- rara`) or be a hyphen compound
    (`Plagiura-Poliella`), which keeps the number of patterns linear in `max_words`.
    """
    word = _name_word(extra_stop)
    broken = [{"TEXT": {"REGEX": BROKEN_START_RE}}, {"TEXT": {"REGEX": LOWER_WORD_RE}}]
    compound = [word, {"ORTH": {"IN": ["-", "–"]}}, word]
    sequences = []
    for n in range(1, max_words + 1):
        sequences.append([word] * n)
        for i in range(n):
            for special in (broken, compound):
                sequences.append([*([word] * i), *special, *([word] * (n - i - 1))])
    return sequences


def head_variants(heads: Iterable[str]) -> list[list[TokenSpec]]:
    """A head as one token, or broken across a line (`Forma- tion`, `Bio- zone`)."""
    heads = list(heads)
    cuts = [(h[:cut] + "-", h[cut:]) for h in heads if len(h) >= 5 for cut in range(2, len(h) - 1)]
    return [[{"ORTH": {"IN": heads}}],
            [{"ORTH": {"IN": sorted({a for a, _ in cuts})}},
             {"ORTH": {"IN": sorted({b for _, b in cuts})}}]]


def _rule(label: str, tokens: list[TokenSpec], pattern_id: str = RULE) -> Pattern:
    return {"label": label, "pattern": tokens, "id": pattern_id}


def epithet(optional: bool = False) -> TokenSpec:
    spec: TokenSpec = {"TEXT": {"REGEX": EPITHET_RE}, "LOWER": {"NOT_IN": sorted(
        EPITHET_STOPWORDS | NAME_STOPWORDS)}}
    if optional:
        spec["OP"] = "?"
    return spec


def strat_patterns() -> list[Pattern]:
    """Rock units and zones: name words before a head (`Marjum Fm`, `Aphelaspis Zone`).

    Position words (`lower`, `uppermost`) are stop words of the name, so they stay outside.
    """
    out = []
    rock_heads = head_variants(ROCK_HEADS)
    zone_heads = [*head_variants(ZONE_HEADS),
                  [{"ORTH": "Assemblage"}, {"ORTH": {"IN": ["-", "–"]}},
                   {"LOWER": {"IN": ["zone", "zones"]}}]]
    for names in name_sequences(4):
        for head in rock_heads + zone_heads:
            out.append(_rule("STRAT", [*names, *head]))
    mount = {"ORTH": {"IN": ["Mt.", "Mt", "Mount", "St.", "St", "Cape", "Lake"]}}
    for n in (1, 2):
        for head in rock_heads:
            out.append(_rule("STRAT", [mount, *([_name_word()] * n), *head]))
    out.append(_rule("STRAT", [{"ORTH": {"IN": list(POSITION_MEMBERS)}}, {"ORTH": "Member"}]))
    genus = {"TEXT": {"REGEX": TITLE_RE}, "LOWER": {"NOT_IN": sorted(NAME_STOPWORDS)}}
    abbreviated = {"TEXT": {"REGEX": ABBREVIATED_GENUS_RE}}
    subgenus = [{"ORTH": "("}, {"TEXT": {"REGEX": rf"^(?:[A-Z]\.|{TITLE_RE[1:-1]})$"}},
                {"ORTH": ")"}]
    for head in zone_heads:
        out.append(_rule("STRAT", [genus, epithet(), epithet(True), *head]))
        out.append(_rule("STRAT", [abbreviated, epithet(), epithet(True), *head]))
        out.append(_rule("STRAT", [genus, *subgenus, epithet(), *head]))
        out.append(_rule("STRAT", [genus, epithet(True), {"ORTH": {"IN": ["-", "–", "/"]}},
                                   genus, epithet(True), *head]))
        out.append(_rule("STRAT", [abbreviated, epithet(), epithet(True), {"ORTH": "/"},
                                   abbreviated, epithet(), epithet(True), *head]))
        out.append(_rule("STRAT", [{"ORTH": {"IN": ['"', "“", "‘", "'"]}}, genus,
                                   {"ORTH": {"IN": ['"', "”", "’", "'"]}}, *head]))
    taxon_like = {"TEXT": {"REGEX": rf"^[A-Z][a-z]{{2,}}(?:{GENUS_END}|us|a|es)$"}}
    lower_heads = {"ORTH": {"IN": list(LOWER_ZONE_HEADS)}}
    out.append(_rule("STRAT", [taxon_like, epithet(True), epithet(True), lower_heads]))
    out.append(_rule("STRAT", [abbreviated, epithet(), lower_heads]))
    out.append(_rule("STRAT", [{"ORTH": "Zone"}, {"ORTH": "of"}, genus, epithet(),
                               epithet(True)]))
    return out


def chrono_patterns() -> list[Pattern]:
    """Time units. Modifiers and ranges (`early Upper Cambrian`) are added by the ents filter,
    which extends a CHRONO span over the modifiers before it.
    """
    times = sorted(PERIODS | STAGES)
    heads = {"ORTH": {"IN": list(CHRONO_HEADS)}}
    number = {"TEXT": {"REGEX": r"^(?:[1-9]|10)$"}}
    title_an = {"TEXT": {"REGEX": r"^[A-Z][a-z]{2,}(?:an|ian)$"},
                "LOWER": {"NOT_IN": sorted(NAME_STOPWORDS)}}
    return [
        _rule("CHRONO", [{"LOWER": {"IN": times}}]),
        _rule("CHRONO", [{"LOWER": {"IN": times}}, heads]),
        _rule("CHRONO", [title_an, heads]),
        _rule("CHRONO", [_name_word(), {"ORTH": {"IN": ["Stage", "Epoch", "Age"]}}]),
        _rule("CHRONO", [{"LOWER": "cambrian", "OP": "?"},
                         {"ORTH": {"IN": ["Stage", "Series"]}}, number]),
        _rule("CHRONO", [{"LOWER": {"IN": times}}, {"ORTH": {"IN": ["-", "–", "/"]}},
                         {"LOWER": {"IN": times}}]),
        _rule("CHRONO", [{"LOWER": {"IN": ["cambro", "siluro", "ordo"]}}, {"ORTH": "-"},
                         {"LOWER": {"IN": times}}]),
    ]


def taxon_patterns(genera: Iterable[str] = ()) -> list[Pattern]:
    """Binomials, abbreviated binomials, genera by their endings, and group names."""
    genus_suffix = {"TEXT": {"REGEX": GENUS_RE}, "LOWER": {"NOT_IN": sorted(NAME_STOPWORDS)}}
    any_genus = {"TEXT": {"REGEX": TITLE_RE}, "LOWER": {"NOT_IN": sorted(
        NAME_STOPWORDS | PERIODS | STAGES)}}
    strong = {"TEXT": {"REGEX": STRONG_EPITHET_RE}, "LOWER": {"NOT_IN": sorted(
        EPITHET_STOPWORDS)}}
    abbreviated = {"TEXT": {"REGEX": ABBREVIATED_GENUS_RE}}
    subgenus = [{"ORTH": "("}, {"TEXT": {"REGEX": rf"^(?:[A-Z]\.|{TITLE_RE[1:-1]})$"}},
                {"ORTH": ")"}]
    qualifier = [{"LOWER": {"IN": ["cf", "aff"]}}, {"ORTH": "."}]
    out = [
        _rule("TAXON", [genus_suffix]),
        _rule("TAXON", [genus_suffix, epithet(), epithet(True)]),
        _rule("TAXON", [any_genus, strong, epithet(True)]),
        _rule("TAXON", [abbreviated, epithet(), epithet(True)]),
        _rule("TAXON", [abbreviated, *subgenus, epithet()]),
        _rule("TAXON", [any_genus, *subgenus, epithet(True)]),
        _rule("TAXON", [genus_suffix, *qualifier, epithet()]),
        _rule("TAXON", [genus_suffix, {"LOWER": {"IN": ["cf.", "aff."]}}, epithet()]),
        _rule("TAXON", [{"TEXT": {"REGEX": HIGHER_TAXON_RE}}]),
        _rule("TAXON", [{"TEXT": {"REGEX": BROKEN_START_RE}},
                        {"TEXT": {"REGEX": rf"^[a-z]{{2,}}(?:{GENUS_END}|us|a|es)$"}},
                        epithet(True)]),
        _rule("TAXON", [{"LOWER": {"IN": sorted(GROUP_PLURALS)}}]),
        _rule("TAXON", [{"TEXT": {"REGEX": GROUP_SUFFIX_RE},
                         "LOWER": {"NOT_IN": sorted(GROUP_STOPWORDS)}}]),
        _rule("TAXON", [{"TEXT": {"REGEX": GROUP_ADJECTIVE_RE},
                         "LOWER": {"NOT_IN": sorted(GROUP_STOPWORDS)}},
                        {"LOWER": {"IN": sorted(GROUP_PLURALS)}}]),
    ]
    genera = sorted(g for g in genera if " " not in g)
    if genera:
        known = {"ORTH": {"IN": genera}}
        out.append(_rule("TAXON", [known, epithet(), epithet(True)], GAZ))
        out.append(_rule("TAXON", [known, *subgenus, epithet(True)], GAZ))
    return out


def loc_patterns() -> list[Pattern]:
    """Places by their heads (`Chief Range`, `Sokgaejae section`, `Mount Stephen`)."""
    out = []
    tail = {"ORTH": {"IN": list(PLACE_TAILS_LOWER)}, "OP": "?"}
    for names in name_sequences(3):
        for head in head_variants(PLACE_HEADS):
            out.append(_rule("LOC", [*names, *head, tail]))
        out.append(_rule("LOC", [*names, {"ORTH": {"IN": ["section", "quarry"]}}]))
    name = _name_word([*PLACE_HEADS, *ROCK_HEADS, *ZONE_HEADS])
    out.append(_rule("LOC", [{"ORTH": {"IN": list(PLACE_PREFIXES)}}, name,
                             {**name, "OP": "?"}]))
    out.append(_rule("LOC", [{"ORTH": {"IN": list(PLACE_OF_HEADS)}}, {"ORTH": "of"}, name]))
    return out


def block_patterns() -> list[Pattern]:
    """Spans whose words are never entities: citations and institutions."""
    title = {"TEXT": {"REGEX": TITLE_RE}}
    year = {"TEXT": {"REGEX": YEAR_RE}}
    out = [
        _rule(BLOCK_LABEL, [title, {"ORTH": ","}, year], BLOCK),
        _rule(BLOCK_LABEL, [title, {"ORTH": "("}, year], BLOCK),
        _rule(BLOCK_LABEL, [title, year], BLOCK),
        _rule(BLOCK_LABEL, [title, {"LOWER": "et"}, {"LOWER": {"IN": ["al", "al."]}}], BLOCK),
        _rule(BLOCK_LABEL, [title, {"ORTH": {"IN": ["and", "&"]}}, title, {"ORTH": ",",
                                                                              "OP": "?"}, year],
              BLOCK),
    ]
    for n in range(1, 4):
        out.append(_rule(BLOCK_LABEL, [*([title] * n), {"ORTH": {"IN": list(INSTITUTION_HEADS)}}],
                         BLOCK))
    return out


def rule_patterns(genera: Iterable[str] = ()) -> list[Pattern]:
    return [*strat_patterns(), *chrono_patterns(), *taxon_patterns(genera), *loc_patterns(),
            *block_patterns()]


def build_patterns(vocab_dir: str | Path | None) -> list[Pattern]:
    """All patterns: cleaned gazetteers from `vocab_dir` (if given), lexicon lists, rules."""
    raw = read_vocab(vocab_dir) if vocab_dir is not None else {}
    vocab = clean_vocab(raw)
    genera = {name for name in vocab["TAXON"] if " " not in name}
    return [*gazetteer_patterns(vocab), *rule_patterns(genera)]

