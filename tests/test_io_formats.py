"""Round trips and error reporting of the seed, spans and DocBin formats and of `convert`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import spacy
import srsly
from spacy.tokens import Doc
from spacy.training import Example
from util import unwrapped

from paleo_re.component.relations import Relation, has_relations, set_relations
from paleo_re.io.annotations import read_annotations, record_to_doc, write_annotations
from paleo_re.io.convert import ConversionReport, convert, read_docbin, write_docbin
from paleo_re.io.errors import FormatError
from paleo_re.io.readers import create_annotations_reader
from paleo_re.io.seed import detokenize, plain_text, read_seed, write_seed
from paleo_re.io.spans import read_spans, write_spans
from paleo_re.io.standoff import read_standoff, text_digest

DATA = Path(__file__).parents[1] / ".." / "shared" / "data"
SEED_TRAIN = DATA / "paleobert" / "re_train.jsonl"
ANNOTATED = Path(__file__).parents[1] / "corpus" / "annotated"

RECORDS = [
    {"id": "a", "text": "Olenellus gilberti occurs in the Pioche Shale (Dyeran) of Nevada.",
     "entities": [{"start": 0, "end": 18, "label": "TAXON"},
                  {"start": 33, "end": 45, "label": "STRAT"},
                  {"start": 47, "end": 53, "label": "CHRONO"},
                  {"start": 58, "end": 64, "label": "LOC"}],
     "relations": [{"head": 0, "tail": 1, "label": "occurs_in"},
                   {"head": 0, "tail": 3, "label": "found_at"},
                   {"head": 1, "tail": 2, "label": "assigned_to", "score": 0.42}]},
    {"id": "b", "text": "The Wheeler Member of the Marjum Formation is thin.",
     "entities": [{"start": 4, "end": 18, "label": "STRAT"},
                  {"start": 26, "end": 42, "label": "STRAT"}],
     "relations": [{"head": 0, "tail": 1, "label": "part_of"}]},
    {"id": "c", "text": "Paradoxides is absent from Sweden.",
     "entities": [{"start": 0, "end": 11, "label": "TAXON"},
                  {"start": 27, "end": 33, "label": "LOC"}],
     "relations": []},
    {"id": "d", "text": "Fossils from Utah, unannotated for relations.",
     "entities": [{"start": 13, "end": 17, "label": "LOC"}]},
]


def _pair(tokens: list[str], subj: tuple[int, int, str], obj: tuple[int, int, str],
          relation: str, para: int = 1) -> dict:
    def ent(e: tuple[int, int, str]) -> dict:
        return {"type": e[2], "text": " ".join(tokens[e[0]:e[1]]), "start": e[0], "end": e[1]}

    return {"text": " ".join(tokens), "marked_text": "", "subject": ent(subj),
            "object": ent(obj), "relation": relation, "label_id": 0,
            "metadata": {"doc_id": "paper2007", "para_id": para}}


S1 = "Olenellus occurs in the Pioche_Shale ( Dyeran ) of Nevada , USA .".split(" ")
S2 = "Middle Cambrian Wheeler_Formation of Utah ; ? Elrathia kingii".split(" ")
SEED_LINES = [
    _pair(S1, (0, 1, "TAXON"), (4, 5, "STRAT"), "occurs_in"),
    _pair(S2, (2, 3, "STRAT"), (0, 2, "CHRONO"), "assigned_to", para=2),
    _pair(S1, (0, 1, "TAXON"), (9, 10, "LOC"), "found_at"),
    _pair(S1, (4, 5, "STRAT"), (6, 7, "CHRONO"), "NO_RELATION"),
    _pair(S2, (7, 8, "TAXON"), (4, 5, "LOC"), "NO_RELATION", para=2),
    _pair(S1, (0, 1, "TAXON"), (4, 5, "STRAT"), "occurs_in"),  # duplicate line
]


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def facts(docs: list[Doc]) -> list[tuple]:
    """Entities and relations of docs by text and label: what a round trip must keep."""
    return [(doc.text,
             sorted((e.start_char, e.end_char, e.label_) for e in doc.ents),
             sorted((r.head.text, r.label, r.tail.text, round(r.score, 4))
                    for r in doc._.relations) if has_relations(doc) else None)
            for doc in docs]


def gold_docs(nlp) -> list[Doc]:
    return [record_to_doc(nlp.make_doc, record) for record in RECORDS]


# --- seed format ---------------------------------------------------------------------------


def test_detokenize_restores_plain_text():
    text, offsets = detokenize("Olenellus ( Pioche_Shale ) , Nevada ; ? Elrathia .".split(" "))
    assert text == "Olenellus (Pioche Shale), Nevada;? Elrathia."
    assert text[offsets[2][0]:offsets[2][1]] == "Pioche Shale"


def test_plain_text_of_a_raw_seed_sentence_keeps_offsets_of_joined_names():
    raw = "Olenellus from the\nPioche_Shale and  Stage_5, not __init__."
    assert plain_text(raw) == "Olenellus from the Pioche Shale and Stage 5, not __init__."
    assert plain_text("Pioche_Shale, Nevada") == "Pioche Shale, Nevada"


def test_seed_read_merges_lines_per_sentence(nlp, tmp_path):
    path = tmp_path / "seed.jsonl"
    srsly.write_jsonl(path, SEED_LINES)
    stats: Counter[str] = Counter()
    docs = list(read_seed(path, nlp.make_doc, stats=stats))
    assert [d.text for d in docs] == [
        "Olenellus occurs in the Pioche Shale (Dyeran) of Nevada, USA.",
        "Middle Cambrian Wheeler Formation of Utah;? Elrathia kingii",
    ]
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        ("Olenellus", "TAXON"), ("Pioche Shale", "STRAT"), ("Dyeran", "CHRONO"),
        ("Nevada", "LOC")]
    assert sorted((r.head.text, r.label, r.tail.text) for r in docs[0]._.relations) == [
        ("Olenellus", "found_at", "Nevada"), ("Olenellus", "occurs_in", "Pioche Shale")]
    assert [(r.head.text, r.label, r.tail.text) for r in docs[1]._.relations] == [
        ("Wheeler Formation", "assigned_to", "Middle Cambrian")]
    assert stats["lines"] == 6 and stats["sentences"] == 2 and stats["lines_duplicate"] == 1
    assert docs[0].user_data["id"] == "paper2007:1"


def test_seed_round_trip(nlp, tmp_path):
    path = tmp_path / "seed.jsonl"
    srsly.write_jsonl(path, SEED_LINES)
    docs = list(read_seed(path, nlp.make_doc))
    assert write_seed(docs, tmp_path / "out.jsonl") == 2
    lines = list(srsly.read_jsonl(tmp_path / "out.jsonl"))
    assert all(" ".join(line["text"].split(" ")[line["subject"]["start"]:
                                                 line["subject"]["end"]])
               == line["subject"]["text"] for line in lines)
    assert "Pioche_Shale" in lines[0]["text"] and "[SUBJ] Olenellus [/SUBJ]" in \
        lines[0]["marked_text"]
    again = list(read_seed(tmp_path / "out.jsonl", nlp.make_doc))
    assert facts(again) == facts(docs)


def test_seed_round_trip_from_annotations(nlp, tmp_path):
    docs = gold_docs(nlp)[:3]
    for doc in docs:  # the seed format has no scores
        set_relations(doc, [Relation(r.head, r.tail, r.label) for r in doc._.relations])
    stats: Counter[str] = Counter()
    assert write_seed(docs, tmp_path / "out.jsonl", stats=stats) == 3
    assert stats["text_changed"] == 0
    assert facts(list(read_seed(tmp_path / "out.jsonl", nlp.make_doc))) == facts(docs)


def test_seed_writer_counts_docs_it_cannot_hold(nlp, tmp_path):
    stats: Counter[str] = Counter()
    with pytest.warns(UserWarning, match="not written"):
        assert write_seed(gold_docs(nlp), tmp_path / "out.jsonl", stats=stats) == 3
    assert stats["docs_without_relation_annotation"] == 1


def test_seed_conflicting_entities_are_dropped_with_a_count(nlp, tmp_path):
    tokens = "Olenellus occurs in Pioche Shale".split(" ")
    lines = [_pair(tokens, (0, 1, "TAXON"), (3, 5, "STRAT"), "occurs_in"),
             _pair(tokens, (0, 1, "TAXON"), (3, 4, "LOC"), "found_at"),
             _pair(tokens, (0, 1, "LOC"), (3, 5, "STRAT"), "NO_RELATION")]
    srsly.write_jsonl(tmp_path / "seed.jsonl", lines)
    stats: Counter[str] = Counter()
    with pytest.warns(UserWarning, match="conflicts"):
        (doc,) = read_seed(tmp_path / "seed.jsonl", nlp.make_doc, stats=stats)
    assert [(e.text, e.label_) for e in doc.ents] == [("Olenellus", "TAXON"),
                                                      ("Pioche Shale", "STRAT")]
    assert [r.label for r in doc._.relations] == ["occurs_in"]
    assert stats["entities_conflicting"] == 2 and stats["relations_dropped"] == 1
    assert stats["pairs_dropped"] == 2


@pytest.mark.skipif(not SEED_TRAIN.exists(), reason="seed data not available")
def test_seed_real_data_round_trip(nlp, tmp_path):
    sample = tmp_path / "sample.jsonl"
    with SEED_TRAIN.open(encoding="utf8") as f:
        sample.write_text("".join(line for _, line in zip(range(300), f, strict=False)),
                          encoding="utf8")
    errors: list[FormatError] = []
    stats: Counter[str] = Counter()
    docs = list(read_seed(sample, nlp.make_doc, errors, stats))
    assert not errors and stats["lines"] == 300
    assert docs and any(doc._.relations for doc in docs)
    assert all("_" not in ent.text for doc in docs for ent in doc.ents)
    assert write_seed(docs, tmp_path / "out.jsonl") == len(docs)
    again = list(read_seed(tmp_path / "out.jsonl", nlp.make_doc))
    assert facts(again) == facts(docs)


def test_seed_errors_name_file_line_and_field(nlp, tmp_path):
    path = tmp_path / "bad.jsonl"
    good = SEED_LINES[0]
    bad_offsets = {**good, "object": {**good["object"], "start": 40, "end": 41}}
    path.write_text("\n".join([srsly.json_dumps(good), "{not json",
                               srsly.json_dumps({k: v for k, v in good.items() if k != "text"}),
                               srsly.json_dumps(bad_offsets)]) + "\n", encoding="utf8")
    errors: list[FormatError] = []
    docs = list(read_seed(path, nlp.make_doc, errors))
    assert len(docs) == 1
    assert [(e.path, e.line, e.field) for e in errors] == [
        (str(path), 2, None), (str(path), 3, "text"), (str(path), 4, "object")]
    with pytest.raises(FormatError, match=r"bad\.jsonl:2"):
        list(read_seed(path, nlp.make_doc))


# --- spans format --------------------------------------------------------------------------


def test_spans_round_trip(nlp, tmp_path):
    docs = gold_docs(nlp)
    assert write_spans(docs, tmp_path / "tasks.jsonl") == 4
    first = next(srsly.read_jsonl(tmp_path / "tasks.jsonl"))
    rel = first["relations"][2]
    assert rel["head"] == rel["head_span"]["token_end"] and rel["meta"] == {"score": 0.42}
    assert "meta" not in first["relations"][0] and first["answer"] == "accept"
    assert first["tokens"][0] == {"text": "Olenellus", "start": 0, "end": 9, "id": 0,
                                  "ws": True}
    again = list(read_spans(tmp_path / "tasks.jsonl", nlp.make_doc))
    assert facts(again) == facts(docs)
    assert [d.user_data.get("id") for d in again] == ["a", "b", "c", "d"]


def test_spans_reads_token_indices_and_skips_rejected(nlp, tmp_path):
    text = "Olenellus occurs in the Pioche Shale."
    task = {"text": text,
            "spans": [{"start": 0, "end": 9, "label": "TAXON", "token_start": 0,
                       "token_end": 0},
                      {"start": 24, "end": 36, "label": "STRAT", "token_start": 4,
                       "token_end": 5}],
            "relations": [{"head": 0, "child": 5, "label": "occurs_in"}],
            "answer": "accept"}
    no_tokens = {"text": text, "spans": [{"start": 24, "end": 36, "label": "STRAT"}]}
    srsly.write_jsonl(tmp_path / "tasks.jsonl", [task, {**task, "answer": "reject"},
                                                 {**task, "answer": "ignore"}, no_tokens])
    stats: Counter[str] = Counter()
    docs = list(read_spans(tmp_path / "tasks.jsonl", nlp.make_doc, stats=stats))
    assert [(r.head.text, r.label, r.tail.text) for r in docs[0]._.relations] == [
        ("Olenellus", "occurs_in", "Pioche Shale")]
    assert [e.text for e in docs[1].ents] == ["Pioche Shale"] and not has_relations(docs[1])
    assert stats["skipped_reject"] == 1 and stats["skipped_ignore"] == 1


def test_spans_errors_name_file_line_and_field(nlp, tmp_path):
    text = "Olenellus occurs in Utah."
    span = {"start": 0, "end": 9, "label": "TAXON", "token_start": 0, "token_end": 0}
    lines = [
        {"spans": [span]},
        {"text": text, "spans": [{**span, "end": 99}]},
        {"text": text, "spans": [span], "relations": [{"head": 0, "child": 7, "label": "x"}]},
        {"text": text, "spans": [span], "answer": "maybe"},
    ]
    path = tmp_path / "tasks.jsonl"
    path.write_text("[1,\n" + "".join(srsly.json_dumps(x) + "\n" for x in lines),
                    encoding="utf8")
    errors: list[FormatError] = []
    assert list(read_spans(path, nlp.make_doc, errors)) == []
    assert [(e.line, e.field) for e in errors] == [
        (1, None), (2, "text"), (3, "spans[0]"), (4, "relations[0].child"), (5, "answer")]
    assert all(e.path == str(path) for e in errors)
    assert "match no" not in str(errors[3]) and "token 7" in str(errors[3])


# --- annotations and DocBin ----------------------------------------------------------------


def test_annotations_errors_for_relation_index(nlp, tmp_path):
    path = tmp_path / "ann.jsonl"
    srsly.write_jsonl(path, [{**RECORDS[1], "relations": [{"head": 0, "tail": 5,
                                                           "label": "part_of"}]}])
    with pytest.raises(FormatError) as info:
        list(read_annotations(path, nlp.make_doc))
    assert (info.value.path, info.value.line, info.value.field) == (
        str(path), 1, "relations[0].tail")


def test_docbin_round_trip_keeps_relations(nlp, tmp_path):
    docs = gold_docs(nlp)
    assert write_docbin(docs, tmp_path / "docs.spacy") == 4
    again = list(read_docbin(tmp_path / "docs.spacy", nlp.make_doc))
    assert facts(again) == facts(docs)
    assert again[0]._.relations[2].score == pytest.approx(0.42)
    assert not has_relations(again[3])


# --- batch conversion and the corpus reader -------------------------------------------------


@pytest.mark.parametrize("to_format", ["annotations", "spans", "spacy"])
def test_convert_reports_bad_lines_and_converts_the_rest(nlp, tmp_path, to_format, capsys):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    srsly.write_jsonl(first, RECORDS[:2])
    bad = {**RECORDS[0], "entities": [{"start": 0, "end": 500, "label": "TAXON"}]}
    second.write_text("\n".join(srsly.json_dumps(r) for r in [RECORDS[2], bad, RECORDS[3]])
                      + "\n", encoding="utf8")
    output = tmp_path / f"out.{to_format}"
    report = convert([first, second], output, "annotations", to_format, nlp)
    assert isinstance(report, ConversionReport)
    assert (report.lines_in, report.docs_out, len(report.errors)) == (5, 4, 1)
    assert (report.errors[0].path, report.errors[0].line, report.errors[0].field) == (
        str(second), 2, "entities[0]")
    err = unwrapped(capsys.readouterr().err)
    assert "in 5 lines, out 4 docs, errors 1" in err and "b.jsonl:2" in err
    assert not list(tmp_path.glob("*.tmp"))
    back = convert([output], tmp_path / "back.jsonl", to_format, "annotations", nlp,
                   verbose=False)
    assert back.docs_out == 4 and not back.errors
    expected = [record_to_doc(nlp.make_doc, r) for r in [*RECORDS[:3], RECORDS[3]]]
    assert facts(list(read_annotations(tmp_path / "back.jsonl", nlp.make_doc))) == \
        facts(expected)


def test_convert_seed_to_annotations(nlp, tmp_path):
    path = tmp_path / "seed.jsonl"
    srsly.write_jsonl(path, SEED_LINES)
    report = convert([path], tmp_path / "ann.jsonl", "seed", "annotations", nlp, verbose=False)
    assert (report.lines_in, report.docs_out, report.counts["lines_duplicate"]) == (6, 2, 1)
    records = list(srsly.read_jsonl(tmp_path / "ann.jsonl"))
    assert records[0]["id"] == "paper2007:1" and len(records[0]["relations"]) == 2


def test_convert_rejects_unknown_format(nlp, tmp_path):
    with pytest.raises(ValueError, match="Unknown format"):
        convert([], tmp_path / "x", "conll", "spacy", nlp)


def test_annotations_corpus_reader(nlp, tmp_path):
    path = tmp_path / "train.jsonl"
    write_annotations(gold_docs(nlp), path)
    reader = spacy.registry.readers.get("paleo_re.AnnotationsReader.v1")
    assert reader is create_annotations_reader
    examples = list(reader(path)(nlp))
    assert len(examples) == 4 and all(isinstance(eg, Example) for eg in examples)
    assert [(r.head.text, r.label) for r in examples[1].reference._.relations] == [
        ("Wheeler Member", "part_of")]
    assert len(list(reader(tmp_path, limit=2)(nlp))) == 2


# --- stand-off annotations ----------------------------------------------------------------


def _standoff_source(tmp_path: Path) -> tuple[Path, dict]:
    """A data folder with one raw line (PDF line break included) and a stand-off record for it."""
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    (data / "raw" / "s.jsonl").write_text("\n".join([
        srsly.json_dumps({"text": "x"}),
        srsly.json_dumps({"text": "Olenellus occurs in the\nPioche  Shale."}),
        "{not json"]) + "\n", encoding="utf8")
    text = plain_text("Olenellus occurs in the\nPioche  Shale.")
    record = {"id": "r1", "source": {"file": "raw/s.jsonl", "line": 2, "sha1": text_digest(text)},
              "entities": [{"start": 0, "end": 9, "label": "TAXON"},
                           {"start": 24, "end": 36, "label": "STRAT"}],
              "relations": [{"head": 0, "tail": 1, "label": "occurs_in"}]}
    return data, record


def test_standoff_reads_text_from_the_data_folder(nlp, tmp_path):
    data, record = _standoff_source(tmp_path)
    srsly.write_jsonl(tmp_path / "labels.jsonl", [record])
    (doc,) = read_standoff(tmp_path / "labels.jsonl", data, nlp.make_doc)
    assert doc.text == "Olenellus occurs in the Pioche Shale."
    assert [(r.head.text, r.label, r.tail.text) for r in doc._.relations] == [
        ("Olenellus", "occurs_in", "Pioche Shale")]


def test_standoff_errors_name_file_line_and_field(nlp, tmp_path):
    data, good = _standoff_source(tmp_path)
    path = tmp_path / "labels.jsonl"
    srsly.write_jsonl(path, [
        good,
        {**good, "source": {**good["source"], "sha1": "0" * 40}},
        {**good, "source": {**good["source"], "line": 9}},
        {**good, "source": {**good["source"], "file": "raw/missing.jsonl"}},
        {k: v for k, v in good.items() if k != "source"},
        {**good, "source": {**good["source"], "line": 3}},  # the source's bad JSON line
        {**good, "source": {**good["source"], "file": "../data/raw/s.jsonl"}},
        {**good, "text": "Olenellus occurs in the Pioche Shale."},
    ])
    errors: list[FormatError] = []
    docs = list(read_standoff(path, data, nlp.make_doc, errors))
    assert len(docs) == 1
    assert [(e.line, e.field) for e in errors] == [
        (2, "source.sha1"), (3, "source.line"), (4, "source.file"), (5, "source"),
        (6, "source.line"), (7, "source.file"), (8, "text")]
    assert all(e.path == str(path) for e in errors)
    with pytest.raises(FormatError, match=r"labels\.jsonl:2: field 'source.sha1'"):
        list(read_standoff(path, data, nlp.make_doc))


@pytest.mark.skipif(not (DATA / "paleobert" / "ner_dev.jsonl").exists(),
                    reason="seed data not available")
@pytest.mark.parametrize("name", ["real.jsonl", "real_more.jsonl"])
def test_committed_real_labels_match_the_data(nlp, name):
    errors: list[FormatError] = []
    docs = list(read_standoff(ANNOTATED / name, DATA, nlp.make_doc, errors))
    assert not errors and len(docs) >= 500
    assert {r.label for d in docs for r in d._.relations} == {
        "occurs_in", "found_at", "assigned_to", "part_of"}


@pytest.mark.slow
@pytest.mark.parametrize("relation, entity_label, field, words", [
    ({"head": 0, "tail": 1, "label": "eats"}, "STRAT", "relations[0].label", "unknown"),
    ({"head": 1, "tail": 0, "label": "occurs_in"}, "STRAT", "relations[0].label",
     "does not join STRAT to TAXON"),
    ({"head": 0, "tail": 1, "label": "occurs_in"}, "ROCK", "entities[1].label", "unknown"),
    ({"head": 0, "tail": 0, "label": "occurs_in"}, "STRAT", "relations[0].tail", "itself"),
    ({"head": True, "tail": 1, "label": "occurs_in"}, "STRAT", "relations[0].head",
     "not an index"),
])
def test_training_data_that_breaks_the_schema_is_refused_with_file_line_and_field(
        relation, entity_label, field, words, tmp_path):
    from paleo_re.component.schema import DEFAULT
    from paleo_re.training.corpus import build_corpus

    good = {"text": "Olenellus occurs in the Pioche Shale.",
            "entities": [{"start": 0, "end": 9, "label": "TAXON"},
                         {"start": 24, "end": 36, "label": "STRAT"}],
            "relations": [{"head": 0, "tail": 1, "label": "occurs_in"}]}
    bad = {**good, "entities": [good["entities"][0], {**good["entities"][1],
                                                       "label": entity_label}],
           "relations": [relation]}
    path = tmp_path / "a.jsonl"
    srsly.write_jsonl(path, [good, bad, good])
    errors = []
    docs = list(read_annotations(path, spacy.blank("en").make_doc, errors, DEFAULT))
    assert len(docs) == 2 and len(errors) == 1
    assert str(errors[0]).startswith(f"{path}:2: field '{field}'") and words in str(errors[0])
    counts = build_corpus(spacy.blank("en"), [path], [], tmp_path / "t.spacy",
                          tmp_path / "d.spacy", dev_fraction=0.0)
    assert counts["errors"] == 1 and counts["train"] == 2
