"""An HTML page that shows why the model said what it said: per sentence, the entities
(displaCy's entity view) and the relations as labelled arcs "label (score)" from head entity to
tail entity.

displaCy's dependency renderer draws arcs between words, so it is used in manual mode with each
entity span merged into one word (tagged with its entity type) and the other tokens as words;
the arcs then join whole entities. A page can be built from docs carrying `doc._.relations`
(`render_docs`) or from triples written by `extract` (`render_triples`), which need no model.

`dump_dom` and `screenshot` drive a headless Chromium (Debian package `chromium`), for tests
and for the picture in the docs.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy import displacy
from spacy.tokens import Doc

from ..component.relations import Relation

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
ENTITY_COLORS = {"TAXON": "#7aecec", "STRAT": "#feca74", "CHRONO": "#c887fb", "LOC": "#ff9561"}


@dataclass
class Block:
    """One sentence: its text, entities (start, end, label) and arcs between entity indices
    (head, tail, label, score); offsets are characters of `text`."""

    title: str
    text: str
    entities: list[tuple[int, int, str]] = field(default_factory=list)
    arcs: list[tuple[int, int, str, float]] = field(default_factory=list)

    def entity_index(self, start: int, end: int, label: str) -> int:
        key = (start, end, label)
        if key not in self.entities:
            self.entities.append(key)
        return self.entities.index(key)


def _words(block: Block) -> tuple[list[dict[str, str]], dict[int, int]]:
    """displaCy words (entities merged, other text split on whitespace) and entity -> word."""
    order = sorted(range(len(block.entities)), key=lambda i: block.entities[i][:2])
    words: list[dict[str, str]] = []
    where: dict[int, int] = {}
    pos = 0
    for i in order:
        start, end, label = block.entities[i]
        if start < pos:  # overlapping entity: attach it to the word already there
            where[i] = len(words) - 1
            continue
        words += [{"text": w, "tag": ""} for w in block.text[pos:start].split()]
        where[i] = len(words)
        words.append({"text": block.text[start:end], "tag": html.escape(label)})
        pos = end
    words += [{"text": w, "tag": ""} for w in block.text[pos:].split()]
    return words, where


def block_html(block: Block) -> str:
    """The entity view and the arc view of one sentence. displaCy escapes the text but not
    the labels, which come from a triples file or a model's labels: they are escaped here."""
    ents = [{"start": s, "end": e, "label": html.escape(lab)}
            for s, e, lab in sorted(block.entities)]
    ent_html = displacy.render({"text": block.text, "ents": ents, "title": None}, style="ent",
                               manual=True, options={"colors": ENTITY_COLORS})
    words, where = _words(block)
    arcs = []
    for head, tail, label, score in block.arcs:
        h, t = where[head], where[tail]
        if h == t:
            continue
        arcs.append({"start": min(h, t), "end": max(h, t),
                     "label": html.escape(f"{label} ({score:.2f})"),
                     "dir": "right" if h < t else "left"})
    dep_html = displacy.render({"words": words, "arcs": arcs}, style="dep", manual=True,
                               options={"compact": True, "distance": 110, "offset_x": 60,
                                        "word_spacing": 30, "arrow_spacing": 12})
    return (f'<section class="paleo-sentence"><h3>{html.escape(block.title)}</h3>'
            f'<div class="paleo-ents">{ent_html}</div>'
            f'<div class="paleo-arcs">{dep_html}</div></section>')


def page(blocks: Iterable[Block], title: str = "paleo-re relations") -> str:
    body = "\n".join(block_html(b) for b in blocks)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
section.paleo-sentence {{ border-bottom: 1px solid #ddd; padding: 0.5em 0 1em; }}
section.paleo-sentence h3 {{ font-size: 0.9em; color: #555; margin: 0 0 0.3em; }}
div.paleo-arcs {{ overflow-x: auto; }}
</style></head>
<body><h1>{html.escape(title)}</h1>
{body}
</body></html>
"""


def doc_blocks(doc: Doc, title: str = "") -> list[Block]:
    """One block per sentence with entities (the whole doc if it has no sentences)."""
    sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
    relations: list[Relation] = list(doc._.relations)
    blocks = []
    for n, sent in enumerate(sents):
        if not sent.ents:
            continue
        off = sent.start_char
        block = Block(f"{title} sentence {n + 1}".strip(), sent.text)
        for ent in sent.ents:
            block.entity_index(ent.start_char - off, ent.end_char - off, ent.label_)
        for rel in relations:
            if not (sent.start <= min(rel.head.start, rel.tail.start)
                    and max(rel.head.end, rel.tail.end) <= sent.end):
                continue  # a relation across sentences has no block to be drawn in
            head = block.entity_index(rel.head.start_char - off, rel.head.end_char - off,
                                      rel.head.label_)
            tail = block.entity_index(rel.tail.start_char - off, rel.tail.end_char - off,
                                      rel.tail.label_)
            block.arcs.append((head, tail, rel.label, rel.score))
        blocks.append(block)
    return blocks


def render_docs(docs: Iterable[tuple[Doc, str]], title: str = "paleo-re relations") -> str:
    """A page for (doc, doc id) pairs, e.g. from `extract.process`."""
    return page((b for doc, doc_id in docs for b in doc_blocks(doc, doc_id)), title)


def triple_blocks(triples: Iterable[dict[str, Any]]) -> list[Block]:
    """Blocks from triples: one per (document, sentence), with the entities the triples name."""
    blocks: dict[tuple[str, int], Block] = {}
    for row in triples:
        off = int(row.get("sentence_start", 0))
        key = (str(row["doc_id"]), off)
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = Block(f"{row['doc_id']} @{off}", row["sentence"])
        ends = [block.entity_index(row[side]["start"] - off, row[side]["end"] - off,
                                   row[side]["label"]) for side in ("head", "tail")]
        block.arcs.append((ends[0], ends[1], row["label"], float(row["score"])))
    return list(blocks.values())


def render_triples(triples: Iterable[dict[str, Any]], title: str = "paleo-re relations"
                   ) -> str:
    return page(triple_blocks(triples), title)


# --- headless Chromium -----------------------------------------------------------------------

def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _chromium(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("No Chromium found: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=timeout, check=True)


def dump_dom(html_path: Path) -> str:
    """The DOM of the page after Chromium has loaded and laid it out."""
    return _chromium(["--dump-dom", Path(html_path).resolve().as_uri()]).stdout


def screenshot(html_path: Path, png: Path, width: int = 1400, height: int = 900) -> Path:
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _chromium([f"--screenshot={png}", f"--window-size={width},{height}",
               Path(html_path).resolve().as_uri()])
    if not png.exists():
        raise RuntimeError(f"Chromium wrote no screenshot to {png}")
    return png


def arc_labels(dom: str) -> list[str]:
    """The arc label texts of a rendered page (displaCy puts them in <textPath> elements)."""
    return [html.unescape(m) for m in re.findall(r"<textPath[^>]*>([^<]*)</textPath>", dom)]
