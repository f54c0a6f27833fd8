"""The ents filter of the entity ruler: which matches become `doc.ents`.

Rules overlap by design (`Aphelaspis` is a genus, `Aphelaspis Zone` a zone), so the filter
decides: entities already on the doc stay (a caller or an earlier component set them), then
the longest match wins, a listed name beats a shape of the same length, and matches inside a
citation or institution (`Palmer, 1998a`, `Queensland Museum`) are dropped. Finally, CHRONO
spans take in their modifiers and ranges (`early Upper Cambrian`, `Middle and Upper Cambrian`)
and LOC spans their compass words (`western Queensland`), which is simpler and more general
as a pass over the tokens than as patterns for every combination.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.tokens import Doc, Span
from spacy.util import registry

from .lexicon import COMPASS, RANGE_JOINERS, TIME_MODIFIERS
from .patterns import BLOCK, BLOCK_LABEL, GAZ

EntsFilter = Callable[[Iterable[Span], Iterable[Span]], list[Span]]
PRIORITY = {BLOCK: 0, GAZ: 2}
LABEL_PRIORITY = {"LOC": 3, "CHRONO": 2, "STRAT": 1, "TAXON": 0}


def _extend_left(doc: Doc, span: Span, taken: set[int]) -> Span:
    """Extend a CHRONO or LOC span leftwards over its modifiers (never into another span)."""
    start = span.start

    def free(i: int) -> bool:
        return i >= 0 and i not in taken

    if span.label_ == "CHRONO":
        while free(start - 1) and doc[start - 1].text in TIME_MODIFIERS and start - span.start > -2:
            start -= 1
        # A range sharing the head: `Middle and Upper Cambrian`, `upper Middle to lower Upper`.
        if start < span.start and free(start - 2) and doc[start - 1].text in RANGE_JOINERS \
                and doc[start - 2].text in TIME_MODIFIERS:
            start -= 2
            while free(start - 1) and doc[start - 1].text in TIME_MODIFIERS \
                    and span.start - start < 6:
                start -= 1
    elif span.label_ == "LOC":
        while free(start - 1) and span.start - start < 3:
            prev = doc[start - 1]
            if prev.text in COMPASS or prev.text.rstrip("-") in COMPASS and prev.text.endswith("-"):
                start -= 1
            elif prev.text in ("-", "–") and free(start - 2) and doc[start - 2].text in COMPASS \
                    and start < span.start:
                start -= 2
            else:
                break
    if start == span.start:
        return span
    return Span(doc, start, span.end, label=span.label, span_id=span.id)


def select_ents(ents: Iterable[Span], spans: Iterable[Span]) -> list[Span]:
    """Keep `ents`; add the best non-overlapping `spans`; extend; drop blocks."""
    kept = list(ents)
    spans = list(spans)
    blocks = [s for s in spans if s.label_ == BLOCK_LABEL]
    candidates = [s for s in spans if s.label_ != BLOCK_LABEL and not any(
        b.start <= s.start and s.end <= b.end for b in blocks)]
    candidates.sort(key=lambda s: (-(s.end - s.start), -PRIORITY.get(s.id_, 1),
                                   -LABEL_PRIORITY.get(s.label_, 0), s.start))
    taken = {i for e in kept for i in range(e.start, e.end)}
    chosen: list[Span] = []
    for span in candidates:
        if any(i in taken for i in range(span.start, span.end)):
            continue
        chosen.append(span)
        taken.update(range(span.start, span.end))
    result = list(kept)
    for span in sorted(chosen, key=lambda s: s.start):
        extended = _extend_left(span.doc, span, taken)
        taken.update(range(extended.start, span.start))
        result.append(extended)
    return sorted(result, key=lambda s: s.start)


@registry.misc("paleo_re.longest_ents_filter.v1")
def make_longest_ents_filter() -> EntsFilter:
    """The ents filter for `span_ruler`: see the module docstring."""
    return select_ents
