"""Cue words the labeling rules read: negation and contrast, statement breaks, list glue,
verbs and prepositions that state a relation, and the ranks of rock and zone units."""

# Words that turn a statement into a negated, contrasted or comparative one.
VETO_WORDS = frozenset({
    "not", "no", "nor", "never", "neither", "absent", "absence", "lacking", "lacks", "without",
    "unlike", "contrast", "compared", "compare", "comparison", "similar", "similarity",
    "similarities", "resembles", "resemble", "resembling", "resemblance", "differs", "differ",
    "differing", "except", "excluding", "doubtful", "questionable", "possibly", "perhaps",
    "questionably", "supposedly",
})
# Veto words that also negate when they come just before the head (`Unlike X, ...`).
HEAD_VETO_WORDS = frozenset({"unlike", "not", "nor", "without", "contrast", "compared",
                             "excluding"})
# Words that close one statement and open another.
BREAK_WORDS = frozenset({";", "whereas", "but", "although", "though", "while", "however"})
# Outside brackets these start a caption, a heading or a list label (`FIGURE 5—`, `Type:`).
CAPTION_BREAKS = frozenset({":", "figure", "fig", "figs", "table", "plate", "pl"})
# Verbs and relativisers that start a new clause: a preposition does not reach past them.
CLAUSE_WORDS = frozenset({
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "which", "that",
    "where", "who", "shows", "show", "showing", "indicates", "indicate", "indicating",
    "suggests", "suggest", "provides", "provide", "belongs", "belong", "correspond",
    "corresponds", "represents", "represent", "appears", "appear", "seems", "seem", "includes",
    "include", "overlies", "overlie", "overlying", "underlies", "underlie", "underlying",
    "overlain", "underlain", "above", "below", "beneath", "succeeded", "preceded", "replaced",
    "equivalent", "correlated", "correlates", "correlate", "coeval", "thus", "hence",
    "confirm", "confirms", "supports", "support", "defines", "define", "may", "can",
    "held", "housed", "deposited", "stored", "kept", "repository", "museum", "university",
    "institute", "survey", "published", "publishing", "press",
})
# Words that make a place the home of a collection or a distance reference, not a find spot.
NOT_FIND_SPOT = frozenset({
    "held", "housed", "deposited", "stored", "kept", "repository", "museum", "university",
    "institute", "survey", "km", "mi", "miles", "kilometres", "kilometers",
})
# Abbreviations a catalogue entry's citation may hold between a taxon and its units.
CITATION_WORDS = frozenset({
    "fig", "figs", "pl", "pls", "p", "pp", "e", "g", "i", "al", "sp", "spp", "cf", "aff", "gen",
    "nov", "n", "ca", "approx", "vol", "v", "no", "ed", "eds", "fm", "mt", "st", "loc", "coll",
})
# Tokens allowed between two taxa of one coordinated list (`A, B and C`, `A (Author, 1900)`).
LIST_GLUE = frozenset({
    ",", "and", "or", "&", "(", ")", "[", "]", "?", "/", "-", "–", ".", "et", "al", "sp", "spp",
    "nov", "gen", "n", "cf", "aff", "type", "species", "genus", "genera", "including", "new",
    "the", "its", "both", "also", "as", "well", "in", "associated", "other", "related",
})
# Quantifiers and adjectives allowed between `contains` and the taxa it introduces.
YIELD_FILLERS = frozenset({
    "scarce", "rare", "abundant", "common", "numerous", "many", "several", "few", "some", "the",
    "a", "an", "diverse", "well-preserved", "fragmentary", "poorly", "well", "preserved",
    "rich", "sparse", "occasional", "fossils", "of", "fauna", "faunas", "excellently",
    "exceptionally", "genera", "species", "genus", "taxa", "index", "fossil",
})
YIELD_VERBS = frozenset({"yields", "yielded", "yielding", "yield", "contains", "contained",
                         "containing", "contain", "includes", "included", "including", "include"})
OCCUR_VERBS = frozenset({"found", "occurs", "occur", "occurred", "known", "recorded", "ranges",
                         "range", "present", "common", "described", "reported", "collected"})
# `X to Y` after these words is a restriction (`restricted to the Y Zone`).
RESTRICT_WORDS = frozenset({"restricted", "confined", "limited", "endemic"})
# `X fauna of the Y Formation`.
FAUNA_WORDS = frozenset({"fauna", "faunas", "assemblage", "assemblages", "biota", "faunule"})

# Rank of a unit within its hierarchy, read from the unit's head word. A unit is part_of another
# only within one hierarchy: a zone inside a formation is not a rock subdivision.
LITHO_RANK = {"bed": 1, "beds": 1, "member": 2, "members": 2, "mbr": 2, "formation": 3,
              "formations": 3, "fm": 3, "group": 4, "supergroup": 5}
BIO_RANK = {"subzone": 1, "subzones": 1, "zone": 2, "zones": 2, "biozone": 2, "biozones": 2,
            "superzone": 3}
# Lithology words name a formation-level unit unless a rank word follows them.
LITHOLOGY = frozenset({"shale", "limestone", "sandstone", "dolomite", "quartzite",
                       "conglomerate", "greywacke", "dolostone", "siltstone", "mudstone"})

PRE_CAP = 15   # plain words allowed between the head and the preposition
POST_CAP = 12  # plain words allowed between the preposition and the tail
