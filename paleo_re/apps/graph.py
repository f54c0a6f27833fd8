"""Triples from many documents merged into one knowledge graph, exported as GraphML and Turtle.

The same fact is written many ways across papers ("Wheeler Fm.", "wheeler formation",
"Whee-ler Formation"), so entities are merged on a normalised key (`normalise`): Unicode NFKC,
soft and line-break hyphens removed, whitespace collapsed, case folded, a leading "the"
dropped, and stratigraphic abbreviations expanded (`UNIT_ABBREVIATIONS`: Fm -> Formation,
Mbr -> Member, Gp -> Group, ...). A node is (entity type, key); it is shown under its most
frequent surface form, expanded. An edge is (head node, relation label, tail node) and carries
how many triples support it, from how many documents, and their max and mean score.

RDF vocabulary (namespace `VOCAB`, prefix `paleo`; entities live under `ENTITY`):

- classes `paleo:Taxon`, `paleo:StratigraphicUnit`, `paleo:ChronostratigraphicUnit`,
  `paleo:Locality` for the entity types TAXON, STRAT, CHRONO, LOC (`paleo:Entity` otherwise);
  every entity has `rdfs:label` (display name), `paleo:entityType` (the raw type),
  `paleo:mentions` (number of triples naming it) and `paleo:alias` (each surface form);
- one property per relation label, `paleo:occurs_in`, `paleo:found_at`, `paleo:assigned_to`,
  `paleo:part_of` (any other label likewise), linking head entity to tail entity directly, so a
  query reads `?taxon paleo:occurs_in ?unit`;
- the evidence for each such statement is an `rdf:Statement` (standard RDF reification:
  `rdf:subject`, `rdf:predicate`, `rdf:object`) with `paleo:support` (triples),
  `paleo:documentCount`, `paleo:maxScore`, `paleo:meanScore` and `paleo:document` (each
  document id);
- a time unit the time scale knows (`paleo_re.apps.timescale`) is also a W3C OWL-Time
  `time:ProperInterval` with `paleo:interval` (its normalised name): `time:hasBeginning` and
  `time:hasEnd` are `time:Instant`s whose `time:inTimePosition` is a `time:TimePosition` with
  `time:numericPosition` (Ma, an `xsd:decimal`) and `time:hasTRS` the "Ma" reference system
  of the GeoSciML/ISC vocabularies (`MA_TRS`); the ISC2020 chronostratigraphy ontology builds
  its ages on the same OWL-Time terms.

The namespaces are URNs because the vocabulary is not published anywhere; replace them with a
resolvable IRI when it is.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx

from ..entities.lexicon import UNIT_ABBREVIATIONS
from ..io.docs import atomic_path

VOCAB = "urn:paleo-re:vocab#"
ENTITY = "urn:paleo-re:entity:"
MA_TRS = "http://resource.geosciml.org/classifier/cgi/geologicage/ma"

ENTITY_CLASSES: dict[str, str] = {
    "TAXON": "Taxon", "STRAT": "StratigraphicUnit", "CHRONO": "ChronostratigraphicUnit",
    "LOC": "Locality",
}

_HYPHEN_BREAK = re.compile(r"(\w)[-\u2010]\s+(\w)")
_ABBREV = re.compile(r"\b(" + "|".join(sorted(UNIT_ABBREVIATIONS, key=len, reverse=True))
                     + r")\b\.?", re.IGNORECASE)


# Control characters (PDF debris, terminal escapes) are invalid in XML and unsafe on a terminal
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def display_name(name: str) -> str:
    """The surface form cleaned and with abbreviations expanded, case kept."""
    name = _CONTROL.sub("", unicodedata.normalize("NFKC", name)).replace("\u00ad", "")
    name = _HYPHEN_BREAK.sub(r"\1\2", name)  # "Whee- ler" left by a line break
    name = re.sub(r"\s+", " ", name).strip(" .,;:")
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    # Only expand abbreviations after a first word: "Co" alone may be a name, "Mt Stephen" not
    return _ABBREV.sub(lambda m: UNIT_ABBREVIATIONS[m.group(1).lower()]
                       if m.start() > 0 or len(name.split()) > 1 else m.group(0), name)


def normalise(name: str) -> str:
    """The merge key of an entity name: `display_name`, case folded."""
    return display_name(name).casefold()


@dataclass
class _Edge:
    scores: list[float] = field(default_factory=list)
    documents: Counter[str] = field(default_factory=Counter)
    evidence: set[str] = field(default_factory=set)


def _json_list(values: Iterable[str]) -> str:
    return json.dumps(sorted(values), ensure_ascii=False)


def build_graph(triples: Iterable[dict[str, Any]]) -> nx.MultiDiGraph:
    """Merge triples (as written by `extract`) into a graph.

    Nodes: id "TYPE:key", attributes `name`, `entity_type`, `mentions`, `aliases` (a JSON
    list). Edges: key = relation label, attributes `label`, `support`, `documents` (count),
    `doc_ids` (a JSON list), `evidence` (a JSON list of `doc_id#sentence_start`),
    `max_score`, `mean_score`. A CHRONO node the time scale knows also has `interval` (its
    normalised name), `max_ma` and `min_ma`. Attributes are scalars so GraphML can hold them;
    lists are JSON so that no separator can split a name or an id.
    """
    forms: dict[str, Counter[str]] = {}
    types: dict[str, str] = {}
    edges: dict[tuple[str, str, str], _Edge] = {}
    for row in triples:
        ends = []
        for side in ("head", "tail"):
            ent = row[side]
            node = f"{ent['label']}:{normalise(ent['text'])}"
            forms.setdefault(node, Counter())[display_name(ent["text"])] += 1
            types[node] = ent["label"]
            ends.append(node)
        edge = edges.setdefault((ends[0], row["label"], ends[1]), _Edge())
        edge.scores.append(float(row["score"]))
        doc_id = _CONTROL.sub("", str(row["doc_id"]))
        edge.documents[doc_id] += 1
        start = row.get("sentence_start")
        edge.evidence.add(doc_id if start is None else f"{doc_id}#{_CONTROL.sub('', str(start))}")
    graph = nx.MultiDiGraph()
    for node, counts in forms.items():
        name = counts.most_common(1)[0][0]
        graph.add_node(node, name=name, entity_type=types[node],
                       mentions=sum(counts.values()), aliases=_json_list(counts),
                       **(_ages(name) if types[node] == "CHRONO" else {}))
    for (head, label, tail), edge in edges.items():
        graph.add_edge(head, tail, key=label, label=label, support=len(edge.scores),
                       documents=len(edge.documents), doc_ids=_json_list(edge.documents),
                       evidence=_json_list(edge.evidence),
                       max_score=max(edge.scores),
                       mean_score=sum(edge.scores) / len(edge.scores))
    return graph


def _ages(name: str) -> dict[str, Any]:
    """`interval`, `max_ma` and `min_ma` of a time-unit name the time scale knows."""
    from .timescale import resolve  # imported here: the time scale reads names with this module

    age = resolve(name)
    return {} if age is None else {"interval": age.interval, "max_ma": age.max_ma,
                                   "min_ma": age.min_ma}


def top_facts(graph: nx.MultiDiGraph, n: int = 20) -> list[tuple[str, str, str, int, int,
                                                                 float, float]]:
    """(head, label, tail, support, documents, max score, mean score), most supported first."""
    rows = [(graph.nodes[h]["name"], d["label"], graph.nodes[t]["name"], d["support"],
             d["documents"], d["max_score"], d["mean_score"])
            for h, t, d in graph.edges(data=True)]
    rows.sort(key=lambda r: (-r[3], -r[4], -r[6], r[0], r[1], r[2]))
    return rows[:n]


def to_rdf(graph: nx.MultiDiGraph) -> Any:
    """The graph as an `rdflib.Graph` in the vocabulary of this module's docstring."""
    from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import XSD

    paleo, ent = Namespace(VOCAB), Namespace(ENTITY)
    rdf = Graph()
    rdf.bind("paleo", paleo)
    rdf.bind("ent", ent)

    def uri(node: str) -> URIRef:
        return ent[quote(node.replace(" ", "_"), safe="")]

    for node, data in graph.nodes(data=True):
        subject = uri(node)
        rdf.add((subject, RDF.type, paleo[ENTITY_CLASSES.get(data["entity_type"], "Entity")]))
        rdf.add((subject, RDFS.label, Literal(data["name"])))
        rdf.add((subject, paleo.entityType, Literal(data["entity_type"])))
        rdf.add((subject, paleo.mentions, Literal(data["mentions"], datatype=XSD.integer)))
        for alias in json.loads(data["aliases"]):
            rdf.add((subject, paleo.alias, Literal(alias)))
        if "max_ma" in data:
            _add_interval(rdf, subject, data)
    for head, tail, data in graph.edges(data=True):
        predicate = paleo[quote(data["label"], safe="")]
        rdf.add((uri(head), predicate, uri(tail)))
        statement = ent[quote(f"fact:{head}|{data['label']}|{tail}".replace(" ", "_"), safe="")]
        rdf.add((statement, RDF.type, RDF.Statement))
        rdf.add((statement, RDF.subject, uri(head)))
        rdf.add((statement, RDF.predicate, predicate))
        rdf.add((statement, RDF.object, uri(tail)))
        rdf.add((statement, paleo.support, Literal(data["support"], datatype=XSD.integer)))
        rdf.add((statement, paleo.documentCount,
                 Literal(data["documents"], datatype=XSD.integer)))
        rdf.add((statement, paleo.maxScore, Literal(data["max_score"], datatype=XSD.double)))
        rdf.add((statement, paleo.meanScore, Literal(data["mean_score"], datatype=XSD.double)))
        for doc_id in json.loads(data["doc_ids"]):
            rdf.add((statement, paleo.document, Literal(doc_id)))
    return rdf


