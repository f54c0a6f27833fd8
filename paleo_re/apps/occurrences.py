"""Fossil occurrences with ages: from triples to the table a paleontologist uses.

Users of the Paleobiology Database think in occurrences (a taxon, in a rock unit, at a place,
of an age), not in triples. One row per `occurs_in` fact (TAXON -> STRAT) of the merged graph
(`graph.build_graph`, so names merge exactly as in the graph), joined through the units:

- the unit's rank from its last word (Member; Formation, Shale, Limestone...; Group; Zone) and
  its parents from `part_of`, the best supported of a higher rank at each step: a member's
  formation, a formation's group;
- the unit's intervals from `assigned_to` in any document (the nearest parent's when the unit
  has none), each with its own support, resolved by `timescale`. The best supported resolved
  interval gives `early_interval`, `late_interval`, `max_ma` and `min_ma`; all of them are in
  `intervals`, and `age_conflict` says that two of them do not overlap. A name the time scale
  does not know stays in the row without ages and is counted in `Occurrences.unknown`;
- the taxon's places from `found_at` in the documents the occurrence comes from.

Columns follow the Paleobiology Database occurrence download where it has one
(`accepted_name`, `member`, `formation`, `stratgroup`, `zone`, `early_interval`,
`late_interval`, `max_ma`, `min_ma`, `state`, `county`); the rest is evidence.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from ..entities.lexicon import ROCK_HEADS, ZONE_HEADS
from .extract import defuse, write_table
from .graph import build_graph
from .timescale import Age, resolve

COLUMNS = ("accepted_name", "unit", "member", "formation", "stratgroup", "zone",
           "early_interval", "late_interval", "max_ma", "min_ma", "age_conflict", "intervals",
           "interval_unit", "state", "county", "places", "support", "documents", "best_score",
           "evidence")
LIST_COLUMNS = ("intervals", "places", "evidence")

_MEMBER = {"member", "members"}
_GROUP = {"group", "subgroup", "supergroup"}
_ZONE = {head.casefold() for head in ZONE_HEADS}
_FORMATION = {head.casefold() for head in ROCK_HEADS} - _MEMBER - _GROUP - {
    "bed", "beds", "horizon"}
LEVELS = {"member": 1, "formation": 2, "stratgroup": 3}

# First-order divisions written without a head word, for the `state` column
STATES = frozenset(name.strip() for name in """
Alabama, Alaska, Arizona, Arkansas, California, Colorado, Connecticut, Delaware, Florida,
Georgia, Hawaii, Idaho, Illinois, Indiana, Iowa, Kansas, Kentucky, Louisiana, Maine, Maryland,
Massachusetts, Michigan, Minnesota, Mississippi, Missouri, Montana, Nebraska, Nevada,
New Hampshire, New Jersey, New Mexico, New York, North Carolina, North Dakota, Ohio, Oklahoma,
Oregon, Pennsylvania, Rhode Island, South Carolina, South Dakota, Tennessee, Texas, Utah,
Vermont, Virginia, Washington, West Virginia, Wisconsin, Wyoming,
Alberta, British Columbia, Manitoba, New Brunswick, Newfoundland, Labrador, Nova Scotia,
Ontario, Quebec, Saskatchewan, Yukon, Nunavut, Northwest Territories,
New South Wales, Queensland, South Australia, Tasmania, Victoria, Western Australia,
Northern Territory,
Anhui, Fujian, Gansu, Guangdong, Guangxi, Guizhou, Hainan, Hebei, Heilongjiang, Henan, Hubei,
Hunan, Jiangsu, Jiangxi, Jilin, Liaoning, Ningxia, Qinghai, Shaanxi, Shandong, Shanxi, Sichuan,
Tibet, Xinjiang, Xizang, Yunnan, Zhejiang, Inner Mongolia
""".split(","))


def unit_rank(name: str) -> str | None:
    """The occurrence column a unit's name belongs in (`member`, `formation`, `stratgroup`,
    `zone`), from its last word; None for beds and names without a rank word."""
    last = name.split()[-1].casefold() if name.split() else ""
    for rank, words in (("member", _MEMBER), ("stratgroup", _GROUP), ("zone", _ZONE),
                        ("formation", _FORMATION)):
        if last in words:
            return rank
    return None


def _strength(data: dict[str, Any]) -> tuple[int, int, float]:
    return data["support"], data["documents"], data["max_score"]


def _targets(graph: nx.MultiDiGraph, node: str, label: str, entity_type: str
             ) -> list[tuple[str, dict[str, Any]]]:
    """(node, edge data) of the `label` edges out of `node` to `entity_type`, strongest first."""
    found = [(tail, data) for _, tail, key, data in graph.out_edges(node, keys=True, data=True)
             if key == label and graph.nodes[tail]["entity_type"] == entity_type]
    return sorted(found, key=lambda item: _strength(item[1]), reverse=True)


def lineage(graph: nx.MultiDiGraph, unit: str) -> list[str]:
    """The unit and its parents by `part_of`: at each step the best supported parent of a
    higher rank (any parent of a unit without one), so a wrong or circular edge cannot make a
    formation part of its own member."""
    chain = [unit]
    while len(chain) < 5:
        level = LEVELS.get(unit_rank(graph.nodes[chain[-1]]["name"]) or "")
        parent = next((node for node, _ in _targets(graph, chain[-1], "part_of", "STRAT")
                       if node not in chain and (level is None or LEVELS.get(
                           unit_rank(graph.nodes[node]["name"]) or "", 0) > level)), None)
        if parent is None:
            break
        chain.append(parent)
    return chain


@dataclass
class _Interval:
    """The evidence for one interval of a unit: the CHRONO nodes that resolve to it."""
    age: Age | None
    names: set[str] = field(default_factory=set)
    support: int = 0
    documents: set[str] = field(default_factory=set)
    best_score: float = 0.0

    def record(self) -> dict[str, Any]:
        age = self.age
        return {"interval": age.interval if age else None, "names": sorted(self.names),
                "max_ma": age.max_ma if age else None, "min_ma": age.min_ma if age else None,
                "support": self.support, "documents": len(self.documents),
                "best_score": round(self.best_score, 4)}

    def strength(self) -> tuple[int, int, float]:
        return self.support, len(self.documents), self.best_score


def unit_intervals(graph: nx.MultiDiGraph, unit: str) -> list[_Interval]:
    """The unit's `assigned_to` intervals, merged by resolved interval ("Stage 5" and
    "Wuliuan" are one), strongest first."""
    merged: dict[str, _Interval] = {}
    for chrono, data in _targets(graph, unit, "assigned_to", "CHRONO"):
        name = graph.nodes[chrono]["name"]
        age = resolve(name)
        entry = merged.setdefault(age.interval if age else f"?{chrono}", _Interval(age))
        entry.names.add(name)
        entry.support += data["support"]
        entry.documents.update(json.loads(data["doc_ids"]))
        entry.best_score = max(entry.best_score, data["max_score"])
    return sorted(merged.values(), key=_Interval.strength, reverse=True)


def conflicting(intervals: Iterable[_Interval]) -> bool:
    """Whether two resolved intervals share no more than a boundary."""
    ages = [entry.age for entry in intervals if entry.age]
    return any(not a.overlaps(b) for i, a in enumerate(ages) for b in ages[i + 1:])


@dataclass
class Occurrences:
    """The rows, and the interval names the time scale did not know (name -> rows)."""
    rows: list[dict[str, Any]]
    unknown: Counter[str] = field(default_factory=Counter)

    @property
    def dated(self) -> int:
        return sum(row["max_ma"] is not None for row in self.rows)

    @property
    def conflicts(self) -> int:
        return sum(bool(row["age_conflict"]) for row in self.rows)

    def summary(self) -> str:
        unknown = ", ".join(f"{name!r} ({n})" for name, n in self.unknown.most_common())
        return (f"{len(self.rows)} occurrences, {self.dated} with ages, {self.conflicts} with "
                f"intervals that do not overlap; {len(self.unknown)} interval names not in the "
                f"time scale" + (f": {unknown}" if unknown else ""))


def occurrence(graph: nx.MultiDiGraph, taxon: str, unit: str, data: dict[str, Any],
               unknown: Counter[str]) -> dict[str, Any]:
    """The row of one `occurs_in` edge; counts its unknown interval names in `unknown`."""
    names = {node: graph.nodes[node]["name"] for node in lineage(graph, unit)}
    row: dict[str, Any] = {column: None for column in COLUMNS}
    row.update(accepted_name=graph.nodes[taxon]["name"], unit=names[unit])
    for name in names.values():
        rank = unit_rank(name)
        if rank and row[rank] is None:
            row[rank] = name
    source, intervals = next(((node, found) for node in names
                              if (found := unit_intervals(graph, node))), (None, []))
    if intervals:
        # the best supported interval with ages; a name without them only when none has any
        best = next((entry for entry in intervals if entry.age), intervals[0])
        row.update(interval_unit=names[source], early_interval=min(best.names))
        if best.age:
            row.update(early_interval=best.age.early_interval,
                       late_interval=best.age.late_interval or None,
                       max_ma=best.age.max_ma, min_ma=best.age.min_ma)
    for entry in intervals:
        if entry.age is None:
            unknown.update(entry.names)
    documents = set(json.loads(data["doc_ids"]))
    places = [graph.nodes[node]["name"] for node, found in _targets(graph, taxon, "found_at",
                                                                      "LOC")
              if documents & set(json.loads(found["doc_ids"]))]
    row.update(age_conflict=conflicting(intervals),
               intervals=[entry.record() for entry in intervals], places=places,
               state=next((p for p in places if p in STATES), None),
               county=next((p for p in places if p.casefold().endswith(" county")), None),
               support=data["support"], documents=data["documents"],
               best_score=round(data["max_score"], 4), evidence=json.loads(data["evidence"]))
    return row


def from_graph(graph: nx.MultiDiGraph) -> Occurrences:
    """One row per TAXON -> STRAT `occurs_in` edge of a graph from `build_graph`."""
    result = Occurrences([])
    for taxon, unit, key, data in graph.edges(keys=True, data=True):
        if key == "occurs_in" and graph.nodes[taxon]["entity_type"] == "TAXON" \
                and graph.nodes[unit]["entity_type"] == "STRAT":
            result.rows.append(occurrence(graph, taxon, unit, data, result.unknown))
    result.rows.sort(key=lambda row: (row["accepted_name"].casefold(), row["unit"].casefold()))
    return result


def occurrences(triples: Iterable[dict[str, Any]]) -> Occurrences:
    """Occurrence rows from triples as `extract` writes them (or `read_triples` reads them)."""
    return from_graph(build_graph(triples))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return defuse(value) if isinstance(value, str) else value


def write_occurrences(rows: list[dict[str, Any]], path: Path, fmt: str | None = None) -> None:
    """Write CSV (a text cell that a spreadsheet would read as a formula behind a `'`, lists
    as JSON) or JSON lines, by suffix unless `fmt` says; atomically."""
    write_table(rows, path, fmt, COLUMNS,
                lambda row: {column: _cell(row[column]) for column in COLUMNS})
