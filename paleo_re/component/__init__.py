"""What `spacy.load` needs for relations: the `relation_extractor` component and the pieces
it is made of (candidates, votes, model, decision rule, targets, scorer, schema, `Relation`)."""
