"""Measure the labeling rules against hand-annotated gold, with the gold entities given.

    paleo-re measure-rules ../shared/data/gold/train.jsonl

prints, for each rule and for each relation label after combining the rules, how many pairs
were predicted, how many of those are gold, the gold count, and precision / recall / F1. A
relation counts as correct only with exact head and tail offsets and the same label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import spacy
from spacy.scorer import PRFScore

from ..component.relations import relation_key
from ..component.schema import DEFAULT, Schema
from ..io.annotations import read_annotations
from ..rules.labels import RULES, Rule, fire, label_doc

Counts = dict[str, dict[str, float]]


def _prf(pred: int, correct: int, gold: int) -> dict[str, float]:
    score = PRFScore(tp=correct, fp=pred - correct, fn=gold - correct)
    return {"predicted": pred, "correct": correct, "gold": gold, "p": score.precision,
            "r": score.recall, "f": score.fscore}


def measure(path: str | Path, schema: Schema = DEFAULT,
            rules: Iterable[Rule] = RULES) -> dict[str, Counts]:
    """{"rules": {"name/label": counts}, "labels": {label: counts}} over the gold file."""
    rules = tuple(rules)
    docs = list(read_annotations(path, spacy.blank("en").make_doc))
    gold_n: Counter[str] = Counter()
    rule_pred: Counter[str] = Counter()
    rule_ok: Counter[str] = Counter()
    label_pred: Counter[str] = Counter()
    label_ok: Counter[str] = Counter()
    for doc in docs:
        gold = {rel.key for rel in doc._.relations}
        gold_n.update(rel.label for rel in doc._.relations)
        seen: set[tuple] = set()
        for head, tail, rule in fire(doc, schema, rules):
            key = relation_key(head, tail, rule.label)
            if (key, rule.key) in seen:
                continue
            seen.add((key, rule.key))
            rule_pred[rule.key] += 1
            rule_ok[rule.key] += key in gold
        for rel in label_doc(doc, schema, rules):
            label_pred[rel.label] += 1
            label_ok[rel.label] += rel.key in gold
    return {
        "rules": {r.key: _prf(rule_pred[r.key], rule_ok[r.key], gold_n[r.label])
                  for r in rules},
        "labels": {label: _prf(label_pred[label], label_ok[label], gold_n[label])
                   for label in schema.labels},
    }


def format_table(results: dict[str, Counts]) -> str:
    head = f"{'rule/label':<32}{'pred':>6}{'correct':>9}{'gold':>6}{'P':>7}{'R':>7}{'F':>7}"
    lines = [head, "-" * len(head)]

    def row(name: str, c: dict[str, float]) -> str:
        return (f"{name:<32}{c['predicted']:>6}{c['correct']:>9}{c['gold']:>6}"
                f"{c['p']:>7.3f}{c['r']:>7.3f}{c['f']:>7.3f}")

    lines += [row(name, c) for name, c in results["rules"].items()]
    lines.append("-" * len(head))
    lines += [row(name, c) for name, c in results["labels"].items()]
    labels = results["labels"].values()
    macro = sum(c["f"] for c in labels) / max(1, len(results["labels"]))
    lines.append(f"{'macro F1':<32}{macro:>48.3f}")
    return "\n".join(lines)
