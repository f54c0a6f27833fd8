"""The weak labeling rules: each fires on its pattern and stays silent on its hard negative."""

from __future__ import annotations

import re

import pytest
import spacy
import srsly
from spacy.tokens import Doc

from paleo_re.io.annotations import record_to_doc
from paleo_re.schema import DEFAULT
from paleo_re.weak import RULES, fire, label_doc, label_docs
from paleo_re.weak.measure import format_table, measure

NLP = spacy.blank("en")


def make(text: str) -> Doc:
    """A doc from text with entities marked inline as `[name|LABEL]`."""
    plain, entities, pos = "", [], 0
    for m in re.finditer(r"\[([^\]|]+)\|(\w+)\]", text):
        plain += text[pos:m.start()]
        entities.append({"start": len(plain), "end": len(plain) + len(m[1]), "label": m[2]})
        plain += m[1]
        pos = m.end()
    plain += text[pos:]
    return record_to_doc(NLP.make_doc, {"text": plain, "entities": entities})


def triples(doc: Doc) -> set[tuple[str, str, str]]:
    return {(r.head.text, r.label, r.tail.text) for r in label_doc(doc, DEFAULT)}


def rules_fired(doc: Doc) -> set[str]:
    return {rule.key for _, _, rule in fire(doc, DEFAULT)}


# --- TAXON -> STRAT / LOC ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "[Olenellus gilberti|TAXON] was collected from the [Pioche Shale|STRAT].",
    "[Olenellus gilberti|TAXON] is known from the [Pioche Shale|STRAT].",
    "Specimens of [Olenellus gilberti|TAXON] were described from the [Pioche Shale|STRAT].",
])
def test_from_prep_occurs_in(text):
    assert triples(make(text)) == {("Olenellus gilberti", "occurs_in", "Pioche Shale")}
    assert "from_prep/occurs_in" in rules_fired(make(text))


def test_in_prep_occurs_in():
    doc = make("[Redlichia|TAXON] occurs in the [Kaili Formation|STRAT].")
    assert triples(doc) == {("Redlichia", "occurs_in", "Kaili Formation")}
    assert "in_prep/occurs_in" in rules_fired(doc)


def test_compound_gives_occurs_in_and_found_at():
    doc = make("[Olenellus|TAXON] from the [Pioche Shale|STRAT] of [Nevada|LOC].")
    assert triples(doc) == {("Olenellus", "occurs_in", "Pioche Shale"),
                            ("Olenellus", "found_at", "Nevada")}


def test_list_distributes():
    doc = make("[Elrathia|TAXON], [Asaphiscus|TAXON] and [Peronopsis|TAXON] from the "
               "[Wheeler Formation|STRAT].")
    assert triples(doc) == {(t, "occurs_in", "Wheeler Formation")
                            for t in ("Elrathia", "Asaphiscus", "Peronopsis")}


def test_place_list_with_brackets():
    doc = make("[Kormagnostus|TAXON] is known from [China|LOC] ([Hunan|LOC], [Liaoning|LOC]), "
               "[Greenland|LOC] and [Kazakhstan|LOC] (Ergaliev, 1983).")
    assert {t for _, _, t in triples(doc)} == {"China", "Hunan", "Liaoning", "Greenland",
                                               "Kazakhstan"}


def test_reference_title():
    doc = make("Early Cambrian [trilobites|TAXON] from [Yichun|LOC].")
    assert triples(doc) == {("trilobites", "found_at", "Yichun")}


def test_title_of():
    doc = make("[Trilobites|TAXON] of the [Cow Head Group|STRAT], [western Newfoundland|LOC].")
    assert triples(doc) == {("Trilobites", "occurs_in", "Cow Head Group"),
                            ("Trilobites", "found_at", "western Newfoundland")}


