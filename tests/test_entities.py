"""The rule layer (entity ruler, ents filter) and the sentence splitter on hard PDF cases."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Span
from util import make_doc

from paleo_re.entities import add_sentencizer, make_entity_ruler
from paleo_re.entities.cleanup import clean_span
from paleo_re.entities.patterns import clean_vocab, phrase_variants, read_vocab
from paleo_re.evaluation.evaluate import evaluate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="module")
def vocab_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny gazetteer with the seed's kinds of noise (a surname, a bare head, a rock unit
    filed as a place)."""
    path = tmp_path_factory.mktemp("vocab")
    (path / "taxa.txt").write_text("Olenellus\nElrathia_kingii\nShergold\nGeology\nUtah\n")
    (path / "strat_units.txt").write_text("Marjum_Fm\nFormation\nCambrian_Series\n")
    (path / "chrono_units.txt").write_text("Cambrian\nWuliuan\nStage_5\n")
    (path / "localities.txt").write_text("Nevada\nHouse_Range\nAlum_Sh\nN_Greenland\n")
    return path


@pytest.fixture(scope="module")
def nlp(vocab_dir: Path) -> Language:
    nlp = spacy.blank("en")
    add_sentencizer(nlp)
    make_entity_ruler(nlp, vocab_dir)
    return nlp


def ents(nlp: Language, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(text).ents]


def test_vocab_cleaning(vocab_dir: Path) -> None:
    vocab = clean_vocab(read_vocab(vocab_dir))
    assert "Olenellus" in vocab["TAXON"] and "Elrathia kingii" in vocab["TAXON"]
    assert not {"Shergold", "Geology", "Utah"} & vocab["TAXON"]
    assert "Marjum Fm" in vocab["STRAT"] and "Marjum Formation" in vocab["STRAT"]
    assert not {"Formation", "Cambrian Series"} & vocab["STRAT"]
    assert "Alum Sh" not in vocab["LOC"] and "North Greenland" in vocab["LOC"]


def test_phrase_variants() -> None:
    variants = phrase_variants("Nevada")
    assert {"Nevada", "NEVADA", "Ne- vada", "Neva- da"} <= variants
    assert "Fairﬁeld" in phrase_variants("Fairfield")


def test_hyphenation_breaks(nlp: Language) -> None:
    found = ents(nlp, "Olenellus occurs in the Pioche Forma- tion of Ne- vada.")
    assert found == [("Olenellus", "TAXON"), ("Pioche Forma- tion", "STRAT"),
                     ("Ne- vada", "LOC")]
    assert ("Car- rara Formation", "STRAT") in ents(nlp, "the Car- rara Formation")


def test_ligatures_and_citations(nlp: Language) -> None:
    text = ("The speciﬁc signiﬁcance of Elrathia kingii from the Marjum Fm is discussed "
            "(Palmer, 1998a; Fig. 2) and by Robison et al. (2003).")
    assert ents(nlp, text) == [("Elrathia kingii", "TAXON"), ("Marjum Fm", "STRAT")]
    assert ents(nlp, "Known from Fairﬁeld County, Utah.") == [
        ("Fairﬁeld County", "LOC"), ("Utah", "LOC")]


def test_binomials_and_abbreviated_genera(nlp: Language) -> None:
    text = "C. mucrora and Olenellus gilberti Meek, 1874 occur with Redlichia n. sp."
    assert ents(nlp, text) == [("C. mucrora", "TAXON"), ("Olenellus gilberti", "TAXON"),
                               ("Redlichia", "TAXON")]
    assert ents(nlp, "Hamatolenus (H.) marocanus") == [("Hamatolenus (H.) marocanus", "TAXON")]


def test_zones_and_units(nlp: Language) -> None:
    assert ents(nlp, "in the Aphelaspis Zone") == [("Aphelaspis Zone", "STRAT")]
    assert ents(nlp, "the Ptychagnostus atavus Zone of the Wheeler Shale") == [
        ("Ptychagnostus atavus Zone", "STRAT"), ("Wheeler Shale", "STRAT")]
    assert ents(nlp, "the lower Olenellus Zone") == [("Olenellus Zone", "STRAT")]
    assert ents(nlp, "the Mt. Whyte Fm. at Mount Stephen") == [
        ("Mt. Whyte Fm", "STRAT"), ("Mount Stephen", "LOC")]


