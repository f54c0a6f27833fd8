"""Entity cleanup after the statistical recogniser.

spaCy's `ner` never starts an entity on a whitespace token but may end one there (a line
break of plain text), and rarely predicts one without a word in it (`.` plus a line break,
seen after `Utah.` at the end of a line); rule or user entities may do either. Such an
entity means nothing to a reader and, as a relation head or tail, yields nonsense triples.
This component trims whitespace tokens off entity edges and drops entities with no letter or
digit left. It has no state beyond its name.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span


def clean_span(span: Span) -> Span | None:
    """`span` without whitespace tokens at its edges; None when no letter or digit is left."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    if not any(c.isalnum() for token in doc[start:end] for c in token.text):
        return None
    if (start, end) == (span.start, span.end):
        return span
    return Span(doc, start, end, label=span.label, kb_id=span.kb_id, span_id=span.id)


class EntityCleanup:
    """Trim and drop entities as the module docstring says."""

    def __init__(self, name: str = "entity_cleanup"):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        cleaned = [clean_span(ent) for ent in doc.ents]
        # Only assign when something changed: assigning `doc.ents` marks unannotated tokens O.
        if any(new is not old for new, old in zip(cleaned, doc.ents)):
            doc.ents = [span for span in cleaned if span is not None]
        return doc


@Language.factory("paleo_entity_cleanup", assigns=["doc.ents"], requires=["doc.ents"])
def make_entity_cleanup(nlp: Language, name: str) -> EntityCleanup:
    return EntityCleanup(name)
