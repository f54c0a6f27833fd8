"""Extraction from papers to triples, graph, review tasks, pictures: on a tiny trained pipeline
(rules for entities, a tok2vec relation extractor trained on the toy set) and files made here."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest
import srsly
from typer.testing import CliRunner
from util import toy_pipeline, unwrapped

from paleo_re.apps.extract import (
    Report,
    dehyphenate,
    export_review,
    extract,
    iter_inputs,
    read_triples,
    write_triples,
)
from paleo_re.apps.graph import build_graph, normalise, to_rdf, top_facts, write_graph
from paleo_re.apps.visualize import arc_labels, dump_dom, find_chromium, render_triples, screenshot
from paleo_re.cli import app
from paleo_re.io.spans import read_spans

PDF_LINES = ["Olenellus occurs in the Wheeler Formation. Elrathia kingii was collected at Ne-",
             "vada."]
TXT = "The Marjum Formation is dated to the Drumian. Olenellus occurs in the Wheeler Formation."


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A minimal one-page PDF whose text layer has `lines` (Helvetica, one Tj per line)."""
    ops = ["BT", "/F1 12 Tf", "72 720 Td"]
    for i, line in enumerate(lines):
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops += ([] if i == 0 else ["0 -16 Td"]) + [f"({escaped}) Tj"]
    stream = "\n".join([*ops, "ET"]).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


@pytest.fixture(scope="module")
def nlp():
    return toy_pipeline()


@pytest.fixture
def papers(tmp_path) -> Path:
    folder = tmp_path / "papers"
    folder.mkdir()
    make_pdf(folder / "a.pdf", PDF_LINES)
    (folder / "b.txt").write_text(TXT, encoding="utf8")
    return folder


def by_label(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["label"], []).append(row)
    return out


def test_dehyphenate():
    assert dehyphenate("found in Ne-\nvada and the Cambrian-\nOrdovician\nboundary.\n\nNext") \
        == "found in Nevada and the Cambrian-Ordovician boundary.\n\nNext"


def test_pdf_text_layer_is_dehyphenated(papers):
    report = Report()
    docs = dict(iter_inputs([papers / "a.pdf"], report))
    assert report.failures == []
    assert docs[str(papers / "a.pdf")] == " ".join(PDF_LINES).replace("Ne- vada", "Nevada")


@pytest.mark.slow
def test_pdf_to_graph_end_to_end(nlp, papers, tmp_path):
    out = tmp_path / "triples.jsonl"
    report = extract(nlp, [papers], out, batch_size=2)
    assert (report.documents, report.failures) == (2, [])
    rows = read_triples(out)
    assert report.triples == len(rows) > 0
    texts = {str(papers / "a.pdf"): dehyphenate("\n".join(PDF_LINES)), str(papers / "b.txt"): TXT}
    for row in rows:  # provenance: offsets point at the entities in the document text
        text = texts[row["doc_id"]]
        for side in ("head", "tail"):
            assert text[row[side]["start"]:row[side]["end"]] == row[side]["text"]
        start = row["sentence_start"]
        assert text[start:start + len(row["sentence"])] == row["sentence"]
        assert (row["model"], row["model_version"]) == ("en_toy_paleo", "0.0.1")
        assert 0.0 <= row["score"] <= 1.0
    labels = by_label(rows)
    found = [(r["head"]["text"], r["tail"]["text"], r["sentence"]) for r in labels["found_at"]]
    assert ("Elrathia kingii", "Nevada", "Elrathia kingii was collected at Nevada.") in found
    occurs = {(r["doc_id"], r["head"]["text"], r["tail"]["text"]) for r in labels["occurs_in"]}
    assert {(str(papers / "a.pdf"), "Olenellus", "Wheeler Formation"),
            (str(papers / "b.txt"), "Olenellus", "Wheeler Formation")} <= occurs
    assert ("Marjum Formation", "Drumian") in {(r["head"]["text"], r["tail"]["text"])
                                               for r in labels["assigned_to"]}

    graphml, turtle = write_graph(build_graph(rows), tmp_path / "kg")
    kg = nx.read_graphml(graphml, force_multigraph=True)
    edge = kg.get_edge_data("TAXON:olenellus", "STRAT:wheeler formation")["occurs_in"]
    assert (edge["support"], edge["documents"]) == (2, 2)
    assert 0.0 < edge["mean_score"] <= edge["max_score"] <= 1.0
    assert kg.nodes["LOC:nevada"]["name"] == "Nevada"

    import rdflib

    rdf = rdflib.Graph().parse(turtle, format="turtle")
    paleo = rdflib.Namespace("urn:paleo-re:vocab#")
    answers = rdf.query("SELECT ?t ?u WHERE { ?s paleo:occurs_in ?o . ?s rdfs:label ?t . "
                        "?o rdfs:label ?u . }", initNs={"paleo": paleo, "rdfs": rdflib.RDFS})
    assert ("Olenellus", "Wheeler Formation") in {(str(t), str(u)) for t, u in answers}
    supports = {int(s) for s in rdf.objects(None, paleo.support)}
    assert 2 in supports


