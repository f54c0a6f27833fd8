"""`n_process > 1` and signals, in subprocesses under a timeout: a deadlock fails the test
instead of hanging the suite.

spaCy forks its `nlp.pipe` workers, and GNU OpenMP (torch's thread pool) is not fork-safe: a
worker forked after the parent has used the pool waits forever in its barrier. The runner below
reproduces that with default environment variables: the parent runs a parallel torch reduction
(as loading a transformer does), and the pipeline has a component that runs one in every
worker (as a transformer's layers do).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
import srsly
from util import make_examples, toy_records, train

from paleo_re.apps.extract import extract
from paleo_re.entities import add_sentencizer, make_entity_ruler

TEXTS = ["The Marjum Formation is dated to the Drumian. Olenellus occurs in the Wheeler "
         "Formation.", "Elrathia kingii was collected at Utah.",
         "The Spence Member of the Langston Formation is thin.",
         "Paradoxides occurs in the Kaili Formation near Yunnan."]

RUNNER = '''
import sys, time
from pathlib import Path
import torch
from spacy.language import Language

@Language.component("torch_work")
def torch_work(doc):
    torch.ones(2 ** 20).sum()  # an OpenMP parallel region in the worker
    return doc

@Language.component("slow")
def slow(doc):
    Path(sys.argv[1]).with_suffix(".started").touch()
    time.sleep(0.3)
    return doc

torch.set_num_threads(2)
torch.ones(2 ** 22).sum()  # the parent's OpenMP pool is in use before the fork
if sys.argv[2] == "api":
    import spacy
    from paleo_re.apps.extract import extract
    model, inputs, output = sys.argv[3:]
    print(extract(spacy.load(model), [inputs], output, batch_size=2, n_process=2).summary())
else:
    from paleo_re.cli import app
    app(sys.argv[2:])
'''


def _env() -> dict[str, str]:
    """This environment without the variables that would hide the deadlock."""
    hiding = {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "TOKENIZERS_PARALLELISM"}
    return {k: v for k, v in os.environ.items() if k not in hiding}


def start(tmp_path: Path, marker: Path, args: list[str]) -> subprocess.Popen:
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER, encoding="utf8")
    return subprocess.Popen([sys.executable, str(runner), str(marker), *args], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float) -> str:
    """The output of `proc`; the whole process group is killed if it runs past `timeout`."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"still running after {timeout} s (deadlock?):\n{out}")
    return out


def save_pipeline(path: Path, extra: str) -> Path:
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor")
    train(nlp, make_examples(nlp, toy_records(60)), epochs=6)
    add_sentencizer(nlp)
    make_entity_ruler(nlp, None, before="relation_extractor")
    from spacy.language import Language

    if extra not in Language.factories:  # registered here only to save the pipeline
        Language.component(extra, func=lambda doc: doc)
    nlp.add_pipe(extra, before="relation_extractor")
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def torch_model(tmp_path_factory) -> Path:
    return save_pipeline(tmp_path_factory.mktemp("torch_model") / "model", "torch_work")


@pytest.mark.slow
def test_n_process_2_finishes_and_equals_the_sequential_run(torch_model, tmp_path):
    srsly.write_jsonl(tmp_path / "docs.jsonl", [{"id": i, "text": t}
                                                for i, t in enumerate(TEXTS * 3)])
    proc = start(tmp_path, tmp_path / "marker", [
        "extract", str(tmp_path / "docs.jsonl"), "-o", str(tmp_path / "par.jsonl"),
        "--model", str(torch_model), "--n-process", "2", "--batch-size", "2",
        "--no-progress"])
    out = finish(proc, timeout=120)
    assert proc.returncode == 0, out
    assert "Traceback" not in out and "forked" not in out  # no tokenizers fork warning

    nlp = spacy.load(torch_model)
    extract(nlp, [tmp_path / "docs.jsonl"], tmp_path / "seq.jsonl")
    parallel = list(srsly.read_jsonl(tmp_path / "par.jsonl"))
    assert parallel and parallel == list(srsly.read_jsonl(tmp_path / "seq.jsonl"))
    proc = start(tmp_path, tmp_path / "marker", [
        "api", str(torch_model), str(tmp_path / "docs.jsonl"), str(tmp_path / "api.jsonl")])
    out = finish(proc, timeout=120)
    assert proc.returncode == 0 and f"{len(TEXTS) * 3} documents" in out, out
    assert list(srsly.read_jsonl(tmp_path / "api.jsonl")) == parallel
