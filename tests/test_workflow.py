"""The workflow's own steps: corpus assembly, evaluation report, comparison document."""

from pathlib import Path

import pytest
import spacy
import srsly
from spacy.tokens import DocBin
from spacy.training import Example
from util import make_examples, toy_records, train, unwrapped

from paleo_re.component.gold_ents import run_with_gold_ents, unread_pipes
from paleo_re.component.relations import has_relations
from paleo_re.entities import add_sentencizer
from paleo_re.evaluation.compare import write_comparison
from paleo_re.evaluation.evaluate import evaluate, predict, write_results
from paleo_re.io.annotations import record_to_doc
from paleo_re.io.seed import plain_text
from paleo_re.io.standoff import text_digest
from paleo_re.training.corpus import build_corpus, stratified_split


def test_stratified_split_keeps_rare_labels_in_both_parts(blank_nlp):
    docs = [record_to_doc(blank_nlp.make_doc, r) for r in toy_records(60)]
    train, dev = stratified_split(docs, 0.2)
    assert len(train) + len(dev) == 60
    for part in (train, dev):
        assert {r.label for d in part for r in d._.relations} == \
               {"occurs_in", "found_at", "assigned_to", "part_of"}


@pytest.mark.slow
def test_build_corpus_skips_and_reports_bad_lines(tmp_path, blank_nlp, capsys):
    hand = tmp_path / "hand.jsonl"
    lines = [srsly.json_dumps(r) for r in toy_records(20)]
    lines.insert(3, '{"text": "broken", "entities": [{"start": 0, "end": 99, "label": "X"}]}')
    lines.insert(5, "not json")
    hand.write_text("\n".join(lines) + "\n", encoding="utf8")
    weak = tmp_path / "weak.jsonl"
    srsly.write_jsonl(weak, toy_records(6, seed=3))
    counts = build_corpus(blank_nlp, [hand], [weak], tmp_path / "train.spacy",
                          tmp_path / "dev.spacy", dev_fraction=0.25)
    assert counts["errors"] == 2 and counts["train"] + counts["dev"] == 26
    out = unwrapped(capsys.readouterr().out)
    assert "hand.jsonl:4" in out and "hand.jsonl:6" in out
    dev_docs = list(DocBin().from_disk(tmp_path / "dev.spacy").get_docs(blank_nlp.vocab))
    assert len(dev_docs) == counts["dev"] and all(has_relations(d) for d in dev_docs)
    assert sum(len(d._.relations) for d in dev_docs) > 0


@pytest.mark.slow
def test_build_corpus_adds_standoff_labels_and_drops_their_weak_copies(tmp_path, blank_nlp):
    hand = toy_records(12)
    data = tmp_path / "data"
    data.mkdir()
    # the raw text breaks lines where the labeled (and weakly labeled) text has a space
    srsly.write_jsonl(data / "raw.jsonl", [{"text": r["text"].replace(" ", "\n", 1)}
                                           for r in hand])
    standoff = [{"source": {"file": "raw.jsonl", "line": i + 1,
                            "sha1": text_digest(plain_text(r["text"]))},
                 "entities": r["entities"], "relations": r["relations"]}
                for i, r in enumerate(hand)]
    srsly.write_jsonl(tmp_path / "real.jsonl", standoff)
    # the rules' labels of two of the same sentences, as raw text, and of two others
    others = toy_records(2, seed=9)
    weak = [{**r, "text": r["text"].replace(" ", "\n", 1), "negative_confidence": 0.3}
            for r in hand[:2]] + [{**r, "negative_confidence": 0.3} for r in others]
    srsly.write_jsonl(tmp_path / "weak.jsonl", weak)
    counts = build_corpus(blank_nlp, [], [tmp_path / "weak.jsonl"], tmp_path / "train.spacy",
                          tmp_path / "dev.spacy", dev_fraction=0.25,
                          standoff=[tmp_path / "real.jsonl"], data=data)
    assert counts["errors"] == 0
    docs = [d for name in ("train", "dev")
            for d in DocBin().from_disk(tmp_path / f"{name}.spacy").get_docs(blank_nlp.vocab)]
    assert sorted(d.text for d in docs) == sorted(r["text"] for r in hand + others)
    with pytest.raises(ValueError, match="data folder"):
        build_corpus(blank_nlp, [], [], tmp_path / "t.spacy", tmp_path / "d.spacy",
                     standoff=[tmp_path / "real.jsonl"])


