"""From papers to knowledge: extraction to triples, review export, the knowledge graph, fossil
occurrences with ages, visualisation and the Dask backend."""
