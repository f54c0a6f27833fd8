"""Measure an entity pipeline against gold JSONL (the annotation guidelines' format).

Scoring is by exact character span and label: a prediction counts only if its start, end and
label equal a gold entity's. Character offsets rather than tokens keep the measure independent
of tokenization, since the gold reader splits tokens at annotated boundaries and the pipeline
does not. Counting uses spaCy's `PRFScore`.

    python -m paleo_re.entities.evaluate ../shared/data/gold/dev.jsonl \
        --vocab ../shared/data/paleobert/vocab
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.scorer import PRFScore
from spacy.tokens import Doc

from ..io.annotations import read_annotations

Key = tuple[int, int, str]


def _keys(doc: Doc) -> set[Key]:
    return {(e.start_char, e.end_char, e.label_) for e in doc.ents}


def score_docs(pairs: Iterable[tuple[Doc, Doc]]) -> dict[str, Any]:
    """Per-type and micro P/R/F over (predicted, gold) doc pairs."""
    micro = PRFScore()
    per_type: dict[str, PRFScore] = {}
    for pred, gold in pairs:
        pred_keys, gold_keys = _keys(pred), _keys(gold)
        for label in {k[2] for k in pred_keys | gold_keys}:
            score = per_type.setdefault(label, PRFScore())
            p = {k for k in pred_keys if k[2] == label}
            g = {k for k in gold_keys if k[2] == label}
            score.score_set(p, g)
        micro.score_set(pred_keys, gold_keys)
    return {
        "ents_p": micro.precision, "ents_r": micro.recall, "ents_f": micro.fscore,
        "ents_per_type": {label: s.to_dict() for label, s in sorted(per_type.items())},
    }


def evaluate_entities(nlp: Language, gold_path: str | Path) -> dict[str, Any]:
    """Run `nlp` on each gold sentence's text and score its `doc.ents` (exact spans)."""
    golds = list(read_annotations(gold_path, nlp.make_doc))
    preds = nlp.pipe(gold.text for gold in golds)
    return score_docs(zip(preds, golds, strict=True))


def format_scores(scores: dict[str, Any]) -> str:
    lines = [f"{'type':<8} {'P':>6} {'R':>6} {'F':>6}"]
    for label, s in scores["ents_per_type"].items():
        lines.append(f"{label:<8} {s['p']:6.3f} {s['r']:6.3f} {s['f']:6.3f}")
    lines.append(f"{'micro':<8} {scores['ents_p']:6.3f} {scores['ents_r']:6.3f} "
                 f"{scores['ents_f']:6.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from . import add_sentencizer, make_entity_ruler

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path)
    parser.add_argument("--vocab", type=Path, default=None, help="gazetteer directory")
    parser.add_argument("--model", type=str, default=None, help="pipeline to load instead")
    args = parser.parse_args(argv)
    if args.model:
        nlp = spacy.load(args.model)
    else:
        nlp = spacy.blank("en")
        add_sentencizer(nlp)
        make_entity_ruler(nlp, args.vocab)
    print(format_scores(evaluate_entities(nlp, args.gold)))


if __name__ == "__main__":
    main()
