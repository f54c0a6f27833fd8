"""`extract` on a Dask cluster: the same reading, pipeline and triples, spread over workers.

Dask distributed rather than Ray: it is a pure-Python wheel (Ray ships a large binary and a
raylet daemon per node), it costs little on a laptop, `LocalCluster` gives the same code path on
one machine as on many, and a worker plugin is exactly "load the pipeline once per worker, and
again on a worker that replaces a dead one". Scheduling, retries and re-running the tasks of a
worker that died are Dask's, not ours.

The input files are cut into partitions (`partition_size` files each, in the order
`iter_inputs` reads them). A partition is one task: on a worker it runs `extract.process` and
`extract.triples` over its files, exactly as the single-process run does, and writes its triples
atomically to `part-NNNNNN.jsonl` in a work folder beside the output. A partition's file is
therefore all or nothing, and a rerun of a partition (a retry, or Dask rerunning the task of a
killed worker) replaces it rather than adding to it. Only partitions whose task has returned are
merged, once each, in partition order, into the one output of today's format with
`extract.write_triples`, so the output is the single-process output in the same order.

Workers read the files themselves, at the paths given: on a real cluster the inputs, the output
folder and the pipeline (a path, or an installed package) must be visible to every worker.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import spacy
import srsly
from spacy.language import Language

from ..io.docs import write_jsonl_atomic
from .extract import (
    Report,
    _Progress,
    infer_format,
    model_name,
    process,
    read_triples,
    triples,
    write_triples,
)

try:
    from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
except ImportError as err:  # an optional extra
    raise ImportError("The dask backend needs Dask distributed: "
                      "pip install 'paleo_re[distributed]'") from err

PARTITION_SIZE = 16


@dataclass(frozen=True)
class Partition:
    """Files for one task, and the document ids among them a resumed run already has."""

    index: int
    files: tuple[str, ...]
    skip: frozenset[str] = frozenset()


@dataclass
class PartitionResult:
    """What a partition's task returns: counts and failures; its triples are in `path`."""

    index: int
    path: str
    documents: int = 0
    triples: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)


def input_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files `iter_inputs` reads, in its order; a path that is not there is kept, so the
    worker that gets it reports it exactly as the single-process run does."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def _done_by_file(done: Iterable[str]) -> dict[str, set[str]]:
    """Document ids by the file that yields them: `path`, or `path#id` for a JSONL line."""
    by_file: dict[str, set[str]] = defaultdict(set)
    for doc_id in done:
        by_file[doc_id].add(doc_id)
        for i, char in enumerate(doc_id):
            if char == "#":
                by_file[doc_id[:i]].add(doc_id)
    return by_file


def partitions(paths: Iterable[Path], size: int = PARTITION_SIZE,
               done: Iterable[str] = ()) -> list[Partition]:
    """Consecutive runs of `size` input files, each with its share of `done` to skip."""
    if size < 1:
        raise ValueError(f"A partition needs at least one file, not {size}")
    files = [str(path) for path in input_files(paths)]
    by_file = _done_by_file(done)
    return [Partition(n, tuple(chunk),
                      frozenset(chain.from_iterable(by_file.get(f, ()) for f in chunk)))
            for n, chunk in enumerate(files[i:i + size] for i in range(0, len(files), size))]


# --- on the workers ---------------------------------------------------------------------------

def _gpu_id(worker: Any) -> int:
    """A LocalCluster's worker `i` takes GPU `i` (modulo the count); a worker of a real
    cluster sees its own GPU as 0 (dask-cuda sets CUDA_VISIBLE_DEVICES per worker)."""
    import torch

    count = max(torch.cuda.device_count(), 1)
    return worker.name % count if isinstance(worker.name, int) else 0


class PipelinePlugin(WorkerPlugin):
    """The pipeline, loaded once per worker: when the plugin is registered, and on every
    worker that joins later (one that replaces a killed worker included), so no partition
    pays for loading it and a pipeline the workers cannot load fails the registration."""

    def __init__(self, model: str, gpu: bool = False) -> None:
        self.model = model
        self.gpu = gpu
        self.nlp: Language | None = None

    def __getstate__(self) -> dict[str, Any]:  # sent to the workers without a loaded pipeline
        return {"model": self.model, "gpu": self.gpu, "nlp": None}

    async def setup(self, worker: Any) -> None:
        self.lock = threading.Lock()
        self.gpu_id = _gpu_id(worker) if self.gpu else None
        # Loading takes seconds: off the event loop, so the worker keeps its heartbeats
        await asyncio.get_running_loop().run_in_executor(None, self._load)

    def _load(self) -> Language:
        with self.lock:
            if self.gpu_id is not None:
                spacy.require_gpu(self.gpu_id)  # cupy's current device is per thread
            if self.nlp is None:
                self.nlp = spacy.load(self.model)
            return self.nlp

    @contextmanager
    def pipeline(self) -> Iterator[Language]:
        """The loaded pipeline, to one partition at a time (spaCy pipelines are not meant to
        run in several threads at once; a worker is normally given one thread)."""
        nlp = self._load()
        with self.lock:
            yield nlp

    def teardown(self, worker: Any) -> None:
        self.nlp = None


def run_partition(part: Partition, plugin: str, work: str, batch_size: int = 32
                  ) -> PartitionResult:
    """One partition, on a worker, through the functions the single-process run uses."""
    report = Report()
    rows: list[dict[str, Any]] = []
    with get_worker().plugins[plugin].pipeline() as nlp:
        name, version = model_name(nlp)
        for doc, doc_id in process(nlp, part.files, report, batch_size, skip=part.skip):
            rows.extend(triples(doc, doc_id, name, version))
    path = Path(work) / f"part-{part.index:06d}.jsonl"
    if not path.parent.is_dir():  # the run was given up: do not make its folder again
        raise RuntimeError(f"{path.parent} is gone")
    write_jsonl_atomic(path, rows)
    return PartitionResult(part.index, str(path), report.documents, len(rows), report.skipped,
                           report.failures)


