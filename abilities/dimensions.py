"""What the offline comparator measures for each ability dimension: the one definition of that mapping.

The studio passes it (through ``nailstudio.services.scoring``) to ``ai.local.nails.compare_designs``, whose
aspects are its own words: colour distance → color_matching, coarse structure → pattern_precision, fine
structure and detail kept → detail_work, layout → composition, design complexity achieved → technique,
difference from the inspirations → creativity. Migration 0002 seeded these six rows once; that is history,
not a source for code. A dimension staff add in the admin has no aspect: remote models score it, the offline
comparator leaves it out.
"""

LOCAL_ASPECTS = {
    "color_matching": "colour",
    "pattern_precision": "pattern",
    "detail_work": "detail",
    "composition": "composition",
    "technique": "complexity",
    "creativity": "creativity",
}
