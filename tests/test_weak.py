"""The weak labeling rules: each fires on its pattern and stays silent on its hard negative."""

from __future__ import annotations

import pytest
import spacy
import srsly
from spacy.tokens import Doc
from util import make_doc

from paleo_re.component.schema import DEFAULT
from paleo_re.evaluation.measure_rules import format_table, measure
from paleo_re.rules import RULES, fire, label_doc, label_docs

NLP = spacy.blank("en")


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
    assert triples(make_doc(text)) == {("Olenellus gilberti", "occurs_in", "Pioche Shale")}
    assert "from_prep/occurs_in" in rules_fired(make_doc(text))


def test_in_prep_occurs_in():
    doc = make_doc("[Redlichia|TAXON] occurs in the [Kaili Formation|STRAT].")
    assert triples(doc) == {("Redlichia", "occurs_in", "Kaili Formation")}
    assert "in_prep/occurs_in" in rules_fired(doc)


def test_compound_gives_occurs_in_and_found_at():
    doc = make_doc("[Olenellus|TAXON] from the [Pioche Shale|STRAT] of [Nevada|LOC].")
    assert triples(doc) == {("Olenellus", "occurs_in", "Pioche Shale"),
                            ("Olenellus", "found_at", "Nevada")}


def test_list_distributes():
    doc = make_doc("[Elrathia|TAXON], [Asaphiscus|TAXON] and [Peronopsis|TAXON] from the "
               "[Wheeler Formation|STRAT].")
    assert triples(doc) == {(t, "occurs_in", "Wheeler Formation")
                            for t in ("Elrathia", "Asaphiscus", "Peronopsis")}


def test_place_list_with_brackets():
    doc = make_doc("[Kormagnostus|TAXON] is known from [China|LOC] ([Hunan|LOC], [Liaoning|LOC]), "
               "[Greenland|LOC] and [Kazakhstan|LOC] (Ergaliev, 1983).")
    assert {t for _, _, t in triples(doc)} == {"China", "Hunan", "Liaoning", "Greenland",
                                               "Kazakhstan"}


def test_reference_title():
    doc = make_doc("Early Cambrian [trilobites|TAXON] from [Yichun|LOC].")
    assert triples(doc) == {("trilobites", "found_at", "Yichun")}


def test_title_of():
    doc = make_doc("[Trilobites|TAXON] of the [Cow Head Group|STRAT], [western Newfoundland|LOC].")
    assert triples(doc) == {("Trilobites", "occurs_in", "Cow Head Group"),
                            ("Trilobites", "found_at", "western Newfoundland")}


def test_catalogue_entry():
    doc = make_doc("[Prochuangia licinispicata|TAXON] Peng (1992, p. 75), [Changshanian|CHRONO], "
               "[Chuangia Zone|STRAT], [Hunan|LOC], [China|LOC].")
    assert triples(doc) == {
        ("Prochuangia licinispicata", "occurs_in", "Chuangia Zone"),
        ("Prochuangia licinispicata", "found_at", "Hunan"),
        ("Prochuangia licinispicata", "found_at", "China"),
        ("Chuangia Zone", "assigned_to", "Changshanian"),
    }


def test_yields():
    doc = make_doc("The [Wheeler Formation|STRAT] yields abundant [Elrathia kingii|TAXON] and "
               "[Peronopsis|TAXON].")
    assert triples(doc) == {("Elrathia kingii", "occurs_in", "Wheeler Formation"),
                            ("Peronopsis", "occurs_in", "Wheeler Formation")}


def test_fronted_place():
    doc = make_doc("In [China|LOC], [J. sinensis|TAXON] is found in the [Yosimuraspis Zone|STRAT].")
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
    labels = {(h, lab, t) for h, lab, t in triples(make_doc(text))}
    assert not any(t == "Pioche Shale" for _, _, t in labels)


def test_clause_verb_stops_reach():
    doc = make_doc("[Redlichia|TAXON] occurs in the [Kaili Formation|STRAT], which overlies the "
               "[Balang Formation|STRAT].")
    assert triples(doc) == {("Redlichia", "occurs_in", "Kaili Formation")}


def test_other_taxon_owns_its_tail():
    doc = make_doc("[Olenellus|TAXON] occurs in [Nevada|LOC] and [Paradoxides|TAXON] in "
               "[Morocco|LOC].")
    assert ("Olenellus", "found_at", "Morocco") not in triples(doc)
    assert ("Paradoxides", "found_at", "Morocco") in triples(doc)


