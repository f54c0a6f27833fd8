"""Pictures of evaluation results: the relation confusion matrix as a PNG.

Drawn with matplotlib's object API on an Agg canvas rather than `pyplot`, so it needs no
display and never switches the backend of a program that imports this package.
"""

from __future__ import annotations

from pathlib import Path

from ..component.scorer import matrix_labels


def plot_confusion(matrix: dict[str, dict[str, int]], path: Path, title: str = "") -> Path:
    """Write a heat map of gold (rows) against predicted (columns) counts to `path`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = matrix_labels(matrix)
    counts = [[matrix.get(g, {}).get(p, 0) for p in labels] for g in labels]
    size = 1.6 + 0.9 * max(len(labels), 1)
    fig = Figure(figsize=(size + 1.2, size))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(counts if labels else [[0]], cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = max((c for row in counts for c in row), default=0)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            ax.text(j, i, str(count), ha="center", va="center",
                    color="white" if top and count > top / 2 else "black")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
