"""Cost per character against document length: each component of a trained pipeline timed
on one document made of N characters of real sentences, from 2k to 200k characters.

    python bench/length_sweep.py en_paleo_re ../shared/data/gold/train.jsonl

Prints, per length, seconds per 1,000 characters for each component and for the whole
pipeline, and the ratio of each to its value at the shortest length (flat = linear cost).
Threads are fixed (`--threads`, default 2) and reported.
"""

from __future__ import annotations

import time
from pathlib import Path

import spacy
import srsly
import torch
import typer
from wasabi import msg


def make_text(sentences: list[str], n_chars: int) -> str:
    """Real sentences, repeated in order, up to `n_chars` characters."""
    parts, size, i = [], 0, 0
    while size < n_chars:
        sentence = sentences[i % len(sentences)]
        parts.append(sentence)
        size += len(sentence) + 1
        i += 1
    return " ".join(parts)


def main(
    model: str = typer.Argument(..., help="Trained pipeline (name or path)"),
    texts: Path = typer.Argument(..., help="JSONL with a 'text' field per line"),
    lengths: str = typer.Option("2000,20000,50000,100000,200000", help="Characters"),
    threads: int = typer.Option(2, help="torch threads"),
) -> None:
    torch.set_num_threads(threads)
    nlp = spacy.load(model)
    nlp.max_length = 10**7
    sentences = [r["text"] for r in srsly.read_jsonl(texts)]
    rows, first = [], None
    for n_chars in map(int, lengths.split(",")):
        doc = nlp.make_doc(make_text(sentences, n_chars))
        seconds = {}
        for name, proc in nlp.pipeline:
            start = time.perf_counter()
            doc = proc(doc)
            seconds[name] = time.perf_counter() - start
        seconds["pipeline"] = sum(seconds.values())
        per_k = {name: 1000 * s / len(doc.text) for name, s in seconds.items()}
        first = first or per_k
        rows.append([len(doc.text), len(doc._.relations),
                     *(f"{per_k[n]:.4f} ({per_k[n] / first[n]:.2f})" for n in per_k)])
    msg.info(f"torch threads: {torch.get_num_threads()}; seconds per 1,000 characters "
             f"(ratio to the shortest)")
    msg.table(rows, header=["chars", "relations", *first], divider=True)


if __name__ == "__main__":
    typer.run(main)
