"""Occurrence records with ages, from small hand-made triples: the join through part_of,
assigned_to and found_at, the time scale, conflicts, the graph's ages and the command."""

from __future__ import annotations

import csv

import networkx as nx
import pytest
import rdflib
import srsly
from typer.testing import CliRunner
from util import unwrapped

from paleo_re.apps.extract import write_triples
from paleo_re.apps.graph import build_graph, to_rdf, write_graph
from paleo_re.apps.occurrences import occurrences, unit_rank
from paleo_re.apps.timescale import default_timescale, resolve
from paleo_re.cli import app

TYPES = {"occurs_in": ("TAXON", "STRAT"), "found_at": ("TAXON", "LOC"),
         "assigned_to": ("STRAT", "CHRONO"), "part_of": ("STRAT", "STRAT")}


def triple(doc_id: str, head: str, label: str, tail: str, score: float = 0.9,
           sentence: str = "", start: int = 0) -> dict:
    """A triple as `extract` writes it; offsets are those of `sentence` when it names both."""
    sentence = sentence or f"{head} {label} {tail}."
    h, t = sentence.find(head), sentence.find(tail)
    return {"doc_id": doc_id, "sentence": sentence, "sentence_start": start,
            "head": {"text": head, "start": start + h, "end": start + h + len(head),
                     "label": TYPES[label][0]},
            "tail": {"text": tail, "start": start + t, "end": start + t + len(tail),
                     "label": TYPES[label][1]},
            "label": label, "score": score, "model": "en_paleo_re", "model_version": "0.1.0"}


def only(rows: list[dict], **match: str) -> dict:
    (row,) = [row for row in rows if all(row[k] == v for k, v in match.items())]
    return row


def test_done_when_elrathia_kingii_in_the_wheeler_formation_of_drumian_age():
    first = "Elrathia kingii occurs in the Wheeler Formation of the House Range, Utah. "
    second = "The Wheeler Formation is of Drumian age."
    rows = [triple("wheeler.txt", "Elrathia kingii", "occurs_in", "Wheeler Formation",
                   0.98, first),
            triple("wheeler.txt", "Elrathia kingii", "found_at", "House Range", 0.95, first),
            triple("wheeler.txt", "Elrathia kingii", "found_at", "Utah", 0.93, first),
            triple("wheeler.txt", "Wheeler Formation", "assigned_to", "Drumian", 0.9, second,
                   start=len(first))]
    result = occurrences(rows)
    (row,) = result.rows
    assert row["accepted_name"] == "Elrathia kingii"
    assert row["formation"] == "Wheeler Formation" and row["member"] is None
    assert (row["early_interval"], row["max_ma"], row["min_ma"]) == ("Drumian", 504.5, 500.5)
    assert "Utah" in row["places"] and row["state"] == "Utah"
    assert (row["support"], row["documents"], row["best_score"]) == (1, 1, 0.98)
    assert row["evidence"] == ["wheeler.txt#0"] and not row["age_conflict"]
    assert result.dated == 1 and not result.unknown


def test_a_members_occurrence_gets_its_formation_and_group():
    rows = [triple("a", "Oryctocephalus indicus", "occurs_in", "Spence Shale Mbr"),
            triple("a", "Spence Shale Member", "part_of", "Langston Fm."),
            triple("b", "Langston Formation", "part_of", "Ute Group"),
            # a wrong edge upward to a member is not followed: no formation in its member
            triple("c", "Langston Formation", "part_of", "Spence Shale Member", 0.99),
            triple("c", "Langston Formation", "part_of", "Spence Shale Member", 0.99),
            triple("b", "Langston Formation", "assigned_to", "Wuliuan")]
    (row,) = occurrences(rows).rows
    assert (row["unit"], row["member"], row["formation"], row["stratgroup"]) == (
        "Spence Shale Member", "Spence Shale Member", "Langston Formation", "Ute Group")
    # the member has no interval of its own: its formation's, named in interval_unit
    assert (row["early_interval"], row["interval_unit"]) == ("Wuliuan", "Langston Formation")
    assert unit_rank("Olenellus Zone") == "zone" and unit_rank("Marjum Limestone") == \
        "formation" and unit_rank("Olenellus beds") is None


def test_stage_5_and_wuliuan_give_the_same_ages_and_merge():
    assert resolve("Stage 5") == resolve("Wuliuan") == resolve("Cambrian Stage 5") \
        == resolve("Wuliuan Stage")
    assert (resolve("Stage 5").max_ma, resolve("Stage 5").min_ma) == (506.5, 504.5)
    rows = [triple("a", "Oryctocephalus indicus", "occurs_in", "Spence Shale Member"),
            triple("a", "Spence Shale Member", "assigned_to", "Cambrian Stage 5"),
            triple("b", "Spence Shale Member", "assigned_to", "Wuliuan"),
            triple("c", "Ptychagnostus praecurrens", "occurs_in", "Emigrant Formation"),
            triple("c", "Emigrant Formation", "assigned_to", "Stage 5")]
    result = occurrences(rows)
    spence = only(result.rows, unit="Spence Shale Member")
    (interval,) = spence["intervals"]
    assert interval["names"] == ["Cambrian Stage 5", "Wuliuan"]
    assert (interval["support"], interval["documents"]) == (2, 2)
    emigrant = only(result.rows, unit="Emigrant Formation")
    assert (spence["max_ma"], spence["min_ma"]) == (emigrant["max_ma"], emigrant["min_ma"])
    assert spence["early_interval"] == emigrant["early_interval"] == "Wuliuan"
    assert not spence["age_conflict"]


