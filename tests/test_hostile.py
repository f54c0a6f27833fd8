"""Hostile input, interrupts and user errors (issue 19): an output that cannot be written is
refused before the run, SIGTERM keeps the finished documents, every user error is one clear
line with a non-zero exit, and text in odd encodings or with control characters is read
cleanly. On a tiny trained pipeline and files made here."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy
import srsly
from spacy.language import Language
from spacy.tokens import DocBin
from typer.testing import CliRunner
from util import toy_pipeline, unwrapped

from paleo_re.apps.extract import Report, extract, iter_inputs, read_triples
from paleo_re.cli import app

TXT = "The Marjum Formation is dated to the Drumian. Olenellus occurs in the Wheeler Formation."
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SEEN: list[str] = []  # texts of the documents the recording pipeline processed


@Language.component("hostile_recorder")
def _recorder(doc):
    SEEN.append(doc.text)
    return doc


@pytest.fixture(scope="module")
def nlp():
    return toy_pipeline(60, epochs=6)


@pytest.fixture(scope="module")
def model(nlp, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "model"
    nlp.to_disk(path)
    return path


def invoke(*args: object):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def assert_user_error(result, *needles: str) -> None:
    """A non-zero exit with one clear message naming `needles`: no exception escaped the
    command but its exit, and no traceback was printed."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.output.count("\u2718") == 1, result.output  # one failure line
    printed = unwrapped(result.output)
    for needle in needles:
        assert needle in printed, printed


# --- #5: an unwritable output, SIGTERM ------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("case", ["folder", "under_a_file", "read_only"])
def test_an_unwritable_output_is_one_line_before_any_document_is_read(
        case, model, tmp_path, monkeypatch):
    import paleo_re.cli

    (tmp_path / "b.txt").write_text(TXT, encoding="utf8")
    if case == "folder":
        output = tmp_path / "out"
        output.mkdir()
    elif case == "under_a_file":
        output = tmp_path / "b.txt" / "out.jsonl"
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only folder")
        (tmp_path / "ro").mkdir()
        output = tmp_path / "ro" / "out.jsonl"
        os.chmod(tmp_path / "ro", 0o555)
    recording = spacy.load(model)
    recording.add_pipe("hostile_recorder", first=True)
    monkeypatch.setattr(paleo_re.cli.spacy, "load", lambda name: recording)
    SEEN.clear()
    result = invoke("extract", tmp_path / "b.txt", "-o", output, "--no-progress")
    assert_user_error(result, f"Cannot write {output}")
    assert SEEN == []  # refused before the run, not after it
    assert (tmp_path / "b.txt").read_text(encoding="utf8") == TXT


SLOW_RUNNER = '''
import sys, time
from spacy.language import Language

@Language.component("slow")
def slow(doc):
    with open(sys.argv[1], "a") as f:  # one character per document started
        f.write(".")
    time.sleep(0.2)
    return doc

from paleo_re.cli import app
app(sys.argv[2:])
'''


@pytest.fixture(scope="module")
def slow_model(tmp_path_factory) -> Path:
    from test_multiprocess import save_pipeline

    return save_pipeline(tmp_path_factory.mktemp("slow_model") / "model", "slow")


