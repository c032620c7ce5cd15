"""The order of results: by score with a words-together bonus at the top, or by date.

Scores are BM25F (``evaluate``). The bonus for the query's words standing together is
computed for the best RESCORE_WINDOW documents only: it reorders the top of the list, where
positions are worth reading, and the window is the same for every page so that pages
continue each other.
"""

from __future__ import annotations

import numpy as np

from search_app.engine.arrays import IndexArrays
from search_app.engine.evaluate import evaluate
from search_app.engine.query import ParsedQuery, phrase_bonus_query

RESCORE_WINDOW = 200


def rank_by_score(
    arrays: IndexArrays, parsed: ParsedQuery, scores: np.ndarray, matched: np.ndarray, needed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Documents by score, best first (ties by index order), through the ``needed`` first."""
    docs = np.flatnonzero(matched)
    found = scores[docs]
    bonus = phrase_bonus_query(parsed)
    window = RESCORE_WINDOW
    if len(docs) > window:
        best = np.argpartition(-found, window - 1)[:window]
        top = docs[best]
        bonus_scope = np.zeros(arrays.size, dtype=bool)
        bonus_scope[top] = True
    else:
        top, bonus_scope = docs, matched
    top_scores = scores[top].copy()
    if bonus is not None:
        extra = evaluate(bonus, arrays, bonus_scope)
        top_scores += np.where(extra.mask[top], extra.scores[top], 0)
    order = np.lexsort((top, -top_scores))
    if len(docs) <= window:
        return top[order], top_scores[order]
    # the rest, past the window, only matter for deep pages
    rest_mask = np.ones(len(docs), dtype=bool)
    rest_mask[best] = False
    rest = docs[rest_mask]
    rest_scores = scores[rest]
    rest_order = np.lexsort((rest, -rest_scores)) if needed > window else np.empty(0, dtype=np.int64)
    return (
        np.concatenate([top[order], rest[rest_order]]),
        np.concatenate([top_scores[order], rest_scores[rest_order]]),
    )


def rank_by_added(arrays: IndexArrays, matched: np.ndarray) -> np.ndarray:
    """Most recently taken into the index first (ties by index order)."""
    docs = np.flatnonzero(matched)
    return docs[np.lexsort((docs, ~arrays.dates("added")[docs]))]


def rank_by_date(arrays: IndexArrays, matched: np.ndarray, newest: bool) -> np.ndarray:
    """Dated documents first, then by date (ties by index order)."""
    docs = np.flatnonzero(matched)
    dated_codes, labels = arrays.column("dated")
    undated = dated_codes[docs] != (labels.index("1") if "1" in labels else -1)
    keys = arrays.dates()[docs]
    order = np.lexsort((docs, ~keys if newest else keys, undated))
    return docs[order]