def test_names_normalise_against_the_time_scale():
    assert resolve("Botomian") == resolve("Botoman") and resolve("Botoman").interval == \
        "Botoman"
    middle = resolve("Middle Cambrian")  # the traditional series, not a third of the Cambrian
    assert (middle.max_ma, middle.min_ma) == (506.5, 497.0)
    assert resolve("middle Cambrian") == resolve("MIDDLE CAMBRIAN") == middle
    idamean, late = resolve("Idamean"), resolve("late Idamean")
    assert late.interval == "late Idamean" and late.min_ma == idamean.min_ma
    assert late.max_ma == pytest.approx(idamean.min_ma + (idamean.max_ma - idamean.min_ma) / 3,
                                        abs=0.01)
    span = resolve("Lower–Middle Cambrian")
    assert (span.early_interval, span.late_interval, span.max_ma, span.min_ma) == (
        "Lower Cambrian", "Middle Cambrian", 538.8, 497.0)
    assert resolve("late Middle Cambrian").interval == "late Middle Cambrian"
    assert resolve("Sun- waptan").interval == "Sunwaptan"  # a line break in the name
    for name in ("Delamaran", "Templetonian", "Atdabanian", "Qiongzhusian", "Dominopolian",
                 "Tremadocian", "Ediacaran", "Waucoban", "Croixan", "Niuchehean", "Mayan"):
        assert resolve(name) is not None, name


def test_the_time_scale_names_its_source_and_is_consistent():
    scale = default_timescale()
    assert "v2023/09" in scale.metadata["chart"] and scale.metadata["version"]
    assert {"source ICS2023", "source TRAD", "source REG"} <= set(scale.metadata)
    schemes = {interval.scheme for interval in scale.intervals.values()}
    assert {"ICS", "traditional", "Laurentia", "Australia", "Siberia", "South China",
            "Baltica"} <= schemes
    for interval in scale.intervals.values():
        assert interval.max_ma > interval.min_ma, interval
        assert interval.source in {"ICS2023", "TRAD", "REG"}
        assert (interval.source == "REG") == (interval.scheme not in {"ICS", "traditional"})
    ics = sorted((i for i in scale.intervals.values()
                  if i.source == "ICS2023" and i.rank == "stage"), key=lambda i: -i.max_ma)
    assert all(a.min_ma == b.max_ma for a, b in zip(ics, ics[1:]))  # stages tile the chart


def test_an_unknown_interval_is_kept_and_counted_not_guessed():
    rows = [triple("a", "Marianaspis", "occurs_in", "Alconera Formation"),
            triple("a", "Alconera Formation", "assigned_to", "Marianian"),
            triple("b", "Olenellus", "occurs_in", "Pioche Formation"),
            triple("b", "Pioche Formation", "assigned_to", "pre-Tommotian")]
    result = occurrences(rows)
    row = only(result.rows, unit="Alconera Formation")
    assert row["early_interval"] == "Marianian"
    assert row["max_ma"] is None and row["min_ma"] is None
    assert row["intervals"][0]["interval"] is None
    assert result.unknown == {"Marianian": 1, "pre-Tommotian": 1} and result.dated == 0
    assert "2 interval names not in the time scale" in result.summary()
    for name in ("Early Cam-", "Precambrian", "Kiya regional stage", "Foo Stage"):
        assert resolve(name) is None, name


def test_conflicting_intervals_are_kept_with_their_support_and_flagged():
    rows = [triple("a", "Elrathia kingii", "occurs_in", "Wheeler Formation"),
            triple("a", "Wheeler Formation", "assigned_to", "Drumian"),
            triple("b", "Wheeler Formation", "assigned_to", "Drumian Stage"),
            triple("c", "Wheeler Formation", "assigned_to", "Lower Cambrian"),
            triple("d", "Olenellus", "occurs_in", "Pioche Formation"),
            triple("d", "Pioche Formation", "assigned_to", "Cambrian"),
            triple("e", "Pioche Formation", "assigned_to", "Dyeran")]
    result = occurrences(rows)
    wheeler = only(result.rows, unit="Wheeler Formation")
    assert wheeler["age_conflict"] and result.conflicts == 1
    assert [(i["interval"], i["support"]) for i in wheeler["intervals"]] == [
        ("Drumian", 2), ("Lower Cambrian", 1)]
    assert wheeler["early_interval"] == "Drumian"  # the best supported
    assert not only(result.rows, unit="Pioche Formation")["age_conflict"]  # nested: overlap