def test_time_units(nlp: Language) -> None:
    assert ents(nlp, "Dyeran, late Idamean and Botomian Stage strata") == [
        ("Dyeran", "CHRONO"), ("late Idamean", "CHRONO"), ("Botomian Stage", "CHRONO")]
    assert ents(nlp, "in the lowermost Steptoean Stage") == [("Steptoean Stage", "CHRONO")]
    assert ents(nlp, "Middle and Upper Cambrian; Cambrian Stage 5; Series 2") == [
        ("Middle and Upper Cambrian", "CHRONO"), ("Cambrian Stage 5", "CHRONO"),
        ("Series 2", "CHRONO")]


def test_places_groups_and_institutions(nlp: Language) -> None:
    assert ents(nlp, "trilobites from western Queensland and North Greenland") == [
        ("trilobites", "TAXON"), ("western Queensland", "LOC"), ("North Greenland", "LOC")]
    assert ents(nlp, "housed in the Queensland Museum") == []
    assert ents(nlp, "the Chinese fauna of the Siberian Platform") == [
        ("Siberian Platform", "LOC")]
    assert ents(nlp, "olenelloid trilobites and a trilobite") == [
        ("olenelloid trilobites", "TAXON")]


def test_sentences(nlp: Language) -> None:
    text = ("As noted by Smith et al. (2003, fig. 2) the species is new. Redlichia n. sp. is "
            "described here. G. W. Stose mapped the Marjum Fm. near St. Albans, i.e. in Utah "
            "(see Figs. 3, 4. Also Fig. 5). It occurs with C. mucrora.")
    assert [s.text for s in nlp(text).sents] == [
        "As noted by Smith et al. (2003, fig. 2) the species is new.",
        "Redlichia n. sp. is described here.",
        "G. W. Stose mapped the Marjum Fm. near St. Albans, i.e. in Utah "
        "(see Figs. 3, 4. Also Fig. 5).",
        "It occurs with C. mucrora.",
    ]
    assert len(list(nlp("Sentence one ends here! Two? Yes.").sents)) == 3
    # PDF text spaces decimals out; a number after a stop still starts a sentence elsewhere
    assert len(list(nlp("Olenellus from shale at 836. 41 m in the Parahio section.").sents)) == 1
    assert len(list(nlp("It is new (see Fig. 2). 25 specimens occur.").sents)) == 2
    # PDF text: a line break between sentences is its own whitespace token
    assert [s.text.strip() for s in nlp("It is new (Fig. 2).\nOlenellus is rare.\n").sents] \
        == ["It is new (Fig. 2).", "Olenellus is rare."]


def test_round_trip(nlp: Language, tmp_path: Path) -> None:
    text = ("Olenellus gilberti from the Pioche Shale (Dyeran Stage) of Ne- vada; "
            "trilobites of western Queensland. C. mucrora follows.")
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == nlp.pipe_names
    before, after = nlp(text), loaded(text)
    assert [(e.start_char, e.end_char, e.label_) for e in after.ents] == [
        (e.start_char, e.end_char, e.label_) for e in before.ents]
    assert [s.text for s in after.sents] == [s.text for s in before.sents]


def test_disable_ruler_and_set_ents_by_hand(nlp: Language) -> None:
    with nlp.select_pipes(disable=["entity_ruler"]):
        doc = nlp("Olenellus from Nevada")
        assert doc.ents == ()
        doc.ents = [Span(doc, 2, 3, label="LOC")]
    assert [(e.text, e.label_) for e in doc.ents] == [("Nevada", "LOC")]
    assert "entity_ruler" in nlp.pipe_names


def test_existing_ents_are_kept(vocab_dir: Path) -> None:
    nlp = spacy.blank("en")
    make_entity_ruler(nlp, vocab_dir)
    doc = nlp.make_doc("Olenellus from Nevada")
    doc.ents = [Span(doc, 0, 1, label="STRAT")]
    assert [(e.text, e.label_) for e in nlp.get_pipe("entity_ruler")(doc).ents] == [
        ("Olenellus", "STRAT"), ("Nevada", "LOC")]