def test_catalogue_entry():
    doc = make("[Prochuangia licinispicata|TAXON] Peng (1992, p. 75), [Changshanian|CHRONO], "
               "[Chuangia Zone|STRAT], [Hunan|LOC], [China|LOC].")
    assert triples(doc) == {
        ("Prochuangia licinispicata", "occurs_in", "Chuangia Zone"),
        ("Prochuangia licinispicata", "found_at", "Hunan"),
        ("Prochuangia licinispicata", "found_at", "China"),
        ("Chuangia Zone", "assigned_to", "Changshanian"),
    }


def test_yields():
    doc = make("The [Wheeler Formation|STRAT] yields abundant [Elrathia kingii|TAXON] and "
               "[Peronopsis|TAXON].")
    assert triples(doc) == {("Elrathia kingii", "occurs_in", "Wheeler Formation"),
                            ("Peronopsis", "occurs_in", "Wheeler Formation")}


def test_fronted_place():
    doc = make("In [China|LOC], [J. sinensis|TAXON] is found in the [Yosimuraspis Zone|STRAT].")
    assert triples(doc) == {("J. sinensis", "found_at", "China"),
                            ("J. sinensis", "occurs_in", "Yosimuraspis Zone")}


@pytest.mark.parametrize("text", [
    "[Olenellus|TAXON] is absent from the [Pioche Shale|STRAT].",
    "[Paradoxides|TAXON] has not been recorded from the [Pioche Shale|STRAT].",
    "Unlike [Olenellus|TAXON], which is common in the [Pioche Shale|STRAT], it is rare.",
    "In contrast to [Olenellus|TAXON] from the [Pioche Shale|STRAT], this form is smooth.",
    "[Olenellus|TAXON] is compared with forms from the [Pioche Shale|STRAT].",
    "[Olenellus|TAXON] occurs in [Utah|LOC]; the [Pioche Shale|STRAT] is barren.",
    "[Olenellus|TAXON] occurs in [Utah|LOC], whereas the [Pioche Shale|STRAT] is barren.",
    "[Olenellus|TAXON] is common, but rare in the [Pioche Shale|STRAT].",
    "The [Pioche Shale|STRAT] does not yield [Olenellus|TAXON].",
])
def test_negation_contrast_and_boundaries_veto(text):
    labels = {(h, lab, t) for h, lab, t in triples(make(text))}
    assert not any(t == "Pioche Shale" for _, _, t in labels)


def test_clause_verb_stops_reach():
    doc = make("[Redlichia|TAXON] occurs in the [Kaili Formation|STRAT], which overlies the "
               "[Balang Formation|STRAT].")
    assert triples(doc) == {("Redlichia", "occurs_in", "Kaili Formation")}


def test_other_taxon_owns_its_tail():
    doc = make("[Olenellus|TAXON] occurs in [Nevada|LOC] and [Paradoxides|TAXON] in "
               "[Morocco|LOC].")
    assert ("Olenellus", "found_at", "Morocco") not in triples(doc)
    assert ("Paradoxides", "found_at", "Morocco") in triples(doc)


def test_bracketed_higher_taxon_is_not_the_subject():
    doc = make("[Corynexochida|TAXON] ([Trilobita|TAXON]) of the [Ehmaniella Biozone|STRAT].")
    assert triples(doc) == {("Corynexochida", "occurs_in", "Ehmaniella Biozone")}


def test_questioned_and_hedged_records_are_skipped():
    doc = make("[Kormagnostus|TAXON] occurs in [Australia|LOC] ([Queensland|LOC], ? "
               "[Tasmania|LOC]) and possibly [Russia|LOC].")
    assert {t for _, _, t in triples(doc)} == {"Australia", "Queensland"}


def test_collection_home_is_not_a_find_spot():
    doc = make("Type material of [trilobites|TAXON] held in the museum in [Calcutta|LOC].")
    assert triples(doc) == set()


# --- STRAT -> CHRONO --------------------------------------------------------------------------


