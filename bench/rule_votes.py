"""What the rule votes cost at inference: computing them for every candidate pair against running
the whole pipeline over the same texts, in the same run.

    python bench/rule_votes.py packages/en_paleo_re-0.1.0/en_paleo_re/en_paleo_re-0.1.0 \\
        ../shared/data/gold/dev.jsonl

Prints seconds and the ratio to the baseline (`nlp.pipe` over the texts, votes included).
"""

from __future__ import annotations

import time
from pathlib import Path

import spacy
import srsly
import typer
from wasabi import msg

from paleo_re.component.pipe import get_relation_extractor


def main(
    model: str = typer.Argument(..., help="Trained pipeline (name or path)"),
    texts: Path = typer.Argument(..., help="JSONL with a 'text' field per line"),
    n_docs: int = typer.Option(200, help="Texts to time on"),
) -> None:
    nlp = spacy.load(model)
    pipe = get_relation_extractor(nlp)
    if pipe.votes is None:
        raise SystemExit(f"{model}: the relation extractor has no votes to time")
    lines = [r["text"] for r in srsly.read_jsonl(texts)][:n_docs]

    start = time.perf_counter()
    docs = list(nlp.pipe(lines))
    baseline = time.perf_counter() - start

    pairs = [pipe.candidates(doc, pipe.schema) for doc in docs]
    start = time.perf_counter()
    for doc, doc_pairs in zip(docs, pairs):
        pipe.votes(doc, doc_pairs, pipe.schema)
    voting = time.perf_counter() - start

    rows = [("baseline: nlp.pipe, whole pipeline", f"{baseline:.2f}", "1.000"),
            ("rule votes for every candidate pair", f"{voting:.2f}", f"{voting / baseline:.3f}")]
    msg.table(rows, header=("", "seconds", "ratio to baseline"), divider=True, widths=(40, 8, 17))
    msg.info(f"{len(docs)} docs, {sum(map(len, pairs))} candidate pairs")


if __name__ == "__main__":
    typer.run(main)
