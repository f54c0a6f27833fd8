"""Assembling training corpora: annotated sources in, stratified train/dev `.spacy` files out.

The real gold dev set is never an input here: it is only ever used to evaluate.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from wasabi import msg

from ..component.relations import has_relations
from ..component.schema import DEFAULT, Schema
from ..io.annotations import read_annotations
from ..io.docs import write_docbin
from ..io.errors import FormatError
from ..io.seed import plain_text
from ..io.standoff import read_standoff
from . import DEV_FRACTION


def _strata(docs: Sequence[Doc], seed: int) -> list[list[Doc]]:
    """The docs grouped by their rarest relation label (NONE without relations), each group
    shuffled, in a fixed order of groups."""
    frequency = Counter(rel.label for doc in docs for rel in doc._.relations)
    groups: dict[str, list[Doc]] = {}
    for doc in docs:
        labels = {rel.label for rel in doc._.relations}
        key = min(labels, key=lambda label: (frequency[label], label)) if labels else "NONE"
        groups.setdefault(key, []).append(doc)
    rng = random.Random(seed)
    for key in sorted(groups):
        rng.shuffle(groups[key])
    return [groups[key] for key in sorted(groups)]


def stratified_split(docs: Sequence[Doc], dev_fraction: float, seed: int = 0
                     ) -> tuple[list[Doc], list[Doc]]:
    """Split so every label keeps its share in both parts: each doc's stratum is the rarest
    relation label it holds (NONE without relations)."""
    train, dev = [], []
    for group in _strata(docs, seed):
        n_dev = round(len(group) * dev_fraction)
        dev.extend(group[:n_dev])
        train.extend(group[n_dev:])
    return train, dev


def stratified_folds(docs: Sequence[Doc], k: int, seed: int = 0) -> list[list[Doc]]:
    """`k` folds of nearly equal size with every stratum (as in `stratified_split`) dealt
    round-robin over them, continuing where the previous stratum stopped."""
    folds: list[list[Doc]] = [[] for _ in range(k)]
    i = 0
    for group in _strata(docs, seed):
        for doc in group:
            folds[i % k].append(doc)
            i += 1
    return folds


def count_table(parts: dict[str, Iterable[Doc]]) -> tuple[list[str], list[list]]:
    """Rows of per-label counts (docs, entities by type, relations by label) per part."""
    counts = {}
    for name, docs in parts.items():
        c: Counter = Counter()
        for doc in docs:
            c["docs"] += 1
            c.update(f"ent:{e.label_}" for e in doc.ents)
            c.update(rel.label for rel in doc._.relations)
        counts[name] = c
    keys = sorted({k for c in counts.values() for k in c}, key=lambda k: (k != "docs", k))
    return ["", *counts], [[k, *(counts[n][k] for n in counts)] for k in keys]


def split_entity(doc: Doc, sentences: Doc) -> Span | None:
    """An entity of `doc` inside which `sentences` (the same text through the pipeline's
    sentencizer) starts a sentence: `ner` cannot learn it, and `spacy train` stops on it
    (E024)."""
    starts = [t.idx for t in sentences if t.is_sent_start]
    return next((ent for ent in doc.ents
                 if any(ent.start_char < i < ent.end_char for i in starts)), None)


def build_corpus(nlp: Language, annotated: Sequence[Path], weak: Sequence[Path], train_path: Path,
                 dev_path: Path | None, dev_fraction: float = DEV_FRACTION, seed: int = 0,
                 standoff: Sequence[Path] = (), data: Path | None = None,
                 schema: Schema = DEFAULT) -> dict:
    """Split the hand-annotated docs (`annotated`, and `standoff` read against the data folder
    `data`) into train/dev by stratum, or put them all in train when there is no `dev_path`;
    weakly labeled docs go to train only (the dev part measures against hand labels). Bad
    lines, and docs whose entity the sentencizer of `nlp` (if any) splits, are reported and
    skipped; so are lines that break `schema`."""
    if standoff and data is None:
        raise ValueError("stand-off annotations need the data folder their sources live in")
    errors: list[FormatError] = []
    read = {path: list(read_annotations(path, nlp.make_doc, errors, schema)) for path in
            (*annotated, *weak)}
    read.update({path: list(read_standoff(path, data, nlp.make_doc, errors, schema))
                 for path in standoff})
    skipped = 0
    if nlp.pipeline:
        for path, docs in read.items():
            kept = []
            for doc, sentences in zip(docs, nlp.pipe(doc.text for doc in docs)):
                ent = split_entity(doc, sentences)
                if ent is None:
                    kept.append(doc)
                    continue
                skipped += 1
                msg.warn(f"{path}: {doc.user_data.get('id', doc.text[:40])!r} skipped: the "
                         f"sentencizer splits its entity {ent.text!r}")
            read[path] = kept
    for err in errors:
        msg.warn(str(err))
    hand = [doc for path in (*annotated, *standoff) for doc in read[path]]
    weak_docs = [doc for path in weak for doc in read[path]]
    hand_train, dev = stratified_split(hand, dev_fraction, seed) if dev_path else (hand, [])
    # a sentence labeled by hand is not also trained on with the rules' labels
    hand_texts = {plain_text(doc.text) for doc in hand}
    weak_docs = [doc for doc in weak_docs
                 if has_relations(doc) and plain_text(doc.text) not in hand_texts]
    train = hand_train + weak_docs
    random.Random(seed).shuffle(train)
    write_docbin(train, train_path)
    if dev_path:
        write_docbin(dev, dev_path)
    header, rows = count_table({"hand train": hand_train,
                                "weak train": weak_docs, "dev": dev})
    msg.table(rows, header=header, divider=True)
    for path, docs in read.items():
        msg.info(f"{path}: {len(docs)} docs read")
    msg.info(f"{len(errors)} bad lines and {skipped} split entities skipped; wrote "
             f"{len(train)} train docs to {train_path}"
             + (f", {len(dev)} dev docs to {dev_path}" if dev_path else ""))
    return {"train": len(train), "dev": len(dev), "errors": len(errors), "skipped": skipped}