@pytest.mark.parametrize("text, chrono", [
    ("the [Upper Cambrian|CHRONO] [Dunderburg Formation|STRAT] is thin", "Upper Cambrian"),
    ("the [Wheeler Formation|STRAT] ([Stage 5|CHRONO]) is thin", "Stage 5"),
    ("the [Pioche Formation|STRAT], [Dyeran|CHRONO].", "Dyeran"),
    ("a [Guzhangian|CHRONO] age for the [Wheeler Formation|STRAT].", "Guzhangian"),
])
def test_assigned_to(text, chrono):
    rels = triples(make(text))
    assert len(rels) == 1
    assert next(iter(rels))[1:] == ("assigned_to", chrono)


def test_member_takes_the_date_not_its_formation():
    doc = make("the [Combined Metals Member|STRAT] ([Pioche Formation|STRAT], uppermost "
               "[Dyeran Stage|CHRONO]) at Ruin Wash")
    assert triples(doc) == {("Combined Metals Member", "part_of", "Pioche Formation"),
                            ("Combined Metals Member", "assigned_to", "Dyeran Stage")}


def test_time_unit_not_next_to_unit_gives_nothing():
    doc = make("[Cambrian|CHRONO] [trilobites|TAXON] from the [Wheeler Formation|STRAT].")
    assert triples(doc) == {("trilobites", "occurs_in", "Wheeler Formation")}


# --- STRAT -> STRAT ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "the [Wheeler Member|STRAT] of the [Marjum Formation|STRAT] is thin",
    "the [Wheeler Member|STRAT] ([Marjum Formation|STRAT]) is thin",
    "[Big Horse Limestone Member|STRAT], [Marjum Formation|STRAT], Utah",
    "the [Peltura paradoxa Subzone|STRAT] of the [P. scarabaeoides Zone|STRAT] is thin",
])
def test_part_of(text):
    rels = triples(make(text))
    assert len(rels) == 1 and next(iter(rels))[1] == "part_of"


@pytest.mark.parametrize("text", [
    "the [Ptychagnostus atavus Zone|STRAT] of the [Wheeler Formation|STRAT] is thin",
    "the [Wheeler Formation|STRAT] overlies the [Swasey Member|STRAT]",
    "the [Marjum Formation|STRAT] of the [Wheeler Member|STRAT]",
    "the [Wheeler Formation|STRAT] in [Utah|LOC] is thin",
])
def test_part_of_hard_negatives(text):
    assert triples(make(text)) == set()


# --- applying and measuring -------------------------------------------------------------------


def test_label_docs_sets_relations_with_scores():
    docs = label_docs([make("[Olenellus|TAXON] from the [Pioche Shale|STRAT]."),
                       make("Nothing about [Utah|LOC] here.")], DEFAULT)
    rels = docs[0]._.relations
    assert len(rels) == 1 and 0.5 < rels[0].score <= 1.0
    assert docs[1]._.relations == ()
    assert all(0.5 <= rule.confidence <= 1.0 for rule in RULES)


def test_relations_stay_in_their_sentence():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("Olenellus is common. It is known from the Pioche Shale.")
    doc.ents = [doc.char_span(0, 9, label="TAXON"), doc.char_span(42, 54, label="STRAT")]
    assert label_doc(doc, DEFAULT) == []


def test_measure_counts_against_gold(tmp_path, capsys):
    doc = make("[Olenellus|TAXON] from the [Pioche Shale|STRAT] and [Elrathia|TAXON] in "
               "[Utah|LOC].")
    text = doc.text
    ents = [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
    record = {"text": text, "entities": ents,
              "relations": [{"head": 0, "tail": 1, "label": "occurs_in"},
                            {"head": 2, "tail": 3, "label": "found_at"},
                            {"head": 0, "tail": 3, "label": "found_at"}]}
    path = tmp_path / "gold.jsonl"
    srsly.write_jsonl(path, [record])
    results = measure(path)
    assert results["labels"]["occurs_in"]["correct"] == 1
    assert results["labels"]["found_at"] == {"predicted": 1, "correct": 1, "gold": 2, "p": 1.0,
                                             "r": 0.5, "f": pytest.approx(2 / 3)}
    assert "found_at" in format_table(results)
