"""Side-by-side results of several systems on the real dev set, as one markdown document."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import srsly

from .evaluate import report

MODES = (("gold_ents", "gold entities"), ("end_to_end", "end to end"))


def summary_table(systems: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    labels = sorted({label for _, res in systems for mode, _ in MODES if mode in res
                     for label in res[mode]["relations"]["rel_f_per_type"]})
    lines = ["| system | entities | " + " | ".join(f"{lab} F1" for lab in labels)
             + " | micro F1 | macro F1 |", "|---" * (len(labels) + 4) + "|"]
    for name, res in systems:
        for mode, title in MODES:
            if mode not in res:
                continue
            rel = res[mode]["relations"]
            per = rel["rel_f_per_type"]
            cells = [f"{per[lab]['f']:.3f}" if lab in per else "–" for lab in labels]
            lines.append(f"| {name} | {title} | " + " | ".join(cells)
                         + f" | {rel['rel_micro_f']:.3f} | **{rel['rel_macro_f']:.3f}** |")
    return lines


def write_comparison(systems: Sequence[tuple[str, Path]], output: Path, preamble: str = ""
                     ) -> str:
    """`systems`: (name, metrics.json written by `paleo-re evaluate`) in display order."""
    loaded = [(name, srsly.read_json(path)) for name, path in systems]
    parts = ["# Results on the real dev set", "", preamble, "", *summary_table(loaded), ""]
    parts += [report(res, name) for name, res in loaded]
    text = "\n".join(parts).rstrip() + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf8")
    return text
