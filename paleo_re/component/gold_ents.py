"""Running a pipeline up to the relation extractor with the gold entities.

The extractor is trained, tuned and scored on the reference entities, so that its numbers
measure the pair decisions alone: the entity recognisers' mistakes belong to their own scores.
Training and scoring copy the reference entities onto the predicted docs (`with_gold_ents`);
threshold tuning, head training and evaluation run the components that do not set entities on
copies of the gold docs (`run_with_gold_ents`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from .relations import set_relations


def with_gold_ents(examples: Iterable[Example]) -> list[Example]:
    """Copies of `examples` whose predicted docs carry the reference entities, aligned to the
    predicted tokens."""
    copies = []
    for eg in examples:
        ents, _ = eg.get_aligned_ents_and_ner()
        eg = eg.copy()
        eg.predicted.ents = ents
        copies.append(eg)
    return copies


def entity_pipes(nlp: Language) -> list[str]:
    """Components that set `doc.ents` (a `span_ruler` does when it annotates ents, though its
    factory metadata does not say so)."""
    return [name for name, pipe in nlp.pipeline
            if "doc.ents" in nlp.get_pipe_meta(name).assigns
            or getattr(pipe, "annotate_ents", False)]


def unread_pipes(nlp: Language, off: Iterable[str]) -> list[str]:
    """Components that only the components in `off` read, so running them computes nothing
    anyone uses: an encoder whose listeners are all off, and a span ruler that sets no
    entities and whose matches go only to components in `off` that take them as `proposals`
    (`paleo_entity_cleanup`)."""
    off = set(off)
    unread = []
    for name, pipe in nlp.pipeline:
        listeners = set(getattr(pipe, "listening_components", None) or ())
        key = None if getattr(pipe, "annotate_ents", True) else getattr(pipe, "key", None)
        readers = {other for other, reader in nlp.pipeline
                   if key and getattr(reader, "proposals", None) == key}
        if (listeners and listeners <= off) or (readers and readers <= off):
            unread.append(name)
    return unread


def _unannotated(doc: Doc) -> Doc:
    copy = doc.copy()
    set_relations(copy, None)
    return copy


def run_with_gold_ents(nlp: Language, gold: Iterable[Doc], upto: str | None = None,
                       batch_size: int = 32) -> Iterator[Doc]:
    """Copies of the `gold` docs, entities kept and relations removed, run through every
    component of `nlp` that does not set entities; with `upto`, only through the components
    before that one. The components are off until the docs are all read."""
    off = set(entity_pipes(nlp))
    off |= set(unread_pipes(nlp, off))  # not those after `upto`: the caller reads their input
    if upto is not None:
        off |= set(nlp.pipe_names[nlp.pipe_names.index(upto):])
    copies = (_unannotated(doc) for doc in gold)
    with nlp.select_pipes(disable=sorted(off)):
        yield from nlp.pipe(copies, batch_size=batch_size)
