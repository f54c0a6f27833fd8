"""Documents/s and relations/s of `extract` on one machine: one process, `--n-process 2`, and
the dask backend with 2 workers, on the same documents (one file each), in one go. (Not
`distributed.py`: run as a script, it would shadow the dask package of that name.)

    python bench/cluster.py --model en_paleo_re --docs 240 --out bench_distributed.json

Each way runs in a child process of its own (a clean memory measure, and a hung run is killed
after --timeout and reported as such). `seconds` is the wall time of the extraction as a user
runs it, with the pipeline already loaded for the local ways and with starting the cluster and
loading the pipeline in every worker included for dask; `overhead_s` measures that start alone
(a local cluster plus the pipeline in each worker) in one more child, so `net` rates leave it
out. All ways must give the same triples (scores to 3 decimals): the JSON says whether they do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import srsly
import typer
from wasabi import msg

DATA = Path(__file__).resolve().parents[2] / "shared/data/paleobert/ner_dev.jsonl"


def write_docs(data: Path, folder: Path, n_docs: int, per_doc: int) -> None:
    texts = [r["text"] for r in srsly.read_jsonl(data) if r.get("text", "").strip()]
    if len(texts) < n_docs * per_doc:
        raise SystemExit(f"{data}: {len(texts)} texts, not enough for {n_docs} x {per_doc}")
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        text = " ".join(texts[i * per_doc:(i + 1) * per_doc])
        (folder / f"doc{i:05d}.txt").write_text(text, encoding="utf8")


def child(mode: str, model: str, docs: Path, out: Path, workers: int) -> dict:
    """One way of running, in this (child) process."""
    import spacy

    from paleo_re.apps.extract import extract

    if mode == "overhead":  # what the dask backend pays before its first partition
        from distributed import Client, LocalCluster

        from paleo_re.apps.distributed import PipelinePlugin

        start = time.perf_counter()
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") \
                as cluster, Client(cluster) as client:
            client.register_plugin(PipelinePlugin(model), name="bench")
            seconds = time.perf_counter() - start
            rss = client.run(lambda: psutil.Process().memory_info().rss)
        return {"seconds": seconds, "worker_rss_mb": [round(r / 2**20) for r in rss.values()]}
    if mode == "dask":
        start = time.perf_counter()
        report = extract(model, [docs], out, backend="dask", workers=workers)
    else:
        nlp = spacy.load(model)
        start = time.perf_counter()
        report = extract(nlp, [docs], out, n_process=2 if mode == "n_process_2" else 1)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "documents": report.documents, "triples": report.triples,
            "failures": len(report.failures),
            "rss_mb": round(psutil.Process().memory_info().rss / 2**20)}


def rounded(path: Path) -> list:
    return [(r["doc_id"], r["head"]["start"], r["tail"]["start"], r["label"],
             round(r["score"], 3)) for r in srsly.read_jsonl(path)]


def main(
    model: str = typer.Option("en_paleo_re", help="Trained pipeline (name or path)"),
    data: Path = typer.Option(DATA, help="JSONL with a 'text' per line"),
    docs: int = typer.Option(240, help="Documents (files) to extract from"),
    per_doc: int = typer.Option(1, help="Texts of DATA joined into one document"),
    workers: int = typer.Option(2, help="Dask workers"),
    timeout: int = typer.Option(600, help="Seconds before a way is killed as hung"),
    out: Path = typer.Option(None, help="Write the results as JSON here too"),
    mode: str = typer.Option(None, hidden=True),
    folder: Path = typer.Option(None, hidden=True),
    triples: Path = typer.Option(None, hidden=True),
) -> None:
    if mode:  # a child: one way, its numbers as one JSON line
        print(json.dumps(child(mode, model, folder, triples, workers)))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench_distributed_"))
    write_docs(data, tmp / "docs", docs, per_doc)
    results: dict[str, dict] = {}
    for way in ("single", "n_process_2", "dask", "overhead"):
        cmd = [sys.executable, __file__, "--mode", way, "--model", model, "--workers",
               str(workers), "--folder", str(tmp / "docs"), "--triples", str(tmp / f"{way}.jsonl")]
        msg.info(f"{way} ...")
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            results[way] = {"error": f"hung: killed after {timeout} s"}
            continue
        if run.returncode != 0:
            results[way] = {"error": run.stderr.strip().splitlines()[-1:]}
            continue
        results[way] = json.loads(run.stdout.strip().splitlines()[-1])
        if "documents" in results[way]:
            r = results[way]
            r["docs_per_s"] = round(r["documents"] / r["seconds"], 2)
            r["relations_per_s"] = round(r["triples"] / r["seconds"], 2)
    overhead = results.get("overhead", {}).get("seconds")
    if overhead and "seconds" in results.get("dask", {}):
        r = results["dask"]
        net = max(r["seconds"] - overhead, 1e-9)
        r["overhead_s"] = round(overhead, 2)
        r["net_docs_per_s"] = round(r["documents"] / net, 2)
        r["net_relations_per_s"] = round(r["triples"] / net, 2)
    finished = [w for w in ("single", "n_process_2", "dask") if "documents" in results[w]]
    reference = rounded(tmp / "single.jsonl") if "single" in finished else None
    summary = {
        "model": model, "data": str(data), "documents": docs, "texts_per_document": per_doc,
        "workers": workers, "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
        "same_triples_as_single": {w: rounded(tmp / f"{w}.jsonl") == reference
                                   for w in finished if w != "single"},
        "results": results,
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf8")


if __name__ == "__main__":
    typer.run(main)
