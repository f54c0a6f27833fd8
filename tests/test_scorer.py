from spacy.training import Example

from paleo_re.component.scorer import confusion_matrix, score_relations
from paleo_re.io.annotations import record_to_doc

TEXT = "Olenellus and Peachella occur in the Pioche Shale of Nevada."
ENTS = [{"start": 0, "end": 9, "label": "TAXON"}, {"start": 14, "end": 23, "label": "TAXON"},
        {"start": 37, "end": 49, "label": "STRAT"}, {"start": 53, "end": 59, "label": "LOC"}]


def example(nlp, gold, pred):
    def doc(rels):
        return record_to_doc(nlp.make_doc, {"text": TEXT, "entities": ENTS, "relations": [
            {"head": h, "tail": t, "label": lab} for h, t, lab in rels]})
    return Example(doc(pred), doc(gold))


def test_per_label_micro_macro(blank_nlp):
    gold = [(0, 2, "occurs_in"), (1, 2, "occurs_in"), (0, 3, "found_at"), (1, 3, "found_at")]
    pred = [(0, 2, "occurs_in"), (0, 3, "found_at"), (1, 3, "occurs_in")]
    scores = score_relations([example(blank_nlp, gold, pred)],
                             labels=["occurs_in", "found_at", "part_of"])
    per = scores["rel_f_per_type"]
    assert per["occurs_in"] == {"p": 0.5, "r": 0.5, "f": 0.5}
    assert per["found_at"] == {"p": 1.0, "r": 0.5, "f": 2 / 3}
    assert per["part_of"]["f"] == 0.0
    assert scores["rel_micro_p"] == 2 / 3 and scores["rel_micro_r"] == 0.5
    assert abs(scores["rel_macro_f"] - (0.5 + 2 / 3 + 0.0) / 3) < 1e-9


def test_unpredicted_gold_pairs_are_misses(blank_nlp):
    """A gold pair the candidate step never produced must lower recall."""
    scores = score_relations([example(blank_nlp, [(0, 2, "occurs_in"), (1, 2, "occurs_in")],
                                      [(0, 2, "occurs_in")])], labels=["occurs_in"])
    assert scores["rel_micro_r"] == 0.5 and scores["rel_micro_p"] == 1.0


def test_confusion_matrix(blank_nlp):
    eg = example(blank_nlp, [(0, 2, "occurs_in"), (0, 3, "found_at")],
                 [(0, 2, "occurs_in"), (1, 3, "found_at")])
    assert confusion_matrix([eg]) == {"occurs_in": {"occurs_in": 1},
                                      "found_at": {"NO_RELATION": 1},
                                      "NO_RELATION": {"found_at": 1}}
