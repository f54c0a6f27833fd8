"""Names of time intervals as papers write them, resolved to ages in Ma.

Papers name the same interval many ways ("Stage 5", "Cambrian Stage 5", "Wuliuan Stage"),
use regional stages ("Delamaran", "Botomian") and informal qualifiers ("late Idamean",
"upper Middle Cambrian"), so an interval's numeric age takes more than a lookup. The table
(`data/timescale.tsv`, with its sources and version in its header) holds the International
Chronostratigraphic Chart's Ediacaran, Cambrian and Ordovician, the traditional Lower/Middle/
Upper Cambrian and regional stages with their correlation to the global scale.

`TimeScale.resolve` tries, in order: the name in the table (aliases included, any case); the
name without a trailing "Stage"/"Series"/... word; a range ("Lower-Middle Cambrian", "Wuliuan
to Drumian", "Middle and Upper Cambrian"), its two ends resolved alone, a bare qualifier taking
the other end's interval ("Early" of "Early-Middle Cambrian"); a qualifier (early/middle/late,
lower/upper, mid) before a resolved interval, which takes that third of it. A table entry wins
over a qualifier: "Middle Cambrian" is the traditional series, not the middle third of the
Cambrian. A name it does not know resolves to None: no age is ever guessed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from .graph import display_name

# A trailing word naming the rank, dropped before a second lookup ("Drumian Stage")
_RANK_WORDS = re.compile(r"\s+(?:regional\s+)?(?:stages?|series|system|subsystem|epoch|age"
                         r"|horizon|yarus)$")
_RANGE = re.compile(r"\s*(?:–|—|-|/)\s*|\s+(?:to|and)\s+")
# lower/upper describe rocks and early/late time, the same thirds here
QUALIFIERS = {"early": "early", "lower": "early", "middle": "middle", "mid": "middle",
              "late": "late", "upper": "late"}
_QUALIFIER = re.compile(r"^(early|lower|middle|mid|late|upper)(?:\s+|-)(.+)$")


@dataclass(frozen=True)
class Interval:
    """One row of the table."""
    name: str
    scheme: str
    rank: str
    max_ma: float
    min_ma: float
    source: str


@dataclass(frozen=True)
class Age:
    """A resolved name: its normalised name, PBDB-style early/late interval and ages in Ma."""
    interval: str
    early_interval: str
    late_interval: str  # "" unless the name is a range
    max_ma: float
    min_ma: float

    def overlaps(self, other: Age) -> bool:
        """Whether the two share more than a boundary."""
        return min(self.max_ma, other.max_ma) > max(self.min_ma, other.min_ma)


def _key(name: str) -> str:
    return display_name(name).casefold()


class TimeScale:
    """The interval table and name resolution against it."""

    def __init__(self, text: str) -> None:
        lines = text.splitlines()
        self.metadata: dict[str, str] = {}
        for line in lines:
            if line.startswith("#") and ":" in line:
                key, value = line[1:].split(":", 1)
                self.metadata[key.strip()] = value.strip()
        self.intervals: dict[str, Interval] = {}
        self._names: dict[str, str] = {}
        for row in csv.DictReader((line for line in lines if not line.startswith("#")),
                                  delimiter="\t"):
            interval = Interval(row["name"], row["scheme"], row["rank"], float(row["max_ma"]),
                                float(row["min_ma"]), row["source"])
            self.intervals[interval.name] = interval
            for name in [interval.name, *row["aliases"].split(";")]:
                if name.strip():
                    self._names[_key(name)] = interval.name

    @property
    def version(self) -> str:
        return f"{self.metadata.get('chart', '')}, table version {self.metadata['version']}"

    def resolve(self, name: str) -> Age | None:
        """The age of an interval name, or None for a name the table does not know."""
        return self._resolve(_key(name), depth=0)

    def _resolve(self, key: str, depth: int) -> Age | None:
        if key in self._names:
            found = self.intervals[self._names[key]]
            return Age(found.name, found.name, "", found.max_ma, found.min_ma)
        if depth > 3 or not key:
            return None
        stripped = _RANK_WORDS.sub("", key)
        if stripped != key:
            return self._resolve(stripped, depth + 1)
        ends = _RANGE.split(key, maxsplit=1)
        if len(ends) == 2 and (age := self._range(*ends, depth=depth)):
            return age
        match = _QUALIFIER.match(key)
        if match:
            whole = self._resolve(match.group(2), depth + 1)
            if whole and not whole.late_interval:
                return third(whole, QUALIFIERS[match.group(1)])
        return None

    def _range(self, older: str, younger: str, depth: int) -> Age | None:
        if older in QUALIFIERS:
            first_word, _, rest = younger.partition(" ")
            if first_word not in QUALIFIERS or not rest:  # "mid-Drumian": not a range
                return self._resolve(f"{older} {younger}", depth + 1)
            older = f"{older} {rest}"  # "Early-Middle Cambrian": "Early" is of "Cambrian"
        first, last = self._resolve(older, depth + 1), self._resolve(younger, depth + 1)
        if first is None or last is None:
            return None
        if first.max_ma < last.max_ma:
            first, last = last, first
        return Age(f"{first.interval}–{last.interval}", first.interval, last.interval,
                   max(first.max_ma, last.max_ma), min(first.min_ma, last.min_ma))


def third(age: Age, qualifier: str) -> Age:
    """The early, middle or late third of an interval: informal qualifiers have no defined
    boundaries, so the interval is split in three equal parts."""
    step = (age.max_ma - age.min_ma) / 3
    index = ("early", "middle", "late").index(qualifier)
    name = f"{qualifier} {age.interval}"
    return Age(name, name, "", round(age.max_ma - index * step, 2),
               round(age.max_ma - (index + 1) * step, 2))


@lru_cache(maxsize=1)
def default_timescale() -> TimeScale:
    """The table shipped in the package."""
    return TimeScale((files("paleo_re") / "data" / "timescale.tsv").read_text(encoding="utf8"))


def resolve(name: str) -> Age | None:
    """`default_timescale().resolve(name)`."""
    return default_timescale().resolve(name)