def test_graph_merges_name_variants():
    assert normalise("Wheeler Fm.") == normalise("wheeler  Formation") \
        == normalise("the Whee- ler Fm") == "wheeler formation"
    assert normalise("Marjum Mbr") == "marjum member"

    def row(doc, head, tail, score):
        return {"doc_id": doc, "label": "occurs_in", "score": score,
                "head": {"text": head, "label": "TAXON", "start": 0, "end": len(head)},
                "tail": {"text": tail, "label": "STRAT", "start": 0, "end": len(tail)}}

    kg = build_graph([row("d1", "Olenellus", "Wheeler Fm.", 0.9),
                      row("d2", "Olenellus", "Wheeler Formation", 0.7),
                      row("d2", "Olenellus", "Wheeler  Formation", 0.5),
                      row("d3", "Elrathia", "Marjum Formation", 0.99)])
    assert top_facts(kg)[0][:5] == ("Olenellus", "occurs_in", "Wheeler Formation", 3, 2)
    assert top_facts(kg)[0][5:] == pytest.approx((0.9, 0.7))
    assert len(to_rdf(kg)) > 0


@pytest.mark.slow
def test_folder_with_broken_files_yields_the_rest(nlp, papers, tmp_path):
    (papers / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Cat garbage \x00\xff")
    (papers / "empty.txt").write_bytes(b"")
    out = tmp_path / "triples.jsonl"
    report = extract(nlp, [papers], out)
    assert report.documents == 2
    assert {row["doc_id"] for row in read_triples(out)} == {str(papers / "a.pdf"),
                                                            str(papers / "b.txt")}
    assert len(report.failures) == 2
    summary = report.summary()
    assert "corrupt.pdf" in summary and "empty.txt" in summary and "2 failed" in summary


@pytest.mark.slow
def test_csv_output(nlp, papers, tmp_path):
    jsonl, csv = tmp_path / "t.jsonl", tmp_path / "t.csv"
    extract(nlp, [papers], jsonl)
    extract(nlp, [papers], csv, fmt="csv")
    assert csv.read_text(encoding="utf8").startswith("doc_id,head,head_label,head_start")
    from_csv, from_jsonl = read_triples(csv), read_triples(jsonl)
    assert [r.pop("score") for r in from_csv] == pytest.approx([r.pop("score")
                                                                for r in from_jsonl])
    assert from_csv == from_jsonl and len(from_csv) > 0


@pytest.mark.slow
def test_resume_skips_documents_in_output(nlp, papers, tmp_path):
    out = tmp_path / "t.jsonl"
    first = extract(nlp, [papers / "a.pdf"], out)
    before = read_triples(out)
    second = extract(nlp, [papers], out, resume=True)
    assert (first.documents, second.documents, second.skipped) == (1, 1, 1)
    after = read_triples(out)
    assert after[:len(before)] == before
    assert len(after) == len(before) + second.triples
    assert {row["doc_id"] for row in after[len(before):]} == {str(papers / "b.txt")}
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.slow
def test_review_round_trip(nlp, papers, tmp_path):
    out = tmp_path / "review.jsonl"
    report, n = export_review(nlp, [papers], out, below=1.01)  # every prediction
    assert n == len(list(srsly.read_jsonl(out))) > 0 and report.failures == []
    predicted = {(r["head"]["text"], r["label"], r["tail"]["text"], round(r["score"], 4))
                 for r in read_triples(_extracted(nlp, papers, tmp_path))}
    docs = list(read_spans(out, nlp.make_doc))
    back = {(rel.head.text, rel.label, rel.tail.text, round(rel.score, 4))
            for doc in docs for rel in doc._.relations}
    assert back == predicted
    assert all(doc.text in {s for t in (TXT, dehyphenate("\n".join(PDF_LINES)))
                            for s in _sentences(nlp, t)} for doc in docs)
    assert export_review(nlp, [papers], tmp_path / "none.jsonl", below=0.0)[1] == 0


def _extracted(nlp, papers: Path, tmp_path: Path) -> Path:
    out = tmp_path / "all.jsonl"
    extract(nlp, [papers], out)
    return out


def _sentences(nlp, text: str) -> list[str]:
    return [s.text for s in nlp(text).sents]


@pytest.mark.slow
def test_cli_extract_graph_review(nlp, papers, tmp_path):
    model = tmp_path / "model"
    nlp.to_disk(model)
    runner = CliRunner()
    out = tmp_path / "t.csv"
    result = runner.invoke(app, ["extract", str(papers), "-o", str(out), "--model", str(model),
                                 "--batch-size", "4", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "2 documents" in unwrapped(result.output) and len(read_triples(out)) > 0
    result = runner.invoke(app, ["graph", str(out), "-o", str(tmp_path / "kg")])
    assert result.exit_code == 0, result.output
    assert "Wheeler Formation" in unwrapped(result.output)
    assert (tmp_path / "kg.graphml").exists() and (tmp_path / "kg.ttl").exists()
    result = runner.invoke(app, ["review", str(papers), "-o", str(tmp_path / "r.jsonl"),
                                 "--model", str(model), "--below", "1.01"])
    assert result.exit_code == 0, result.output
    assert len(list(srsly.read_jsonl(tmp_path / "r.jsonl"))) > 0


def test_confusion_matrix_png(tmp_path):
    from paleo_re.evaluation.evaluate import write_results

    scores = {"rel_f_per_type": {"occurs_in": {"p": 1.0, "r": 0.5, "f": 0.667}},
              "rel_micro_p": 1.0, "rel_micro_r": 0.5, "rel_micro_f": 0.667, "rel_macro_f": 0.667}
    confusion = {"occurs_in": {"occurs_in": 3, "NO_RELATION": 1}, "NO_RELATION": {"found_at": 2}}
    write_results({"gold": "g.jsonl", "n_docs": 4,
                   "gold_ents": {"relations": scores, "confusion": confusion}}, tmp_path, "T")
    assert (tmp_path / "metrics.json").exists()
    assert (tmp_path / "confusion_gold_ents.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install chromium)")
def test_visualize_arcs_in_chromium(nlp, papers, tmp_path):
    rows = read_triples(_extracted(nlp, papers, tmp_path))
    page = tmp_path / "page.html"
    page.write_text(render_triples(rows), encoding="utf8")
    labels = arc_labels(dump_dom(page))
    assert sorted(labels) == sorted(f"{r['label']} ({r['score']:.2f})" for r in rows)
    png = screenshot(page, tmp_path / "page.png", 1200, 700)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_visualize_without_chromium_still_renders(nlp, papers):
    from paleo_re.apps.extract import process
    from paleo_re.apps.visualize import render_docs

    html = render_docs(process(nlp, [papers], Report()))
    assert html.count('class="paleo-sentence"') == 4
    assert "displacy-arc" in html and "found_at (" in html


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1", "-Olenellus", "@SUM(A1)",
                                  "'=already quoted", "'plain", "Olenellus"])
def test_csv_cells_never_start_a_formula_and_read_back_unchanged(text, tmp_path):
    from paleo_re.apps.extract import FORMULA_STARTS

    row = {"doc_id": text, "sentence": text, "sentence_start": 0, "label": "occurs_in",
           "score": 0.9, "model": "m", "model_version": "1",
           "head": {"text": text, "start": 0, "end": 1, "label": "TAXON"},
           "tail": {"text": "Pioche Formation", "start": 2, "end": 3, "label": "STRAT"}}
    path = tmp_path / "t.csv"
    write_triples([row], path)
    with path.open(encoding="utf8", newline="") as f:
        cells = next(iter(csv.DictReader(f)))
    assert not any(cells[k].startswith(FORMULA_STARTS) for k in ("doc_id", "head", "sentence"))
    assert read_triples(path) == [row]


def test_visualize_escapes_every_field_of_a_triples_file():
    attack = "<img src=x onerror=alert(1)>"
    sentence = f"{attack} occurs in the Pioche Formation."
    row = {"doc_id": f"d{attack}", "sentence": sentence, "sentence_start": 0,
           "label": attack, "score": 0.9, "model": "m", "model_version": "1",
           "head": {"text": attack, "start": 0, "end": len(attack), "label": attack},
           "tail": {"text": "Pioche Formation", "start": sentence.index("Pioche"),
                    "end": sentence.index("Pioche") + 16, "label": "STRAT"}}
    text = render_triples([row])
    assert "<img" not in text and "&lt;img" in text


@pytest.mark.slow
def test_a_mistyped_input_is_an_error_and_keeps_the_existing_output(nlp, papers, tmp_path):
    model = tmp_path / "model"
    nlp.to_disk(model)
    out = tmp_path / "t.jsonl"
    extract(nlp, [papers], out)
    before = out.read_bytes()
    assert before
    report = extract(nlp, [tmp_path / "paperz"], out)
    assert report.failures == [f"{tmp_path / 'paperz'}: no such file or folder"]
    assert out.read_bytes() == before
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "paperz"), "-o", str(out),
                                      "--model", str(model), "--no-progress"])
    assert result.exit_code == 1 and "no such file or folder" in unwrapped(result.output)
    assert "Traceback" not in result.output and out.read_bytes() == before


