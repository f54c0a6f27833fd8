"""Evaluation on a hand-annotated set: relations with gold entities given and end to end,
entities from the full pipeline and from the rules alone; metrics JSON plus a readable report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.scorer import PRFScore
from spacy.tokens import Doc
from spacy.training import Example

from ..component.gold_ents import entity_pipes, run_with_gold_ents, unread_pipes
from ..component.scorer import confusion_matrix, matrix_labels, score_relations
from ..io.annotations import read_annotations


def predict(nlp: Language, gold: Sequence[Doc], mode: str, batch_size: int = 32
            ) -> list[Example]:
    """mode "gold_ents": entity components off, gold entities set; "end_to_end": everything
    from raw text; "rules": only the rule-based entity components (no `ner`, no relations)."""
    if mode == "gold_ents":
        docs = list(run_with_gold_ents(nlp, gold, batch_size=batch_size))
        return [Example(doc, ref) for doc, ref in zip(docs, gold)]
    # from the text, so the tokenizer never sees where the gold entities begin and end
    disable = [] if mode == "end_to_end" else [
        n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "ner"
        or "doc._.relations" in nlp.get_pipe_meta(n).assigns]
    disable += unread_pipes(nlp, disable)
    with nlp.select_pipes(disable=disable):
        docs = list(nlp.pipe((doc.text for doc in gold), batch_size=batch_size))
    return [Example(doc, ref) for doc, ref in zip(docs, gold)]


def entity_scores(examples: Iterable[Example]) -> dict[str, Any]:
    """Per-type and micro P/R/F by exact character span and label: independent of the
    tokenization, which differs between the gold reader (split at annotated boundaries) and
    the pipeline."""
    micro = PRFScore()
    per_type: dict[str, PRFScore] = {}
    for eg in examples:
        pred, gold = (
            {(e.start_char, e.end_char, e.label_) for e in doc.ents}
            for doc in (eg.predicted, eg.reference)
        )
        micro.score_set(pred, gold)
        for label in {key[2] for key in pred | gold}:
            per_type.setdefault(label, PRFScore()).score_set(
                {k for k in pred if k[2] == label}, {k for k in gold if k[2] == label})
    return {"p": micro.precision, "r": micro.recall, "f": micro.fscore,
            "per_type": {label: s.to_dict() for label, s in sorted(per_type.items())}}


def evaluate(nlp: Language, gold_path: Path, labels: Sequence[str] | None = None
             ) -> dict[str, Any]:
    gold = list(read_annotations(gold_path, nlp.make_doc))
    if labels is None and "relation_extractor" in nlp.pipe_names:
        labels = nlp.get_pipe("relation_extractor").labels
    results: dict[str, Any] = {"gold": str(gold_path), "n_docs": len(gold)}
    has_rel = any("doc._.relations" in nlp.get_pipe_meta(n).assigns for n in nlp.pipe_names)
    modes = ["gold_ents", "end_to_end"] if has_rel else ["end_to_end"]
    for mode in modes:
        examples = predict(nlp, gold, mode)
        result: dict[str, Any] = {}
        if has_rel:
            result["relations"] = score_relations(examples, labels)
            result["confusion"] = confusion_matrix(examples)
        if mode == "end_to_end" and entity_pipes(nlp):
            result["entities"] = entity_scores(examples)
        results[mode] = result
    if any(nlp.get_pipe_meta(n).factory == "ner" for n in nlp.pipe_names) and \
            len(entity_pipes(nlp)) > 1:
        results["rules"] = {"entities": entity_scores(predict(nlp, gold, "rules"))}
    return results


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def relation_table(scores: dict[str, Any]) -> list[str]:
    lines = ["| label | P | R | F1 |", "|---|---|---|---|"]
    for label, s in scores["rel_f_per_type"].items():
        lines.append(f"| {label} | {_fmt(s['p'])} | {_fmt(s['r'])} | {_fmt(s['f'])} |")
    lines.append(f"| **micro** | {_fmt(scores['rel_micro_p'])} | {_fmt(scores['rel_micro_r'])} "
                 f"| {_fmt(scores['rel_micro_f'])} |")
    lines.append(f"| **macro F1** | | | {_fmt(scores['rel_macro_f'])} |")
    return lines


def confusion_table(matrix: dict[str, dict[str, int]]) -> list[str]:
    labels = matrix_labels(matrix)
    lines = ["| gold \\ predicted | " + " | ".join(labels) + " |",
             "|---" * (len(labels) + 1) + "|"]
    for g in labels:
        row = matrix.get(g, {})
        lines.append(f"| {g} | " + " | ".join(str(row.get(p, 0)) for p in labels) + " |")
    return lines


def entity_table(scores: dict[str, Any]) -> list[str]:
    lines = ["| type | P | R | F1 |", "|---|---|---|---|"]
    for label, s in sorted(scores["per_type"].items()):
        lines.append(f"| {label} | {_fmt(s['p'])} | {_fmt(s['r'])} | {_fmt(s['f'])} |")
    lines.append(f"| **micro** | {_fmt(scores['p'])} | {_fmt(scores['r'])} | "
                 f"{_fmt(scores['f'])} |")
    return lines


MODE_TITLES = {"gold_ents": "Relations, gold entities given",
               "end_to_end": "End to end (own entities, exact spans)",
               "rules": "Entities from the rules alone"}


def report(results: dict[str, Any], title: str) -> str:
    lines = [f"## {title}", "", f"Evaluated on `{results['gold']}` ({results['n_docs']} docs).", ""]
    for mode in ("gold_ents", "end_to_end", "rules"):
        if mode not in results:
            continue
        result = results[mode]
        lines += [f"### {MODE_TITLES[mode]}", ""]
        if "relations" in result:
            lines += relation_table(result["relations"]) + [""]
            lines += ["Confusion matrix (pairs related in gold or predictions):", ""]
            lines += confusion_table(result["confusion"]) + [""]
        if "entities" in result:
            lines += ["Entities (exact spans):", ""] + entity_table(result["entities"]) + [""]
    return "\n".join(lines)


def write_results(results: dict[str, Any], output_dir: Path, title: str) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output_dir / "metrics.json", results)
    (output_dir / "report.md").write_text(report(results, title) + "\n", encoding="utf8")
    from .plots import plot_confusion  # matplotlib is slow to import: only when writing

    for mode, result in results.items():
        if isinstance(result, dict) and "confusion" in result:
            plot_confusion(result["confusion"], output_dir / f"confusion_{mode}.png",
                           f"{title}: {MODE_TITLES.get(mode, mode)}")
