"""Shared fixtures: a separable toy data set and a tiny, randomly initialised local BERT."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import spacy
from spacy.training import Example

from paleo_re.io.annotations import record_to_doc

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


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide BERT with random weights and a word-level vocab, saved locally."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = tmp_path_factory.mktemp("tiny_bert")
    words = {w.lower() for r in toy_records(60) for w in r["text"].replace(".", " . ").split()}
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(words),
             *"abcdefghijklmnopqrstuvwxyz0123456789.,;:()-'",
             *(f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789")]
    (path / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf8")
    BertTokenizerFast(vocab_file=str(path / "vocab.txt")).save_pretrained(path)
    config = BertConfig(vocab_size=len(dict.fromkeys(vocab)), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    BertModel(config).save_pretrained(path)
    return path


def unwrapped(printed: str) -> str:
    """Console text with line wrapping undone: wasabi wraps messages at 80 columns, so where a
    line breaks depends on the length of the temporary paths in it."""
    return " ".join(printed.split())


@pytest.fixture
def blank_nlp():
    return spacy.blank("en")