@pytest.mark.slow
def test_document_ids_are_unique_paths_and_resume_skips_only_what_it_did(nlp, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(TXT, encoding="utf8")
    srsly.write_jsonl(tmp_path / "notes.txt.jsonl", [{"id": "notes.txt", "text": TXT}])
    report = Report()
    ids = [doc_id for doc_id, _ in iter_inputs([tmp_path / "a", tmp_path / "b",
                                               tmp_path / "notes.txt.jsonl"], report)]
    assert ids == [str(tmp_path / "a" / "notes.txt"), str(tmp_path / "b" / "notes.txt"),
                   f"{tmp_path / 'notes.txt.jsonl'}#notes.txt"]
    out = tmp_path / "t.jsonl"
    extract(nlp, [tmp_path / "a"], out)
    assert extract(nlp, [tmp_path / "a", tmp_path / "b"], out, resume=True).documents == 1


def test_a_bad_jsonl_line_is_reported_and_the_later_lines_still_read(tmp_path):
    path = tmp_path / "abstracts.jsonl"
    path.write_text('{"id": "a", "text": "One."}\n{"id": "b", "text": \n'
                    '{"id": "c"}\n{"id": "d", "text": "Four."}\n', encoding="utf8")
    report = Report()
    assert [i for i, _ in iter_inputs([path], report)] == [f"{path}#a", f"{path}#d"]
    assert len(report.failures) == 2
    assert f"{path}:2" in report.failures[0] and "JSON" in report.failures[0]
    assert f"{path}:3" in report.failures[1] and "text" in report.failures[1]


@pytest.mark.slow
def test_outputs_get_the_users_umask_not_a_private_mode(nlp, papers, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        extract(nlp, [papers], tmp_path / "t.jsonl")
    finally:
        os.umask(old)
    assert (tmp_path / "t.jsonl").stat().st_mode & 0o777 == 0o644


def _triple(doc_id: str, head: str, tail: str = "Wheeler Formation") -> dict:
    return {"doc_id": doc_id, "label": "occurs_in", "score": 0.9, "sentence": "s",
            "sentence_start": 0, "model": "m", "model_version": "1",
            "head": {"text": head, "start": 0, "end": 1, "label": "TAXON"},
            "tail": {"text": tail, "start": 2, "end": 3, "label": "STRAT"}}


def test_graph_reports_a_malformed_line_and_builds_from_the_rest(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join([srsly.json_dumps(_triple("d1", "Olenellus")), "{not json",
                               srsly.json_dumps({"doc_id": "d2", "label": "occurs_in"}),
                               srsly.json_dumps(_triple("d3", "Elrathia"))]) + "\n",
                    encoding="utf8")
    result = CliRunner().invoke(app, ["graph", str(path), "-o", str(tmp_path / "kg")])
    assert result.exit_code == 0, result.output
    out = unwrapped(result.output)
    assert f"{path}:2" in out and f"{path}:3: field 'score' missing" in out
    assert "Traceback" not in result.output
    assert nx.read_graphml(tmp_path / "kg.graphml").number_of_nodes() == 3


def test_graph_output_is_valid_and_keeps_names_and_ids_whole(tmp_path):
    rows = [_triple("a; b.txt", "Olenellus\x1b[31m\x07 gilberti"),
            _triple("c.txt", "Olenellus; gilberti")]
    srsly.write_jsonl(tmp_path / "t.jsonl", rows)
    result = CliRunner().invoke(app, ["graph", str(tmp_path / "t.jsonl"),
                                      "-o", str(tmp_path / "kg")])
    assert result.exit_code == 0, result.output
    assert "\x1b[31m" not in result.output and "\x07" not in result.output
    kg = nx.read_graphml(tmp_path / "kg.graphml")  # control characters would make it invalid
    names = {d["name"] for _, d in kg.nodes(data=True)}
    assert {"Olenellus[31m gilberti", "Olenellus; gilberti"} <= names
    edge_ids = [srsly.json_loads(d["doc_ids"]) for _, _, d in kg.edges(data=True)]
    assert ["a; b.txt"] in edge_ids
    documents = {str(o) for o in to_rdf(build_graph(rows)).objects()
                 if str(o).endswith(".txt")}
    assert documents == {"a; b.txt", "c.txt"}


@pytest.mark.slow
def test_visualize_runs_documents_through_the_pipeline_and_says_when_it_is_missing(
        nlp, papers, tmp_path, monkeypatch):
    import paleo_re.cli

    page = tmp_path / "page.html"
    result = CliRunner().invoke(app, ["visualize", str(papers / "b.txt"), "-o", str(page),
                                      "--model", str(tmp_path / "no-model")])
    assert result.exit_code == 1 and "Cannot load the pipeline" in unwrapped(result.output)
    assert "Traceback" not in result.output and not page.exists()
    loaded = []
    monkeypatch.setattr(paleo_re.cli.spacy, "load", lambda name: loaded.append(name) or nlp)
    result = CliRunner().invoke(app, ["visualize", str(papers / "b.txt"), "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert loaded == ["en_paleo_re"] and "Wheeler Formation" in page.read_text(encoding="utf8")