def test_places_come_from_the_documents_of_the_occurrence():
    rows = [triple("a", "Olenellus gilberti", "occurs_in", "Pioche Formation"),
            triple("a", "Olenellus gilberti", "found_at", "Lincoln County"),
            triple("a", "Olenellus gilberti", "found_at", "Nevada"),
            triple("b", "Olenellus gilberti", "found_at", "Greenland")]
    (row,) = occurrences(rows).rows
    assert sorted(row["places"]) == ["Lincoln County", "Nevada"]
    assert (row["state"], row["county"]) == ("Nevada", "Lincoln County")


def test_graph_carries_ages_of_time_units_in_graphml_and_turtle(tmp_path):
    rows = [triple("a", "Wheeler Formation", "assigned_to", "Drumian", start=12),
            triple("a", "Pioche Formation", "assigned_to", "Marianian")]
    graphml, turtle = write_graph(build_graph(rows), tmp_path / "kg")
    nodes = dict(nx.read_graphml(graphml).nodes(data=True))
    assert (nodes["CHRONO:drumian"]["max_ma"], nodes["CHRONO:drumian"]["min_ma"],
            nodes["CHRONO:drumian"]["interval"]) == (504.5, 500.5, "Drumian")
    assert "max_ma" not in nodes["CHRONO:marianian"]
    (edge,) = [d for _, _, d in nx.read_graphml(graphml).edges(data=True)
               if d["label"] == "assigned_to" and "12" in d["evidence"]]
    assert srsly.json_loads(edge["evidence"]) == ["a#12"]
    rdf = rdflib.Graph().parse(turtle, format="turtle")
    answers = rdf.query("""
        SELECT ?name ?old ?young ?trs WHERE {
            ?unit a time:ProperInterval ; rdfs:label ?name ;
                time:hasBeginning/time:inTimePosition ?b ; time:hasEnd/time:inTimePosition ?e .
            ?b time:numericPosition ?old ; time:hasTRS ?trs . ?e time:numericPosition ?young .
        }""", initNs={"time": rdflib.TIME, "rdfs": rdflib.RDFS})
    (name, old, young, trs), = list(answers)
    assert (str(name), float(old), float(young)) == ("Drumian", 504.5, 500.5)
    assert str(trs) == "http://resource.geosciml.org/classifier/cgi/geologicage/ma"
    assert len(to_rdf(build_graph(rows))) > 0


def test_cli_writes_csv_and_jsonl_and_reports_bad_lines(tmp_path):
    good = [triple("d1", "Elrathia kingii", "occurs_in", "Wheeler Formation"),
            triple("d1", "Wheeler Formation", "assigned_to", "Drumian"),
            triple("d1", "Elrathia kingii", "found_at", "Utah"),
            triple("d2", "=HYPERLINK(\"http://x\")", "occurs_in", "Marjum Formation")]
    path = tmp_path / "triples.jsonl"
    lines = [srsly.json_dumps(row) for row in good]
    lines[1:1] = ["{not json", srsly.json_dumps({"doc_id": "d3", "label": "occurs_in"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    out = tmp_path / "occurrences.csv"
    result = CliRunner().invoke(app, ["occurrences", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    printed = unwrapped(result.output)
    assert f"{path}:2" in printed and f"{path}:3: field 'score' missing" in printed
    assert "Traceback" not in result.output
    assert "2 occurrences, 1 with ages" in printed
    with out.open(encoding="utf8", newline="") as f:
        table = list(csv.DictReader(f))
    elrathia = only(table, accepted_name="Elrathia kingii")
    assert (elrathia["formation"], elrathia["early_interval"], elrathia["max_ma"],
            elrathia["min_ma"]) == ("Wheeler Formation", "Drumian", "504.5", "500.5")
    assert srsly.json_loads(elrathia["places"]) == ["Utah"]
    assert any(row["accepted_name"].startswith("'=HYPERLINK") for row in table)  # defused

    # JSON lines by suffix, from a CSV triples file
    write_triples(good, tmp_path / "triples.csv")
    result = CliRunner().invoke(app, ["occurrences", str(tmp_path / "triples.csv"),
                                      "-o", str(tmp_path / "occurrences.jsonl")])
    assert result.exit_code == 0, result.output
    records = list(srsly.read_jsonl(tmp_path / "occurrences.jsonl"))
    assert only(records, accepted_name="Elrathia kingii")["max_ma"] == 504.5
    assert only(records, accepted_name="=HYPERLINK(\"http://x\")")  # JSON keeps it as is


def test_cli_says_what_is_wrong_without_a_traceback(tmp_path):
    result = CliRunner().invoke(app, ["occurrences", str(tmp_path / "missing.jsonl"),
                                      "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    srsly.write_jsonl(tmp_path / "t.jsonl", [triple("a", "Olenellus", "occurs_in", "X Fm")])
    result = CliRunner().invoke(app, ["occurrences", str(tmp_path / "t.jsonl"),
                                      "-o", str(tmp_path / "o.xml"), "--format", "xml"])
    assert result.exit_code == 1 and "Unknown format" in unwrapped(result.output)
    assert not (tmp_path / "o.xml").exists()
