"""A weakly labeled corpus from real sentences: the entity rules find the entities, the
labeling rules decide the relations, each with the confidence of the rule that fired."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ..component.candidates import CandidateGenerator
from ..component.schema import DEFAULT, Schema
from ..io.annotations import iter_lines
from ..io.errors import FormatError
from ..rules.labels import label_docs


def real_texts(paths: Iterable[Path], errors: list[FormatError]) -> Iterator[str]:
    """Unique texts from JSONL files with a "text" field, as plain text: the seed's whitespace
    tokens (lines with a "marked_text") are detokenized, raw sentences go through `plain_text`;
    either way, `_`-joined names get their spaces back."""
    from ..io.seed import detokenize, plain_text

    seen: set[str] = set()
    for path in paths:
        for n, record in iter_lines(path, errors):
            text = record.get("text") if isinstance(record, dict) else None
            if not isinstance(text, str) or not text.strip():
                errors.append(FormatError(path, n, "text", "missing or empty"))
                continue
            text = (detokenize(text.split(" "))[0] if "marked_text" in record
                    else plain_text(text))
            if text not in seen:
                seen.add(text)
                yield text


def weak_label(nlp: Language, texts: Iterable[str], schema: Schema = DEFAULT,
               batch_size: int = 256) -> Iterator[Doc]:
    """Docs with rule entities and weak relations, for every text with a candidate pair.
    `nlp` must set sentences and entities (the sentencizer and entity ruler)."""
    candidates = CandidateGenerator()
    for doc in nlp.pipe(texts, batch_size=batch_size):
        if candidates(doc, schema):
            label_docs([doc], schema)
            yield doc
