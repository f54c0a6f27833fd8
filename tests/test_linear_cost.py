"""Candidates and rule votes cost the same per pair however long the document: counted in
executed lines of the package (deterministic), never timed."""

import logging
import sys

from util import make_doc

from paleo_re.component.candidates import CandidateGenerator
from paleo_re.component.schema import DEFAULT
from paleo_re.component.votes import RuleVotes
from paleo_re.rules.labels import Context

SENTENCE = ("Olenellus occurs in the Pioche Shale of Nevada, and the Pioche Shale is of "
            "Dyeran age. ")
SPANS = [("Olenellus", "TAXON"), ("Pioche Shale", "STRAT"), ("Nevada", "LOC"),
         ("Pioche Shale", "STRAT"), ("Dyeran", "CHRONO")]


def long_doc(nlp, n: int):
    return make_doc(SENTENCE * n, SPANS * n, sentences=True)


def lines_run(fn) -> int:
    """Lines of paleo_re executed while `fn` runs."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if "paleo_re" not in frame.f_code.co_filename:
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


def per_pair(nlp, n: int) -> tuple[float, float]:
    doc = long_doc(nlp, n)
    generator, votes = CandidateGenerator(), RuleVotes(veto=True)
    pairs = generator(doc, DEFAULT)
    assert len(pairs) == 7 * n  # the pairs of each sentence, none across sentences
    return (lines_run(lambda: generator(doc, DEFAULT)) / len(pairs),
            lines_run(lambda: votes(doc, pairs, DEFAULT)) / len(pairs))


def test_cost_per_pair_does_not_grow_with_the_document(blank_nlp):
    short_candidates, short_votes = per_pair(blank_nlp, 5)
    long_candidates, long_votes = per_pair(blank_nlp, 80)
    assert long_candidates <= 1.2 * short_candidates
    assert long_votes <= 1.2 * short_votes


def test_ents_between_is_the_entities_inside_the_range(blank_nlp):
    doc = long_doc(blank_nlp, 3)
    ctx = Context(doc)
    for start in range(0, len(doc), 3):
        for end in range(start, len(doc) + 1, 5):
            expected = [(e.start, e.end) for e in doc.ents if e.start >= start and e.end <= end]
            assert [(e.start, e.end) for e in ctx.ents_between(start, end)] == expected


def test_same_pairs_as_every_pair_within_reach(blank_nlp):
    doc = make_doc(SENTENCE * 3, SPANS * 3, sentences=False)
    generator = CandidateGenerator(max_distance=20)
    valid = set(DEFAULT.type_pairs)
    expected = [(h, t) for h in doc.ents for t in doc.ents if h != t
                and (h.label_, t.label_) in valid and generator.distance(h, t) <= 20]
    assert [(h.start, t.start) for h, t in generator(doc, DEFAULT)] == \
        [(h.start, t.start) for h, t in expected]


def test_pairs_per_sentence_are_bounded_to_the_closest_with_one_warning(blank_nlp, caplog):
    doc = make_doc(SENTENCE * 4, SPANS * 4, sentences=False)  # one long sentence
    unbounded = CandidateGenerator()(doc, DEFAULT)
    generator = CandidateGenerator(max_pairs_per_sentence=5)
    with caplog.at_level(logging.WARNING, logger="paleo_re.component.candidates"):
        pairs = generator(doc, DEFAULT)
        generator(doc, DEFAULT)
    assert len(pairs) == 5 and len(unbounded) > 5
    assert max(map(generator.distance, *zip(*pairs))) <= \
        sorted(generator.distance(h, t) for h, t in unbounded)[5]
    assert sum("max_pairs_per_sentence" in r.getMessage() for r in caplog.records) == 1