@pytest.mark.parametrize("n_process", [1, 2])
def test_sigterm_keeps_the_finished_documents_and_says_the_run_was_interrupted(
        n_process, slow_model, tmp_path):
    from test_multiprocess import TEXTS, finish

    docs = tmp_path / "docs.jsonl"
    srsly.write_jsonl(docs, [{"id": i, "text": t} for i, t in enumerate(TEXTS * 10)])
    runner, started, out = tmp_path / "runner.py", tmp_path / "started", tmp_path / "t.jsonl"
    runner.write_text(SLOW_RUNNER, encoding="utf8")
    proc = subprocess.Popen(
        [sys.executable, str(runner), str(started), "extract", str(docs), "-o", str(out),
         "--model", str(slow_model), "--batch-size", "1", "--n-process", str(n_process),
         "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while (not started.exists() or started.stat().st_size < 4) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # a few documents done, the run far from over (40 at 0.2 s each)
    proc.send_signal(signal.SIGTERM)
    printed = unwrapped(finish(proc, timeout=60))
    assert proc.returncode == 128 + signal.SIGTERM, printed
    assert "Traceback" not in printed
    match = re.search(r"Interrupted by SIGTERM: the triples of the (\d+) documents finished "
                      r"are kept in (\S+);", printed)
    assert match and match[2] == str(out), printed
    finished = int(match[1])
    assert 0 < finished < len(TEXTS) * 10, printed
    # the kept triples are those of the first documents, as a whole run gives them, and
    # --resume adds exactly the rest
    nlp = spacy.load(slow_model)
    extract(nlp, [docs], tmp_path / "all.jsonl")
    everything = read_triples(tmp_path / "all.jsonl")
    kept = read_triples(out)
    assert kept and kept == [row for row in everything
                             if int(row["doc_id"].rsplit("#", 1)[1]) < finished]
    extract(nlp, [docs], out, resume=True)
    assert read_triples(out) == everything


# --- #9: user errors are one clear line ---------------------------------------------------------

def _convert_case(case: str, tmp_path: Path) -> tuple[list[object], str]:
    """The arguments of a `convert` that must fail, and what its message must name."""
    jsonl = tmp_path / "a.jsonl"
    srsly.write_jsonl(jsonl, [{"text": TXT, "entities": [], "relations": []}])
    spacy_file = tmp_path / "a.spacy"
    DocBin(docs=[spacy.blank("en")(TXT)]).to_disk(spacy_file)
    out = tmp_path / "out.jsonl"
    if case == "missing input":
        return [tmp_path / "nothere.jsonl", "-o", out, "--from", "annotations", "--to",
                "seed"], "nothere.jsonl"
    if case == "folder input":
        return [tmp_path, "-o", out, "--from", "annotations", "--to", "seed"], str(tmp_path)
    if case == "bad --from name":
        return [jsonl, "-o", out, "--from", "conll", "--to", "seed"], "conll"
    if case == "bad --to name":
        return [jsonl, "-o", out, "--from", "annotations", "--to", "xml"], "xml"
    if case == "jsonl read as spacy":
        return [jsonl, "-o", out, "--from", "spacy", "--to", "annotations"], str(jsonl)
    if case == "spacy read as jsonl":
        return [spacy_file, "-o", out, "--from", "annotations", "--to", "seed"], \
            str(spacy_file)
    assert case == "output is a folder"
    (tmp_path / "outdir").mkdir()
    return [jsonl, "-o", tmp_path / "outdir", "--from", "annotations", "--to", "seed"], \
        str(tmp_path / "outdir")


@pytest.mark.parametrize("case", ["missing input", "folder input", "bad --from name",
                                  "bad --to name", "jsonl read as spacy", "spacy read as jsonl",
                                  "output is a folder"])
def test_convert_user_errors_are_one_line(case, tmp_path):
    args, named = _convert_case(case, tmp_path)
    assert_user_error(invoke("convert", *args), named)


@pytest.mark.slow
def test_evaluate_on_a_gold_file_with_a_bad_line_is_one_line(model, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(srsly.json_dumps({"text": TXT, "entities": [], "relations": []})
                    + "\n{not json\n", encoding="utf8")
    assert_user_error(invoke("evaluate", model, gold, "-o", tmp_path / "eval"), f"{gold}:2")
    assert not (tmp_path / "eval" / "metrics.json").exists()
    result = invoke("evaluate", model, tmp_path / "nothere.jsonl", "-o", tmp_path / "eval")
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert "nothere.jsonl" in unwrapped(result.output)


@pytest.mark.slow
def test_extract_with_an_unknown_format_is_one_line(model, tmp_path):
    (tmp_path / "b.txt").write_text(TXT, encoding="utf8")
    result = invoke("extract", tmp_path / "b.txt", "-o", tmp_path / "t.xml", "--format", "xml",
                    "--model", model, "--no-progress")
    assert_user_error(result, "Unknown format 'xml'")
    assert not (tmp_path / "t.xml").exists()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_extract_resume_onto_a_corrupt_output_is_one_line_and_keeps_it(model, tmp_path,
                                                                      suffix):
    (tmp_path / "b.txt").write_text(TXT, encoding="utf8")
    out = tmp_path / f"t{suffix}"
    corrupt = "{not json\n" if suffix == ".jsonl" else "doc_id,head\nx,y\n"
    out.write_text(corrupt, encoding="utf8")
    result = invoke("extract", tmp_path / "b.txt", "-o", out, "--resume", "--model", model,
                    "--no-progress")
    assert_user_error(result, f"{out}:")
    assert out.read_text(encoding="utf8") == corrupt


# --- #11: encodings, control characters, empty texts ----------------------------------------

LATIN1 = "Olenellus occurs in the Wheeler Formation. Collected by Gérard Müller near Utah."


@pytest.mark.slow
def test_a_latin1_text_file_is_read_with_a_warning(model, tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes(LATIN1.encode("cp1252"))
    report = Report()
    assert list(iter_inputs([path], report)) == [(str(path), LATIN1)]
    assert report.failures == []
    assert len(report.warnings) == 1 and str(path) in report.warnings[0] \
        and "cp1252" in report.warnings[0]
    out = tmp_path / "t.jsonl"
    result = invoke("extract", path, "-o", out, "--model", model, "--no-progress")
    assert result.exit_code == 0, result.output
    printed = unwrapped(result.output)
    assert f"{path}: not UTF-8, read as cp1252" in printed and "1 documents" in printed
    rows = read_triples(out)
    assert rows and all(LATIN1[r["head"]["start"]:r["head"]["end"]] == r["head"]["text"]
                        for r in rows)


@pytest.mark.slow
def test_a_jsonl_line_in_latin1_is_read_with_a_warning(model, tmp_path):
    path = tmp_path / "abstracts.jsonl"
    lines = [srsly.json_dumps({"id": "a", "text": TXT}).encode(),
             f'{{"id": "b", "text": "{LATIN1}"}}'.encode("cp1252"),
             srsly.json_dumps({"id": "c", "text": TXT}).encode()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = Report()
    assert list(iter_inputs([path], report)) == [
        (f"{path}#a", TXT), (f"{path}#b", LATIN1), (f"{path}#c", TXT)]
    assert report.failures == []
    assert len(report.warnings) == 1 and f"{path}:2" in report.warnings[0] \
        and "cp1252" in report.warnings[0]
    result = invoke("extract", path, "-o", tmp_path / "t.jsonl", "--model", model,
                    "--no-progress")
    assert result.exit_code == 0, result.output
    printed = unwrapped(result.output)
    assert f"{path}:2: not UTF-8, read as cp1252" in printed and "3 documents" in printed


@pytest.mark.slow
def test_control_characters_never_reach_entities_or_triples(nlp, tmp_path):
    text = ("\x1b[31mOlenellus\x00gilberti occurs in the Wheeler\x0bFormation.\x1b[0m "
            "Elrathia kingii was collected at\x07 Utah.\x7f")
    path = tmp_path / "damaged.txt"
    path.write_text(text, encoding="utf8")
    srsly.write_jsonl(tmp_path / "damaged.jsonl", [{"id": "x", "text": text}])
    out = tmp_path / "t.jsonl"
    report = extract(nlp, [path, tmp_path / "damaged.jsonl"], out)
    assert (report.documents, report.failures) == (2, [])
    rows = read_triples(out)
    spaced = CONTROL.sub(" ", text)  # the file's text, each control character a space
    assert {row["doc_id"] for row in rows} == {str(path), f"{tmp_path / 'damaged.jsonl'}#x"}
    for row in rows:
        for side in ("head", "tail"):
            ent = row[side]
            assert not CONTROL.search(ent["text"]), ent
            assert spaced[ent["start"]:ent["end"]] == ent["text"]  # offsets of the file
        assert not CONTROL.search(row["sentence"]), row["sentence"]
        start = row["sentence_start"]
        assert spaced[start:start + len(row["sentence"])] == row["sentence"]
    found = {(row["head"]["text"], row["label"], row["tail"]["text"]) for row in rows}
    assert ("Elrathia kingii", "found_at", "Utah") in found
    assert any(row["tail"]["text"] == "Wheeler Formation"
               and text[row["tail"]["start"]:row["tail"]["end"]] == "Wheeler\x0bFormation"
               for row in rows)


@pytest.mark.slow
def test_an_empty_jsonl_text_is_a_warning_not_a_document(model, tmp_path):
    path = tmp_path / "abstracts.jsonl"
    srsly.write_jsonl(path, [{"id": "a", "text": TXT}, {"id": "b", "text": "  \n "},
                             {"id": "c", "text": ""}])
    report = Report()
    assert [doc_id for doc_id, _ in iter_inputs([path], report)] == [f"{path}#a"]
    assert report.failures == [] and len(report.warnings) == 2
    assert f"{path}:2" in report.warnings[0] and f"{path}:3" in report.warnings[1]
    result = invoke("extract", path, "-o", tmp_path / "t.jsonl", "--model", model,
                    "--no-progress")
    assert result.exit_code == 0, result.output
    printed = unwrapped(result.output)
    assert "1 documents" in printed and f"{path}:3: field 'text' empty" in printed
