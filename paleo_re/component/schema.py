"""The relation schema: labels and the (head, tail) entity types each one may join.

This is the one place the default labels are written down. Everything else (the component's
default config, candidate generation, scoring, the weak labelers) reads them from here or from
a `Schema` built out of a user's config, so another domain only has to change the config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from spacy.util import registry

NO_RELATION = "NO_RELATION"

# label -> (head entity label, tail entity label)
DEFAULT_SCHEMA: dict[str, list[str]] = {
    "occurs_in": ["TAXON", "STRAT"],
    "found_at": ["TAXON", "LOC"],
    "assigned_to": ["STRAT", "CHRONO"],
    "part_of": ["STRAT", "STRAT"],
}

@dataclass(frozen=True)
class Schema:
    """Relation labels with their type signatures, in a fixed order.

    Class index 0 is always NO_RELATION; label `i` of `labels` is class `i + 1`.
    """

    signatures: tuple[tuple[str, str, str], ...]  # (label, head type, tail type)

    @classmethod
    def from_dict(cls, schema: Mapping[str, Iterable[str]]) -> Schema:
        signatures = []
        for label, types in schema.items():
            types = list(types)
            if label == NO_RELATION:
                raise ValueError(f"'{NO_RELATION}' is implicit and cannot be a schema label")
            if len(types) != 2 or not all(isinstance(t, str) for t in types):
                raise ValueError(
                    f"Schema label '{label}' needs [head_type, tail_type], got {types!r}"
                )
            signatures.append((label, types[0], types[1]))
        return cls(tuple(signatures))

    def to_dict(self) -> dict[str, list[str]]:
        return {label: [head, tail] for label, head, tail in self.signatures}

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _, _ in self.signatures)

    @property
    def classes(self) -> tuple[str, ...]:
        """NO_RELATION followed by the labels: the model's output columns."""
        return (NO_RELATION, *self.labels)

    @property
    def type_pairs(self) -> tuple[tuple[str, str], ...]:
        """The distinct (head type, tail type) pairs that may hold any relation."""
        seen: dict[tuple[str, str], None] = {}
        for _, head, tail in self.signatures:
            seen[(head, tail)] = None
        return tuple(seen)

    @property
    def entity_types(self) -> tuple[str, ...]:
        """The entity labels that some relation joins, in order of first use."""
        return tuple(dict.fromkeys(t for _, head, tail in self.signatures for t in (head, tail)))

    def allows(self, label: str, head_type: str, tail_type: str) -> bool:
        return (label, head_type, tail_type) in self.signatures

    def with_label(self, label: str, head: str, tail: str) -> Schema:
        if label in self.labels:
            if not self.allows(label, head, tail):
                raise ValueError(f"Label '{label}' already has another signature")
            return self
        return Schema((*self.signatures, (label, head, tail)))


DEFAULT = Schema.from_dict(DEFAULT_SCHEMA)


@registry.misc("paleo_re.default_schema.v1")
def default_schema() -> dict[str, list[str]]:
    """The paleontology schema above, as a config value."""
    return {label: list(types) for label, types in DEFAULT_SCHEMA.items()}


@registry.misc("paleo_re.schema.v1")
def make_schema(labels: dict[str, list[str]]) -> dict[str, list[str]]:
    """A schema of one's own: `labels` maps each label to [head type, tail type].

    A registered function rather than a plain config section so that a user's labels replace
    the default ones instead of being merged into them."""
    return Schema.from_dict(labels).to_dict()