def test_build_corpus_without_a_dev_path_puts_every_doc_in_train(tmp_path, blank_nlp):
    srsly.write_jsonl(tmp_path / "hand.jsonl", toy_records(10))
    counts = build_corpus(blank_nlp, [tmp_path / "hand.jsonl"], [], tmp_path / "t" / "a.spacy",
                          None)
    assert counts["train"] == 10 and counts["dev"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand.jsonl", "t"]
    assert len(DocBin().from_disk(tmp_path / "t" / "a.spacy")) == 10


def test_build_corpus_command_without_a_source_is_a_user_error(tmp_path):
    from typer.testing import CliRunner

    from paleo_re.cli import app

    result = CliRunner().invoke(app, ["build-corpus", "--train", str(tmp_path / "t.spacy")])
    assert result.exit_code == 2 and "nothing to build from" in result.output
    assert not (tmp_path / "t.spacy").exists()


def test_build_corpus_command_with_a_fraction_but_no_dev_file_is_a_user_error(tmp_path):
    from typer.testing import CliRunner

    from paleo_re.cli import app

    srsly.write_jsonl(tmp_path / "hand.jsonl", toy_records(4))
    result = CliRunner().invoke(app, ["build-corpus", "--train", str(tmp_path / "t.spacy"),
                                      "--annotated", str(tmp_path / "hand.jsonl"),
                                      "--dev-fraction", "0.2"])
    assert result.exit_code == 2 and "--dev-fraction needs --dev" in unwrapped(result.output)
    assert not (tmp_path / "t.spacy").exists()


@pytest.mark.slow
def test_build_corpus_skips_entities_split_by_the_sentencizer(tmp_path, capsys):
    nlp = spacy.blank("en")
    add_sentencizer(nlp)
    split = {"id": "split", "text": "Fossils from Jbel! Sarhro occur in the Wheeler Formation.",
             "entities": [{"start": 13, "end": 25, "label": "LOC"},
                          {"start": 39, "end": 56, "label": "STRAT"}], "relations": []}
    srsly.write_jsonl(tmp_path / "hand.jsonl", [split, *toy_records(8)])
    counts = build_corpus(nlp, [tmp_path / "hand.jsonl"], [], tmp_path / "train.spacy",
                          tmp_path / "dev.spacy", dev_fraction=0.25)
    assert counts["train"] + counts["dev"] == 8 and counts["skipped"] == 1
    assert "'split' skipped: the sentencizer splits its entity 'Jbel! Sarhro'" in \
        unwrapped(capsys.readouterr().out)


@pytest.mark.slow
def test_evaluate_report_and_comparison(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor")
    train(nlp, make_examples(nlp, toy_records(60)), epochs=4)
    gold = tmp_path / "gold.jsonl"
    srsly.write_jsonl(gold, toy_records(12, seed=5))
    results = evaluate(nlp, gold)
    rel = results["gold_ents"]["relations"]
    assert set(rel["rel_f_per_type"]) == {"occurs_in", "found_at", "assigned_to", "part_of"}
    # no entity recogniser in this pipeline: end to end has no entities, so nothing is found
    assert results["end_to_end"]["relations"]["rel_micro_r"] == 0.0
    write_results(results, tmp_path / "metrics", "Toy")
    report = (tmp_path / "metrics" / "report.md").read_text()
    assert "| occurs_in |" in report and "Confusion matrix" in report
    text = write_comparison([("toy", tmp_path / "metrics" / "metrics.json")],
                            tmp_path / "results.md")
    assert "| toy | gold entities |" in text


def test_rules_pass_leaves_an_encoder_only_ner_reads_off(monkeypatch):
    """The rules-only entity pass turns `ner` off, and with it the encoder `ner` listens to."""
    nlp = spacy.blank("en")
    encoder = nlp.add_pipe("tok2vec")
    nlp.add_pipe("ner", config={"model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner",
        "hidden_width": 8, "maxout_pieces": 2, "use_upper": False,
        "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96}}})
    ruler = nlp.add_pipe("entity_ruler")
    gold = [nlp.make_doc("Olenellus occurs in the Pioche Formation.")]
    nlp.initialize(lambda: [Example.from_dict(gold[0], {"entities": [(0, 9, "TAXON")]})])
    ruler.add_patterns([{"label": "STRAT", "pattern": "Pioche Formation"}])
    assert encoder.listening_components == ["ner"]
    calls = []
    encode = encoder.predict
    monkeypatch.setattr(encoder, "predict", lambda docs: calls.append(len(docs)) or encode(docs))
    (rules,) = predict(nlp, gold, "rules")
    assert [e.text for e in rules.predicted.ents] == ["Pioche Formation"] and calls == []
    predict(nlp, gold, "end_to_end")
    assert calls == [1]


def test_gold_entity_pass_leaves_a_ruler_only_the_cleanup_reads_off(monkeypatch):
    """With the gold entities given the cleanup is off, and with it the ruler whose matches
    only the cleanup reads; a ruler that sets entities itself is an entity component anyway."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "ruler"})
    ruler.add_patterns([{"label": "STRAT", "pattern": "Pioche Formation"}])
    nlp.add_pipe("paleo_entity_cleanup", config={"proposals": "ruler"})
    assert unread_pipes(nlp, []) == [] and unread_pipes(nlp, ["ner"]) == []
    assert unread_pipes(nlp, ["paleo_entity_cleanup"]) == ["span_ruler"]
    calls = []
    match = ruler.__call__
    monkeypatch.setattr(type(ruler), "__call__", lambda self, doc: calls.append(1) or match(doc))
    gold = nlp.make_doc("Olenellus occurs in the Pioche Formation.")
    gold.ents = [gold.char_span(0, 9, "TAXON")]
    (doc,) = run_with_gold_ents(nlp, [gold])
    assert [e.text for e in doc.ents] == ["Olenellus"] and calls == []
    nlp("Olenellus occurs in the Pioche Formation.")
    assert calls == [1]
    ruler.annotate_ents = True
    assert unread_pipes(nlp, ["paleo_entity_cleanup"]) == []


def test_project_commands_exist():
    """Every `python -m paleo_re CMD` in project.yml names a command of the CLI."""
    import typer.main

    from paleo_re.cli import app

    commands = set(typer.main.get_command(app).commands)
    project = srsly.read_yaml(Path(__file__).parent.parent / "project.yml")
    used = {line.split()[3] for cmd in project["commands"] for line in cmd["script"]
            if line.startswith("python -m paleo_re ")}
    assert used and used <= commands, used - commands
    steps = {cmd["name"] for cmd in project["commands"]}
    assert all(set(flow) <= steps for flow in project["workflows"].values())


@pytest.mark.parametrize("name", ["transformer", "tok2vec"])
def test_configs_put_the_ruler_before_the_encoder(name):
    """spaCy runs the components before a span_ruler over each phrase pattern it loads: an
    encoder there makes `spacy.load` run it thousands of times."""
    config = spacy.util.load_config(Path(__file__).parent.parent / "configs" / f"{name}.cfg")
    pipeline = config["nlp"]["pipeline"]
    assert pipeline.index("entity_ruler") < pipeline.index(name)


@pytest.mark.parametrize("name", ["transformer", "tok2vec"])
def test_configs_keep_the_last_step(name):
    """The held-out part is too small to choose a checkpoint on: `spacy train` scores it at
    its first and last step only, whatever `max_steps`: no checkpoint is chosen on it."""
    config = spacy.util.load_config(Path(__file__).parent.parent / "configs" / f"{name}.cfg",
                                    overrides={"training.max_steps": 120}, interpolate=True)
    assert config["training"]["eval_frequency"] == config["training"]["max_steps"] == 120
