"""Candidate pairs: the ordered entity pairs the model is asked about.

Only pairs whose (head type, tail type) is a schema signature are enumerated: the schema is a
fact, so type-invalid pairs are never scored. Pairs stay inside one sentence when the doc has
sentence boundaries, and within `max_distance` tokens of each other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.types import Ints2d, Ragged

from .schema import Schema

if TYPE_CHECKING:  # votes read the labeling rules, which enumerate candidates themselves
    from .votes import Votes

logger = logging.getLogger(__name__)

# Columns of the candidate array handed to the model; any further columns are the pair's
# rule votes (`paleo_re.component.votes`).
HEAD_START, HEAD_END, TAIL_START, TAIL_END, TYPE_PAIR = range(5)
N_COLUMNS = 5


class CandidateGenerator:
    """Enumerates type-valid ordered entity pairs of a doc, in time linear in the number of
    entities for a bounded `max_distance`: each entity is paired only with the entities of its
    own sentence that lie within reach. `max_pairs_per_sentence` (None: no bound) keeps the
    closest pairs of a sentence that has more, so one run-on "sentence" of a damaged PDF cannot
    take the memory of the whole batch; the first cut is logged as a warning."""

    def __init__(self, max_distance: int = 100, same_sentence: bool = True,
                 max_pairs_per_sentence: int | None = None):
        self.max_distance = max_distance
        self.same_sentence = same_sentence
        self.max_pairs_per_sentence = max_pairs_per_sentence
        self._warned = False

    def __call__(self, doc: Doc, schema: Schema) -> list[tuple[Span, Span]]:
        ents = list(doc.ents)
        if len(ents) < 2:
            return []
        valid = set(schema.type_pairs)
        pairs = []
        for group in self._sentence_groups(doc, ents):
            group_pairs = []
            for i, head in enumerate(group):
                for tail in self._within_reach(group, i):
                    if (head.label_, tail.label_) in valid:
                        group_pairs.append((head, tail))
            pairs.extend(self._bounded(group_pairs))
        return pairs

    def _sentence_groups(self, doc: Doc, ents: list[Span]) -> list[list[Span]]:
        """The entities (in doc order, as doc.ents gives them) grouped by sentence."""
        if not (self.same_sentence and doc.has_annotation("SENT_START")):
            return [ents]
        starts = numpy.asarray([bool(t.is_sent_start) for t in doc], dtype="int32")
        starts[0] = 1
        sent_of = numpy.cumsum(starts)
        groups: list[list[Span]] = []
        for ent, sent in zip(ents, sent_of[[e.start for e in ents]]):
            if groups and sent_of[groups[-1][0].start] == sent:
                groups[-1].append(ent)
            else:
                groups.append([ent])
        return groups

    def _within_reach(self, ents: list[Span], i: int) -> list[Span]:
        """The entities other than `ents[i]` at most `max_distance` tokens from it, in doc
        order. Entities do not overlap, so the distance grows monotonically on both sides."""
        head = ents[i]
        before = []
        for tail in reversed(ents[:i]):
            if self.distance(head, tail) > self.max_distance:
                break
            before.append(tail)
        after = []
        for tail in ents[i + 1:]:
            if self.distance(head, tail) > self.max_distance:
                break
            after.append(tail)
        return before[::-1] + after

    def _bounded(self, pairs: list[tuple[Span, Span]]) -> list[tuple[Span, Span]]:
        bound = self.max_pairs_per_sentence
        if bound is None or len(pairs) <= bound:
            return pairs
        if not self._warned:
            self._warned = True
            logger.warning(
                "a sentence has %d candidate pairs: kept the %d closest "
                "(max_pairs_per_sentence; this warning is shown once)", len(pairs), bound)
        keep = set(sorted(range(len(pairs)), key=lambda k: self.distance(*pairs[k]))[:bound])
        return [pair for k, pair in enumerate(pairs) if k in keep]

    @staticmethod
    def distance(a: Span, b: Span) -> int:
        """Tokens strictly between two spans."""
        return max(0, max(a.start, b.start) - min(a.end, b.end))


@registry.misc("paleo_re.candidates.v1")
def make_candidate_generator(max_distance: int = 100, same_sentence: bool = True
                             ) -> CandidateGenerator:
    return CandidateGenerator(max_distance=max_distance, same_sentence=same_sentence)


@registry.misc("paleo_re.candidates.v2")
def make_candidate_generator_v2(max_distance: int = 100, same_sentence: bool = True,
                                max_pairs_per_sentence: int | None = 1000
                                ) -> CandidateGenerator:
    """v1 plus a bound on the pairs of one sentence (the closest are kept)."""
    return CandidateGenerator(max_distance, same_sentence, max_pairs_per_sentence)


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


def featurize(doc: Doc, pairs: list[tuple[Span, Span]], schema: Schema,
              votes: Votes | None = None) -> Ints2d:
    """The model's input rows for `doc`'s candidate `pairs`: offsets, type pair, and the
    pair's `votes` columns when there are any."""
    array = pairs_to_array(pairs, schema)
    if votes is None:
        return array
    return numpy.hstack([array, votes(doc, pairs, schema).astype("int32")])


def featurize_batch(ops, docs: Iterable[Doc], all_pairs: Iterable[list[tuple[Span, Span]]],
                    schema: Schema, votes: Votes | None = None) -> Ragged:
    """The model's candidate input for a batch: one segment of rows per doc."""
    width = N_COLUMNS + (votes.width(schema) if votes is not None else 0)
    return candidates_to_ragged(ops, [featurize(doc, pairs, schema, votes)
                                      for doc, pairs in zip(docs, all_pairs)], width)