def test_rule_proposals_fill_only_the_gaps_ner_left(nlp: Language, vocab_dir: Path) -> None:
    """The ruler writing proposals and the cleanup filling gaps: alone, the same entities as
    the ruler writing `doc.ents`; after `ner` (entities set by hand here), `ner` decides."""
    proposing = spacy.blank("en")
    add_sentencizer(proposing)
    make_entity_ruler(proposing, vocab_dir, proposals="ruler")
    proposing.add_pipe("paleo_entity_cleanup", config={"proposals": "ruler"})
    text = ("Olenellus and Elrathia kingii from the Marjum Formation (Wuliuan Stage) of the "
            "House Range, western Nevada.")
    assert [(e.text, e.label_) for e in proposing(text).ents] == [
        (e.text, e.label_) for e in nlp(text).ents]
    assert proposing(text).spans["ruler"]
    with proposing.select_pipes(disable=["paleo_entity_cleanup"]):
        doc = proposing(text)
    assert doc.ents == ()
    doc.ents = [doc.char_span(0, 9, "STRAT"), doc.char_span(14, 22, "TAXON")]  # by "ner"
    doc = proposing.get_pipe("paleo_entity_cleanup")(doc)
    ents = [(e.text, e.label_) for e in doc.ents]
    assert ents[:2] == [("Olenellus", "STRAT"), ("Elrathia", "TAXON")]
    assert ("Marjum Formation", "STRAT") in ents and ("western Nevada", "LOC") in ents


@pytest.mark.skipif(not (SHARED / "gold" / "dev.jsonl").exists(), reason="no shared data")
def test_gold_dev_floor() -> None:
    nlp = spacy.blank("en")
    make_entity_ruler(nlp, SHARED / "paleobert" / "vocab")
    scores = evaluate(nlp, SHARED / "gold" / "dev.jsonl")["end_to_end"]["entities"]
    assert scores["f"] > 0.6
    assert set(scores["per_type"]) == {"TAXON", "STRAT", "CHRONO", "LOC"}


