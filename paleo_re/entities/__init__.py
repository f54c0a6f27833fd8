"""Entities from raw text: the rule layer (a configured `span_ruler`), sentence splitting and
the cleanup after `ner`.

`make_entity_ruler(nlp, vocab_dir)` adds spaCy's `span_ruler` set to write `doc.ents`, filled
with the patterns of `patterns.py`; the patterns are stored with the pipeline, so a saved
pipeline needs no vocab directory. `add_sentencizer(nlp)` adds the `paleo_sentencizer`.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.pipeline import SpanRuler

from . import filters as _filters  # noqa: F401  (registers paleo_re.longest_ents_filter.v1)
from .cleanup import EntityCleanup, make_entity_cleanup
from .patterns import build_patterns
from .sentences import PaleoSentencizer, make_paleo_sentencizer

__all__ = ["EntityCleanup", "PaleoSentencizer", "add_sentencizer", "make_entity_cleanup",
           "make_entity_ruler", "make_paleo_sentencizer", "make_rules_nlp"]


def make_entity_ruler(nlp: Language, vocab_dir: str | Path | None, name: str = "entity_ruler",
                      before: str | None = None, after: str | None = None,
                      overwrite: bool = False, proposals: str | None = None) -> SpanRuler:
    """Add a `span_ruler` named `name` that sets `doc.ents` from the rule patterns.

    `vocab_dir` holds the gazetteers (`taxa.txt`, `strat_units.txt`, `chrono_units.txt`,
    `localities.txt`); `None` uses only the built-in lists and rules. With `overwrite=False`,
    entities already on the doc are kept and the rules only fill the gaps. With `proposals`,
    every match goes to `doc.spans[proposals]` instead, for `paleo_entity_cleanup` to fill
    the gaps `ner` leaves.
    """
    config = {
        "spans_key": proposals,
        "spans_filter": None,
        "annotate_ents": proposals is None,
        "ents_filter": {"@misc": "paleo_re.longest_ents_filter.v1"},
        "overwrite": overwrite,
        "validate": False,
    }
    ruler = nlp.add_pipe("span_ruler", name=name, config=config, before=before, after=after)
    assert isinstance(ruler, SpanRuler)
    ruler.add_patterns(build_patterns(vocab_dir))
    return ruler


def make_rules_nlp(vocab_dir: str | Path | None) -> Language:
    """A blank English pipeline with the sentencizer and the entity ruler: the rule layer on
    its own, for weak labeling and the rules-only baseline."""
    import spacy

    nlp = spacy.blank("en")
    add_sentencizer(nlp)
    make_entity_ruler(nlp, vocab_dir)
    return nlp


def add_sentencizer(nlp: Language, name: str = "paleo_sentencizer", first: bool = True
                    ) -> PaleoSentencizer:
    """Add the `paleo_sentencizer` (first in the pipeline by default)."""
    component = nlp.add_pipe("paleo_sentencizer", name=name, first=first)
    assert isinstance(component, PaleoSentencizer)
    return component
