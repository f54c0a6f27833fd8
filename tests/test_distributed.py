"""The dask backend gives the single-process output: on a local two-worker cluster, with a
worker killed mid-run, with damaged files, resumed, and from the command line.

Deselect with `-m "not distributed"` (they start worker processes: about a minute)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
import spacy
import srsly
from typer.testing import CliRunner
from util import toy_pipeline, toy_records, unwrapped

distributed = pytest.importorskip("distributed")

from distributed import Client, LocalCluster, WorkerPlugin  # noqa: E402

from paleo_re.apps.distributed import input_files, partitions  # noqa: E402
from paleo_re.apps.extract import Report, extract, iter_inputs, read_triples  # noqa: E402
from paleo_re.cli import app  # noqa: E402

pytestmark = pytest.mark.distributed


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """The tiny pipeline of test_extract (rule entities, a toy-trained relation extractor),
    on disk for the workers to load."""
    nlp = toy_pipeline()
    path = tmp_path_factory.mktemp("model") / "toy"
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread, shared by the tests (starting one takes seconds)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        yield cluster


@pytest.fixture
def papers(tmp_path) -> Path:
    """13 text files in nested folders and a JSONL of 4 documents: 17 documents."""
    texts = [r["text"] for r in toy_records(40, seed=3)]
    folder = tmp_path / "papers"
    for n in range(13):
        path = folder / f"vol{n % 3}" / f"paper{n:02d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(" ".join(texts[2 * n:2 * n + 2]), encoding="utf8")
    srsly.write_jsonl(folder / "abstracts.jsonl",
                      [{"id": f"a{i}", "text": texts[26 + i]} for i in range(4)])
    return folder


def rounded(rows: list[dict]) -> list[dict]:
    return [{**row, "score": round(row["score"], 3)} for row in rows]


def single_process(model: Path, inputs: list[Path], out: Path) -> tuple[Report, list[dict]]:
    report = extract(spacy.load(model), inputs, out)
    return report, read_triples(out)


def test_partitions_follow_the_single_process_reading_order(papers, tmp_path):
    ids = [doc_id.split("#")[0] for doc_id, _ in iter_inputs([papers], Report())]
    assert [str(p) for p in input_files([papers])] == list(dict.fromkeys(ids))
    parts = partitions([papers, tmp_path / "missing"], 5, {f"{papers}/abstracts.jsonl#a1"})
    assert [len(p.files) for p in parts] == [5, 5, 5]
    assert parts[-1].files[-1] == str(tmp_path / "missing")
    assert [p.skip for p in parts] == [frozenset({f"{papers}/abstracts.jsonl#a1"}),
                                       frozenset(), frozenset()]


@pytest.mark.slow
def test_two_workers_give_the_single_process_triples(model, papers, cluster, tmp_path):
    expected_report, expected = single_process(model, [papers], tmp_path / "one.jsonl")
    out = tmp_path / "dask.jsonl"
    report = extract(model, [papers], out, backend="dask", address=cluster.scheduler_address,
                     partition_size=3)
    rows = read_triples(out)
    assert len(expected) > 10 and rounded(rows) == rounded(expected)  # same order too
    assert (report.documents, report.triples, report.failures) == (17, len(expected), [])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # work folder gone


class KillOnce(WorkerPlugin):
    """Kills its worker's process the first time partition 1 starts (its triples are not
    written yet) and the first time partition 2 has finished (written, not yet reported)."""

    def __init__(self, markers: str) -> None:
        self.markers = markers

    def transition(self, key, start, finish, **kwargs) -> None:
        when = {"1": "executing", "2": "memory"}.get(str(key).rsplit("-", 1)[-1])
        marker = Path(self.markers) / str(key).rsplit("-", 1)[-1]
        if when == finish and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow
def test_a_killed_worker_loses_and_duplicates_nothing(model, papers, cluster, tmp_path):
    import cloudpickle

    _, expected = single_process(model, [papers], tmp_path / "one.jsonl")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers can't import tests
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "dask.csv"
    with Client(cluster) as client:
        client.register_plugin(KillOnce(str(markers)), name="kill-once")
        try:
            report = extract(str(model), [papers], out, backend="dask", partition_size=3,
                             address=cluster.scheduler_address)
        finally:
            client.unregister_worker_plugin("kill-once")
    assert sorted(p.name for p in markers.iterdir()) == ["1", "2"]  # both kills happened
    assert rounded(read_triples(out)) == rounded(expected)
    assert (report.documents, report.triples, report.failures) == (17, len(expected), [])


@pytest.mark.slow
def test_damaged_files_are_reported_and_skipped_as_in_one_process(model, papers, cluster,
                                                                  tmp_path):
    (papers / "vol1" / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Cat \x00\xff")
    (papers / "vol2" / "empty.txt").write_bytes(b"")
    (papers / "abstracts.jsonl").write_text('{"id": "x", "text": "Olenellus occurs in the '
                                            'Wheeler Formation."}\n{"id": \n', encoding="utf8")
    inputs = [papers, tmp_path / "missing.txt"]
    expected_report, expected = single_process(model, inputs, tmp_path / "one.jsonl")
    assert len(expected_report.failures) == 4
    out = tmp_path / "dask.jsonl"
    report = extract(model, inputs, out, backend="dask", address=cluster.scheduler_address,
                     partition_size=4)
    assert rounded(read_triples(out)) == rounded(expected)
    assert report.failures == expected_report.failures  # same lines, same order
    assert report.documents == expected_report.documents


@pytest.mark.slow
def test_resume_skips_what_the_output_has(model, papers, cluster, tmp_path):
    _, expected = single_process(model, [papers], tmp_path / "one.jsonl")
    out = tmp_path / "dask.jsonl"
    first = extract(model, [papers / "vol0"], out, backend="dask",
                    address=cluster.scheduler_address, partition_size=2)
    done = {row["doc_id"] for row in read_triples(out)}
    second = extract(model, [papers], out, backend="dask", resume=True,
                     address=cluster.scheduler_address, partition_size=2)
    assert first.documents == 5 and second.skipped == len(done) > 0
    assert second.documents + second.skipped == 17
    key = lambda row: (row["doc_id"], row["head"]["start"], row["tail"]["start"])  # noqa: E731
    assert sorted(map(key, read_triples(out))) == sorted(map(key, expected))


@pytest.mark.slow
def test_cli_local_cluster_and_user_errors(model, papers, cluster, tmp_path):
    runner = CliRunner()
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    result = runner.invoke(app, ["extract", str(papers), "-o", str(one), "--model", str(model),
                                 "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["extract", str(papers), "-o", str(two), "--model", str(model),
                                 "--no-progress", "--backend", "dask", "--workers", "2",
                                 "--partition-size", "4"])
    assert result.exit_code == 0, result.output
    assert "17 documents" in unwrapped(result.output)
    assert rounded(read_triples(two)) == rounded(read_triples(one))
    for args, message in [
        (["--workers", "2"], "only with --backend dask"),
        (["--backend", "ray"], "Unknown backend 'ray'"),
        (["--backend", "dask", "--workers", "2", "--address", "tcp://x:1"], "give one of"),
        (["--backend", "dask", "--n-process", "2"], "--n-process is for the local backend"),
        (["--backend", "dask", "--address", cluster.scheduler_address,
          "--model", str(tmp_path / "nope")],
         "The workers cannot load the pipeline"),
    ]:
        result = runner.invoke(app, ["extract", str(papers), "-o", str(tmp_path / "x.jsonl"),
                                     "--model", str(model), "--no-progress", *args])
        assert result.exit_code == 1 and message in unwrapped(result.output), result.output
        assert "Traceback" not in result.output