def test_bracketed_higher_taxon_is_not_the_subject():
    doc = make_doc("[Corynexochida|TAXON] ([Trilobita|TAXON]) of the [Ehmaniella Biozone|STRAT].")
    assert triples(doc) == {("Corynexochida", "occurs_in", "Ehmaniella Biozone")}


def test_questioned_and_hedged_records_are_skipped():
    doc = make_doc("[Kormagnostus|TAXON] occurs in [Australia|LOC] ([Queensland|LOC], ? "
               "[Tasmania|LOC]) and possibly [Russia|LOC].")
    assert {t for _, _, t in triples(doc)} == {"Australia", "Queensland"}


def test_collection_home_is_not_a_find_spot():
    doc = make_doc("Type material of [trilobites|TAXON] held in the museum in [Calcutta|LOC].")
    assert triples(doc) == set()


# --- STRAT -> CHRONO --------------------------------------------------------------------------


@pytest.mark.parametrize("text, chrono", [
    ("the [Upper Cambrian|CHRONO] [Dunderburg Formation|STRAT] is thin", "Upper Cambrian"),
    ("the [Wheeler Formation|STRAT] ([Stage 5|CHRONO]) is thin", "Stage 5"),
    ("the [Pioche Formation|STRAT], [Dyeran|CHRONO].", "Dyeran"),
    ("a [Guzhangian|CHRONO] age for the [Wheeler Formation|STRAT].", "Guzhangian"),
])
def test_assigned_to(text, chrono):
    rels = triples(make_doc(text))
    assert len(rels) == 1
    assert next(iter(rels))[1:] == ("assigned_to", chrono)


def test_member_takes_the_date_not_its_formation():
    doc = make_doc("the [Combined Metals Member|STRAT] ([Pioche Formation|STRAT], uppermost "
               "[Dyeran Stage|CHRONO]) at Ruin Wash")
    assert triples(doc) == {("Combined Metals Member", "part_of", "Pioche Formation"),
                            ("Combined Metals Member", "assigned_to", "Dyeran Stage")}


def test_time_unit_not_next_to_unit_gives_nothing():
    doc = make_doc("[Cambrian|CHRONO] [trilobites|TAXON] from the [Wheeler Formation|STRAT].")
    assert triples(doc) == {("trilobites", "occurs_in", "Wheeler Formation")}


# --- STRAT -> STRAT ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "the [Wheeler Member|STRAT] of the [Marjum Formation|STRAT] is thin",
    "the [Wheeler Member|STRAT] ([Marjum Formation|STRAT]) is thin",
    "[Big Horse Limestone Member|STRAT], [Marjum Formation|STRAT], Utah",
    "the [Peltura paradoxa Subzone|STRAT] of the [P. scarabaeoides Zone|STRAT] is thin",
])
def test_part_of(text):
    rels = triples(make_doc(text))
    assert len(rels) == 1 and next(iter(rels))[1] == "part_of"


@pytest.mark.parametrize("text", [
    "the [Ptychagnostus atavus Zone|STRAT] of the [Wheeler Formation|STRAT] is thin",
    "the [Wheeler Formation|STRAT] overlies the [Swasey Member|STRAT]",
    "the [Marjum Formation|STRAT] of the [Wheeler Member|STRAT]",
    "the [Wheeler Formation|STRAT] in [Utah|LOC] is thin",
])
def test_part_of_hard_negatives(text):
    assert triples(make_doc(text)) == set()


# --- applying and measuring -------------------------------------------------------------------


def test_label_docs_sets_relations_with_scores():
    docs = label_docs([make_doc("[Olenellus|TAXON] from the [Pioche Shale|STRAT]."),
                       make_doc("Nothing about [Utah|LOC] here.")], DEFAULT)
    rels = docs[0]._.relations
    assert len(rels) == 1 and 0.5 < rels[0].score <= 1.0
    assert docs[1]._.relations == ()
    assert all(0.5 <= rule.confidence <= 1.0 for rule in RULES)


def test_relations_stay_in_their_sentence():
    doc = make_doc("Olenellus is common. It is known from the Pioche Shale.",
                   [("Olenellus", "TAXON"), ("Pioche Shale", "STRAT")], sentences=True)
    assert label_doc(doc, DEFAULT) == []


def test_measure_counts_against_gold(tmp_path, capsys):
    doc = make_doc("[Olenellus|TAXON] from the [Pioche Shale|STRAT] and [Elrathia|TAXON] in "
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
