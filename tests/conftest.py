"""Shared fixtures: a tiny, randomly initialised local BERT and a blank pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from util import toy_records


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


@pytest.fixture
def blank_nlp():
    return spacy.blank("en")
