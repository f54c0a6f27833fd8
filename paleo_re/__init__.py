"""paleo_re: a spaCy relation extractor for paleontology literature."""

from .component.relations import Relation
from .component.schema import DEFAULT_SCHEMA, NO_RELATION, Schema

__version__ = "0.1.0"

__all__ = ["DEFAULT_SCHEMA", "NO_RELATION", "Relation", "Schema", "__version__"]