def test_entity_cleanup_drops_wordless_entities(tmp_path: Path) -> None:
    """What `ner` once marked in the demo: `.` plus a line break as a TAXON."""
    nlp = spacy.blank("en")
    nlp.add_pipe("paleo_entity_cleanup", name="entity_cleanup")
    doc = nlp.make_doc("Olenellus in Utah.\n\nNevada")
    assert [t.text for t in doc] == ["Olenellus", "in", "Utah", ".", "\n\n", "Nevada"]
    doc.ents = [Span(doc, 0, 1, label="TAXON"), Span(doc, 2, 3, label="LOC"),
                Span(doc, 3, 5, label="TAXON"), Span(doc, 5, 6, label="LOC")]
    doc = nlp(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Olenellus", "TAXON"), ("Utah", "LOC"), ("Nevada", "LOC")]
    nlp.to_disk(tmp_path / "pipeline")
    assert spacy.load(tmp_path / "pipeline").pipe_names == ["entity_cleanup"]


def test_clean_span_trims_whitespace_edges() -> None:
    doc = spacy.blank("en").make_doc("from \n Nevada \n today")
    assert [t.text for t in doc] == ["from", "\n ", "Nevada", "\n ", "today"]
    trimmed = clean_span(Span(doc, 1, 4, label="LOC", kb_id="x"))
    assert trimmed is not None
    assert (trimmed.start, trimmed.end, trimmed.label_, trimmed.kb_id_) == (2, 3, "LOC", "x")
    assert clean_span(Span(doc, 1, 2, label="LOC")) is None
    kept = Span(doc, 2, 3, label="LOC")
    assert clean_span(kept) is kept


@pytest.mark.parametrize("text, marked, expected", [
    # a taxon inside a zone name is part of the zone (guidelines)
    ("from the Erediaspis eretes Zone of Queensland",
     [("Erediaspis", "TAXON"), ("eretes Zone", "STRAT"), ("Queensland", "LOC")],
     [("Erediaspis eretes Zone", "STRAT"), ("Queensland", "LOC")]),
    ("the Eoredlichia–Wutingaspis zone", [("Eoredlichia", "TAXON"), ("Wutingaspis zone", "STRAT")],
     [("Eoredlichia–Wutingaspis zone", "STRAT")]),
    ("upper Bristolia zonule", [("Bristolia", "TAXON")], [("Bristolia zonule", "STRAT")]),
    ("in the “Nevadella” zone.", [("Nevadella", "TAXON")], [("“Nevadella” zone", "STRAT")]),
    # a unit name cut at a word without a rank
    ("the Emu Bay_Shale at Big Gully",
     [("Emu", "STRAT"), ("Bay_Shale", "STRAT"), ("Big Gully", "LOC")],
     [("Emu Bay_Shale", "STRAT"), ("Big Gully", "LOC")]),
    # coordinated zones sharing a plural head are each a zone
    ("the Cedaria and Crepicephalus Zones",
     [("Cedaria", "TAXON"), ("Crepicephalus Zones", "STRAT")],
     [("Cedaria", "STRAT"), ("Crepicephalus Zones", "STRAT")]),
    ("Fallotaspis, Choubertella, and Daguinaspis zones",
     [("Fallotaspis", "TAXON"), ("Choubertella", "TAXON"), ("Daguinaspis zones", "STRAT")],
     [("Fallotaspis", "STRAT"), ("Choubertella", "STRAT"), ("Daguinaspis zones", "STRAT")]),
    # left alone: units with their own rank, a taxon in a unit, a line break, a generic word
    ("the Wheeler Formation Marjum Formation", [("Wheeler Formation", "STRAT"),
                                                ("Marjum Formation", "STRAT")],
     [("Wheeler Formation", "STRAT"), ("Marjum Formation", "STRAT")]),
    ("Olenellus in the Olenellus Zone", [("Olenellus", "TAXON"), ("Olenellus Zone", "STRAT")],
     [("Olenellus", "TAXON"), ("Olenellus Zone", "STRAT")]),
    ("Emu\nBay Shale", [("Emu", "STRAT"), ("Bay Shale", "STRAT")],
     [("Emu", "STRAT"), ("Bay Shale", "STRAT")]),
    ("an Ovatoryctocara assemblage", [("Ovatoryctocara", "TAXON")],
     [("Ovatoryctocara", "TAXON")]),
    ("Olenellus and Elrathia, Wheeler Formation",
     [("Olenellus", "TAXON"), ("Elrathia", "TAXON"), ("Wheeler Formation", "STRAT")],
     [("Olenellus", "TAXON"), ("Elrathia", "TAXON"), ("Wheeler Formation", "STRAT")]),
])
def test_cleanup_rejoins_unit_names_the_recogniser_cut(text, marked, expected) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("paleo_entity_cleanup", name="entity_cleanup")
    doc = nlp(make_doc(text, marked))
    assert [(e.text, e.label_) for e in doc.ents] == expected


@pytest.mark.parametrize("text, marked, expected", [
    # a taxon cut at its qualifier, or before a trinomial's last word, is one name
    ("Skreiaspis aff. spinosus differs", [("Skreiaspis aff", "TAXON"), (". spinosus", "TAXON")],
     [("Skreiaspis aff. spinosus", "TAXON")]),
    ("Lorenzella (?) ogurai and Parabolina? naomi",
     [("Lorenzella", "TAXON"), ("ogurai", "TAXON"), ("Parabolina", "TAXON")],
     [("Lorenzella (?) ogurai", "TAXON"), ("Parabolina? naomi", "TAXON")]),
    ("Hypagnostus parvifrons mammillatus",
     [("Hypagnostus parvifrons", "TAXON"), ("mammillatus", "TAXON")],
     [("Hypagnostus parvifrons mammillatus", "TAXON")]),
    # a genus with its subgenus is one name, with the epithet marked after it; a higher
    # taxon in brackets is not a subgenus
    ("Kaotaia (Langqia) and Paradoxides (Eccaparadoxides) mureroensis",
     [("Kaotaia", "TAXON"), ("Langqia", "LOC"), ("Paradoxides", "TAXON"),
      ("Eccaparadoxides", "TAXON"), ("mureroensis", "TAXON")],
     [("Kaotaia (Langqia)", "TAXON"), ("Paradoxides (Eccaparadoxides) mureroensis", "TAXON")]),
    ("K. (Koldinioidia) sp. and Isoxys (Arthropoda)",
     [("K.", "TAXON"), ("Isoxys", "TAXON"), ("Arthropoda", "TAXON")],
     [("K. (Koldinioidia)", "TAXON"), ("Isoxys", "TAXON"), ("Arthropoda", "TAXON")]),
    # an author after a name, or cited with a year, is not a taxon; nor is a group word before
    ("H. edax Fortey and Rushton", [("H. edax Fortey", "TAXON")], [("H. edax", "TAXON")]),
    ("the agnostoid Lejopyge armata and redlichiid trilobites",
     [("agnostoid Lejopyge armata", "TAXON"), ("redlichiid trilobites", "TAXON")],
     [("Lejopyge armata", "TAXON"), ("redlichiid trilobites", "TAXON")]),
    ("as Repina (1990) showed for Olenellus",
     [("Repina", "TAXON"), ("Olenellus", "TAXON")], [("Olenellus", "TAXON")]),
    # growth stages and body parts in lower case are not taxa
    ("the protaspis of Olenellus", [("protaspis", "TAXON"), ("Olenellus", "TAXON")],
     [("Olenellus", "TAXON")]),
    # a group word in the singular is a modifier, in the plural a taxon
    ("Ptychopariid pygidia and agnostoids", [("Ptychopariid", "TAXON"), ("agnostoids", "TAXON")],
     [("agnostoids", "TAXON")]),
    # a lower-case position word stays outside a named unit; a place takes in its Province
    ("the upper Daroca Formation and the middle member of Guizhou Province",
     [("upper Daroca Formation", "STRAT"), ("middle member", "STRAT"), ("Guizhou", "LOC")],
     [("Daroca Formation", "STRAT"), ("middle member", "STRAT"), ("Guizhou Province", "LOC")]),
    # a word broken at a line end is whole inside a name; an age takes in its qualifier; a
    # name does not end on a function word or an opening bracket
    ("in Aus- tralia and Pale- ozoic rocks", [("Aus-", "LOC"), ("ozoic", "CHRONO")],
     [("Aus- tralia", "LOC"), ("Pale- ozoic", "CHRONO")]),
    ("north- ern Estonia", [("north-", "LOC"), ("ern Estonia", "LOC")],
     [("north- ern Estonia", "LOC")]),
    ("del Cámbrico Superior de Argentina and Cambrien inférieur (",
     [("Cámbrico Superior de", "CHRONO"), ("Argentina", "LOC"), ("Cambrien", "CHRONO")],
     [("Cámbrico Superior", "CHRONO"), ("Argentina", "LOC"), ("Cambrien inférieur", "CHRONO")]),
    ("the middle Guzhangian (Amgaian", [("middle Guzhangian (", "CHRONO"), ("Amgaian", "CHRONO")],
     [("middle Guzhangian", "CHRONO"), ("Amgaian", "CHRONO")]),
    # units run together are split after their rank words
    ("Candland Shale Johns Wash Limestone Member Lyndon Limestone Pioche Shale Feet 2",
     [("Candland Shale Johns Wash Limestone Member", "STRAT"),
      ("Lyndon Limestone Pioche Shale Feet", "STRAT")],
     [("Candland Shale", "STRAT"), ("Johns Wash Limestone Member", "STRAT"),
      ("Lyndon Limestone", "STRAT"), ("Pioche Shale", "STRAT")]),
    # a place name has a capital letter or a digit
    ("a breccia at Section 12 near Kansas",
     [("breccia", "LOC"), ("Section 12", "LOC"), ("Kansas", "LOC")],
     [("Section 12", "LOC"), ("Kansas", "LOC")]),
    # left alone: a qualifier without an epithet, a function word, a capitalised name
    ("Olenellus? and Elrathia", [("Olenellus", "TAXON"), ("Elrathia", "TAXON")],
     [("Olenellus", "TAXON"), ("Elrathia", "TAXON")]),
    ("the Upper Tilemsoun Formation yields Glabella? pitans",
     [("Upper Tilemsoun Formation", "STRAT"), ("Glabella", "TAXON"), ("pitans", "TAXON")],
     [("Upper Tilemsoun Formation", "STRAT"), ("Glabella? pitans", "TAXON")]),
])
def test_cleanup_delimits_names_as_the_guidelines_do(text, marked, expected) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("paleo_entity_cleanup", name="entity_cleanup")
    doc = nlp(make_doc(text, marked))
    assert [(e.text, e.label_) for e in doc.ents] == expected
