""" "Có phải bạn muốn tìm …": a better query when a word is in no document as typed."""

from __future__ import annotations

import numpy as np
from whoosh.searching import Searcher

from indexer.text.normalise import fold_accents
from search_app.engine.arrays import IndexArrays
from search_app.engine.evaluate import evaluate
from search_app.engine.query import ParsedQuery, QueryError, abbreviation_keys, build_query, parse


def suggest(searcher: Searcher, arrays: IndexArrays, parsed: ParsedQuery, total: int, relaxed: bool) -> str | None:
    """The query with unknown words corrected, if it finds more than the query as typed."""
    reader = searcher.reader()
    words = parsed.text.split()
    changed = False
    for n, word in enumerate(words):
        lowered = word.lower()
        if not lowered.isalpha() or len(lowered) < 2:
            continue
        fieldname = "body_exact" if fold_accents(lowered) != lowered else "body_folded"
        if reader.doc_frequency(fieldname, lowered) > 0 or lowered in abbreviation_keys():
            continue
        corrections = searcher.corrector(fieldname).suggest(lowered, limit=1, maxdist=2 if len(lowered) > 4 else 1)
        if corrections:
            words[n] = corrections[0]
            changed = True
    if not changed:
        return None
    candidate = " ".join(words)
    try:
        q = build_query(parse(candidate), expand_prefix=arrays.prefix_expander(), bonus=False)
    except QueryError:
        return None
    better = int(np.count_nonzero(evaluate(q, arrays, arrays.live).mask & arrays.live))
    if better and (relaxed or total == 0 or better >= total):
        return candidate
    return None
