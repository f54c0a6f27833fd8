"""Candidate pairs: the ordered entity pairs the model is asked about.

Only pairs whose (head type, tail type) is a schema signature are enumerated: the schema is a
fact, so type-invalid pairs are never scored. Pairs stay inside one sentence when the doc has
sentence boundaries, and within `max_distance` tokens of each other.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.types import Ints2d, Ragged

from .schema import Schema

# Columns of the candidate array handed to the model; any further columns are the pair's
# rule votes (`paleo_re.votes`).
HEAD_START, HEAD_END, TAIL_START, TAIL_END, TYPE_PAIR = range(5)
N_COLUMNS = 5


class CandidateGenerator:
    """Enumerates type-valid ordered entity pairs of a doc."""

    def __init__(self, max_distance: int = 100, same_sentence: bool = True):
        self.max_distance = max_distance
        self.same_sentence = same_sentence

    def __call__(self, doc: Doc, schema: Schema) -> list[tuple[Span, Span]]:
        ents = list(doc.ents)
        if len(ents) < 2:
            return []
        valid = set(schema.type_pairs)
        sent_of = None
        if self.same_sentence and doc.has_annotation("SENT_START"):
            starts = numpy.asarray([bool(t.is_sent_start) for t in doc], dtype="int32")
            starts[0] = 1
            sent_of = numpy.cumsum(starts)
        pairs = []
        for head in ents:
            for tail in ents:
                if head is tail or (head.label_, tail.label_) not in valid:
                    continue
                if sent_of is not None and sent_of[head.start] != sent_of[tail.start]:
                    continue
                if self.distance(head, tail) > self.max_distance:
                    continue
                pairs.append((head, tail))
        return pairs

    @staticmethod
    def distance(a: Span, b: Span) -> int:
        """Tokens strictly between two spans."""
        return max(0, max(a.start, b.start) - min(a.end, b.end))


@registry.misc("paleo_re.candidates.v1")
def make_candidate_generator(max_distance: int = 100, same_sentence: bool = True
                             ) -> CandidateGenerator:
    return CandidateGenerator(max_distance=max_distance, same_sentence=same_sentence)


def pairs_to_array(pairs: list[tuple[Span, Span]], schema: Schema) -> Ints2d:
    """Token offsets of head and tail, and the index of their type pair, one row a pair."""
    type_index = {pair: i for i, pair in enumerate(schema.type_pairs)}
    rows = [
        (h.start, h.end, t.start, t.end, type_index[(h.label_, t.label_)]) for h, t in pairs
    ]
    return numpy.asarray(rows, dtype="int32").reshape((len(rows), N_COLUMNS))


def candidates_to_ragged(ops, arrays: Iterable[Ints2d], width: int = N_COLUMNS) -> Ragged:
    """One segment per doc from the docs' candidate arrays (`width` columns each)."""
    arrays = list(arrays)
    lengths = numpy.asarray([len(a) for a in arrays], dtype="int32")
    data = numpy.concatenate(arrays) if arrays else numpy.zeros((0, width), dtype="int32")
    return Ragged(ops.asarray2i(data), ops.asarray1i(lengths))