def _add_interval(rdf: Any, subject: Any, data: dict[str, Any]) -> None:
    """A time unit's ages as an OWL-Time interval between two positions in Ma."""
    from rdflib import RDF, BNode, Literal, Namespace, URIRef
    from rdflib.namespace import TIME, XSD

    rdf.bind("time", TIME)
    rdf.add((subject, RDF.type, TIME.ProperInterval))
    rdf.add((subject, Namespace(VOCAB).interval, Literal(data["interval"])))
    for side, ma in ((TIME.hasBeginning, data["max_ma"]), (TIME.hasEnd, data["min_ma"])):
        instant, position = BNode(), BNode()
        rdf.add((subject, side, instant))
        rdf.add((instant, RDF.type, TIME.Instant))
        rdf.add((instant, TIME.inTimePosition, position))
        rdf.add((position, RDF.type, TIME.TimePosition))
        rdf.add((position, TIME.hasTRS, URIRef(MA_TRS)))
        rdf.add((position, TIME.numericPosition, Literal(str(ma), datatype=XSD.decimal)))


def write_graph(graph: nx.MultiDiGraph, output: Path) -> tuple[Path, Path]:
    """Write `<output>.graphml` and `<output>.ttl` (a .graphml/.ttl suffix on `output` is
    replaced); return both paths."""
    output = Path(output)
    if output.suffix.lower() in {".graphml", ".ttl"}:
        output = output.with_suffix("")
    output.parent.mkdir(parents=True, exist_ok=True)
    graphml, turtle = output.with_name(output.name + ".graphml"), \
        output.with_name(output.name + ".ttl")
    with atomic_path(graphml) as tmp:
        nx.write_graphml(graph, tmp)
    with atomic_path(turtle) as tmp:
        to_rdf(graph).serialize(destination=tmp, format="turtle")
    return graphml, turtle
