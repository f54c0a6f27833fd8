"""A spaCy corpus reader for the guideline JSONL, so `spacy train` needs no conversion step:

    [corpora.train]
    @readers = "paleo_re.AnnotationsReader.v1"
    path = ${paths.train}

The reference doc of each `Example` carries the gold entities and `doc._.relations`; the
predicted doc is `nlp.make_doc(text)`, and `Example` aligns the two tokenizations. A malformed
line raises `FormatError` (file, line, field): training on silently shrunken data is worse than
not training.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.training import Example
from spacy.util import registry

from .annotations import read_annotations


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.jsonl"))
    if not path.exists():
        raise ValueError(f"Annotations file not found: {path}")
    return [path]


@registry.readers("paleo_re.AnnotationsReader.v1")
def create_annotations_reader(path: Path, limit: int = 0
                              ) -> Callable[[Language], Iterator[Example]]:
    """Examples from a guideline JSONL file, or from every `*.jsonl` file of a directory.

    `limit` > 0 stops after that many examples (as in `spacy.Corpus.v1`).
    """
    path = Path(path)

    def read(nlp: Language) -> Iterator[Example]:
        count = 0
        for file in _files(path):
            for reference in read_annotations(file, nlp.make_doc):
                if limit and count >= limit:
                    return
                yield Example(nlp.make_doc(reference.text), reference)
                count += 1

    return read