# --- on the client ------------------------------------------------------------------------------

def _model(nlp: Language | str | Path, work: Path) -> str:
    """What the workers load: an installed package's name, a path, or `nlp` saved in `work`."""
    if isinstance(nlp, Language):
        nlp.to_disk(work / "model")
        return str(work / "model")
    return str(Path(nlp).resolve()) if Path(nlp).exists() else str(nlp)


@contextmanager
def _client(workers: int | None, address: str | None, gpu: bool) -> Iterator[Client]:
    """A client of the cluster at `address`, or of a local cluster of `workers` processes
    (one thread each: a worker is one pipeline) started and closed here."""
    if address:
        with Client(address) as client:
            if gpu and not any(w.get("resources", {}).get("GPU")
                               for w in client.scheduler_info()["workers"].values()):
                raise ValueError(f"No worker of the cluster at {address} has a GPU resource "
                                 "(start the workers with `dask worker ... --resources GPU=1`)")
            yield client
        return
    n = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                      resources={"GPU": 1} if gpu else None) as cluster, \
            Client(cluster) as client:
        yield client


def _merge(rows: list[dict[str, Any]], results: dict[int, PartitionResult]
           ) -> Iterator[dict[str, Any]]:
    """The earlier rows, then each finished partition's triples once, in partition order."""
    yield from rows
    for index in sorted(results):
        yield from srsly.read_jsonl(results[index].path)


def extract_dask(nlp: Language | str | Path, paths: Iterable[Path], output: Path,
                 batch_size: int = 32, fmt: str | None = None, resume: bool = False,
                 progress: bool = False, *, workers: int | None = None,
                 address: str | None = None, gpu: bool = False,
                 partition_size: int = PARTITION_SIZE, retries: int = 2) -> Report:
    """`extract.extract` on a Dask cluster: the same output, resume and report.

    `nlp` is a pipeline (saved into the work folder for the workers to load) or the name or
    path the workers load. `workers` starts a local cluster of that many processes (default
    one per CPU); `address` uses the running cluster whose scheduler is there; `gpu` gives each
    worker a GPU (`spacy.require_gpu`) and runs partitions on workers with a `GPU` resource
    only. A partition that raises is retried `retries` times; one whose worker dies is rerun by
    Dask (up to `distributed.scheduler.allowed-failures` times). A partition that still fails
    is reported, with its files, and the others go on; an interrupted run keeps the triples of
    the partitions finished so far, so `resume` carries on from there.
    """
    if workers is not None and address:
        raise ValueError("--workers starts a local cluster and --address uses a running one: "
                         "give one of them")
    if workers is not None and workers < 1:
        raise ValueError(f"--workers needs at least 1, not {workers}")
    output = Path(output)
    fmt = infer_format(output, fmt)
    report = Report()
    rows = read_triples(output, fmt) if resume and output.exists() else []
    parts = partitions(paths, partition_size, {row["doc_id"] for row in rows})
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.parts-"))
    results: dict[int, PartitionResult] = {}
    failed: dict[int, str] = {}
    try:
        if parts:
            _run(_model(nlp, work), parts, work, batch_size, workers, address, gpu, retries,
                 progress, results, failed)
    finally:
        for index in sorted(results.keys() | failed.keys()):
            if index in results:
                result = results[index]
                report.documents += result.documents
                report.triples += result.triples
                report.skipped += result.skipped
                report.failures.extend(result.failures)
            else:
                report.failures.append(failed[index])
        if results or not output.exists():
            write_triples(_merge(rows, results), output, fmt)
        shutil.rmtree(work, ignore_errors=True)
    return report


def _named(part: Partition) -> str:
    files = part.files[0] if len(part.files) == 1 else \
        f"{part.files[0]} to {part.files[-1]} ({len(part.files)} files)"
    return f"partition {part.index}, {files}"


def _run(model: str, parts: list[Partition], work: Path, batch_size: int,
         workers: int | None, address: str | None, gpu: bool, retries: int, progress: bool,
         results: dict[int, PartitionResult], failed: dict[int, str]) -> None:
    """Submit every partition, and record each as it finishes, in `results` or `failed`."""
    plugin = f"paleo-re-pipeline-{work.name}"
    bar = _Progress(progress)
    with _client(workers, address, gpu) as client:
        try:
            client.register_plugin(PipelinePlugin(model, gpu), name=plugin)
        except Exception as err:  # whatever spacy.load raised, on a worker
            with suppress(Exception):  # or workers that join later try again
                client.unregister_worker_plugin(plugin)
            raise ValueError(f"The workers cannot load the pipeline '{model}': "
                             f"{type(err).__name__}: {err}") from err
        try:
            futures = {client.submit(run_partition, part, plugin, str(work), batch_size,
                                     key=f"paleo-re-{work.name}-{part.index}", retries=retries,
                                     resources={"GPU": 1} if gpu else None): part
                       for part in parts}
            for future in as_completed(futures):
                part = futures[future]
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - one partition, reported with its files
                    failed[part.index] = f"{_named(part)}: {type(err).__name__}: {err}"
                    continue
                results[part.index] = result
                bar.update(result.triples, result.documents)
        finally:
            bar.close()
            with suppress(Exception):  # frees the workers' memory; the cluster may be gone
                client.unregister_worker_plugin(plugin)
