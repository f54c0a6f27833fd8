"""`spacy package` builds a wheel that loads in a fresh process, finding the component through
entry points (the test process never imports paleo_re in the child)."""

import subprocess
import sys
import zipfile

import spacy
from util import make_examples, toy_records

CHILD = """
import spacy
from spacy.tokens import Span
nlp = spacy.load("en_paleo_test")
doc = nlp.make_doc("Olenellus occurs in the Pioche Formation.")
doc.ents = [Span(doc, 0, 1, "TAXON"), Span(doc, 4, 6, "STRAT")]
doc = nlp(doc)
print([(r.head.text, r.label, r.tail.text, round(r.score, 3)) for r in doc._.relations])
print(nlp.pipe_names)
"""


def test_package_builds_and_loads(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("relation_extractor", config={"threshold": 0.0})
    examples = make_examples(nlp, toy_records(12))
    nlp.initialize(lambda: examples)
    nlp.meta["name"] = "paleo_test"
    nlp.to_disk(tmp_path / "model")
    (tmp_path / "pkg").mkdir()
    subprocess.run([sys.executable, "-m", "spacy", "package", str(tmp_path / "model"),
                    str(tmp_path / "pkg"), "--build", "wheel", "--force"],
                   check=True, capture_output=True)
    (wheel,) = (tmp_path / "pkg").glob("*/dist/*.whl")
    with zipfile.ZipFile(wheel) as zf:
        metadata = next(n for n in zf.namelist() if n.endswith("METADATA"))
        requires = [line for line in zf.read(metadata).decode().splitlines()
                    if line.startswith("Requires-Dist")]
    assert any("paleo_re" in line or "paleo-re" in line for line in requires), requires
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", CHILD], check=True, capture_output=True,
                         text=True, env={"PYTHONPATH": str(site), "PATH": ""}).stdout
    relations, pipe_names = out.strip().splitlines()
    assert "('Olenellus'" in relations and "'Pioche Formation'" in relations
    assert "relation_extractor" in pipe_names
