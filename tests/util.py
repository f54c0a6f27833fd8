"""Test helpers: one doc builder, a separable toy data set, and training in a few lines."""

from __future__ import annotations

import random
import re

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from paleo_re.io.annotations import record_to_doc

NLP = spacy.blank("en")
_MARK = re.compile(r"\[([^\]|]+)\|(\w+)\]")


def make_doc(text: str, ents: list[tuple[str, str]] | None = None, *, nlp: Language = NLP,
             sentences: bool = False) -> Doc:
    """A doc of `text` with entities given as (substring, label), each found after the one
    before; without `ents`, marked inline as `[name|LABEL]`. With `sentences`, a sentence
    starts after every `.` token."""
    if ents is None:
        plain, ents, pos = "", [], 0
        for m in _MARK.finditer(text):
            plain += text[pos:m.start()] + m[1]
            ents.append((m[1], m[2], len(plain) - len(m[1])))
            pos = m.end()
        text = plain + text[pos:]
        spans = [{"start": s, "end": s + len(piece), "label": label} for piece, label, s in ents]
    else:
        spans, start = [], 0
        for piece, label in ents:
            start = text.index(piece, start)
            spans.append({"start": start, "end": start + len(piece), "label": label})
            start += len(piece)
    doc = record_to_doc(nlp.make_doc, {"text": text, "entities": spans})
    if sentences:
        for token in doc:
            token.is_sent_start = token.i == 0 or doc[token.i - 1].text == "."
    return doc


TAXA = ["Olenellus", "Elrathia kingii", "Paradoxides", "Redlichia", "Peronopsis", "Wiwaxia",
        "Marrella", "Kootenia", "Ogygopsis", "Bathyuriscus", "Asaphiscus", "Ehmaniella"]
UNITS = ["Wheeler", "Marjum", "Pioche", "Carrara", "Kinzers", "Stephen", "Kaili", "Spence",
         "Latham", "Emigrant"]
PLACES = ["Utah", "Nevada", "Yunnan", "Morocco", "Sweden", "Queensland", "Greenland", "Spain"]
TIMES = ["Wuliuan", "Drumian", "Guzhangian", "Dyeran", "Furongian", "Stage 4"]


def _record(parts: list[tuple[str, str | None]], relations: list[tuple[int, int, str]]) -> dict:
    """Join (text, entity label or None) pieces into a record; relations index entities."""
    text, entities = "", []
    for piece, label in parts:
        if label:
            entities.append({"start": len(text), "end": len(text) + len(piece), "label": label})
        text += piece
    return {"text": text, "entities": entities,
            "relations": [{"head": h, "tail": t, "label": lab} for h, t, lab in relations]}


def toy_records(n: int, seed: int = 0) -> list[dict]:
    """Sentences whose relation is decided by one cue word, so any working model separates them."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        taxon, place, time = rng.choice(TAXA), rng.choice(PLACES), rng.choice(TIMES)
        unit, unit2 = rng.sample(UNITS, 2)
        kind = i % 6
        if kind == 0:
            out.append(_record([(taxon, "TAXON"), (" occurs in the ", None),
                                (f"{unit} Formation", "STRAT"), (".", None)],
                               [(0, 1, "occurs_in")]))
        elif kind == 1:
            out.append(_record([(taxon, "TAXON"), (" is absent from the ", None),
                                (f"{unit} Formation", "STRAT"), (".", None)], []))
        elif kind == 2:
            out.append(_record([(taxon, "TAXON"), (" was collected at ", None), (place, "LOC"),
                                (".", None)], [(0, 1, "found_at")]))
        elif kind == 3:
            out.append(_record([("The ", None), (f"{unit} Formation", "STRAT"),
                                (" is dated to the ", None), (time, "CHRONO"), (".", None)],
                               [(0, 1, "assigned_to")]))
        elif kind == 4:
            out.append(_record([("The ", None), (f"{unit} Member", "STRAT"), (" of the ", None),
                                (f"{unit2} Formation", "STRAT"), (" is thin.", None)],
                               [(0, 1, "part_of")]))
        else:
            out.append(_record([("The ", None), (f"{unit} Formation", "STRAT"),
                                (" overlies the ", None), (f"{unit2} Formation", "STRAT"),
                                (" near ", None), (place, "LOC"), (".", None)], []))
    return out


def make_examples(nlp, records: list[dict]) -> list[Example]:
    examples = []
    for record in records:
        reference = record_to_doc(nlp.make_doc, record)
        examples.append(Example(nlp.make_doc(reference.text), reference))
    return examples


def train(nlp, examples: list[Example], epochs: int, seed: int = 0):
    """Initialize and train `nlp` on `examples` in batches of 8."""
    random.seed(seed)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(epochs):
        random.shuffle(examples)
        for i in range(0, len(examples), 8):
            nlp.update(examples[i:i + 8], sgd=optimizer)
    return nlp


def unwrapped(printed: str) -> str:
    """Console text with line wrapping undone: wasabi wraps messages at 80 columns, so where a
    line breaks depends on the length of the temporary paths in it."""
    return " ".join(printed.split())


def toy_pipeline(n_records: int = 120, epochs: int = 10) -> Language:
    """Sentences, rule entities and a relation extractor trained on the toy set."""
    from paleo_re.entities import add_sentencizer, make_entity_ruler

    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor")
    train(nlp, make_examples(nlp, toy_records(n_records)), epochs=epochs)
    add_sentencizer(nlp)
    make_entity_ruler(nlp, None, before="relation_extractor")
    nlp.meta.update(name="toy_paleo", version="0.0.1")
    return nlp
