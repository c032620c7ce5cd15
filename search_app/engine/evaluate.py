"""Runs our Whoosh query trees over whole arrays instead of walking matchers.

A node's result is a boolean array (which documents match) and a float array (their
scores), one slot per document of the index. Terms score with BM25F as Whoosh's default
model does (same idf, average length, byte-coded field lengths and boosts), compound nodes
add their children's scores as Whoosh's matchers do, so rankings stay what they were; only
the way there changes. Phrases are checked against positions, and only in documents the
rest of the query already allows (``within``), since positions are the costly part.

Handles exactly the node types ``search_app.engine.query`` builds; anything else is refused loudly
rather than answered wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh.scoring import BM25F

from search_app.engine.arrays import IndexArrays
from search_app.engine.query import MAX_PREFIX_TERMS

_MODEL = BM25F()  # Whoosh's default weighting, whose parameters we score with
DENSE = 0.9  # a ``within`` that lets through this share of the documents is not worth applying
FEW_DOCS = 1024  # a phrase asked about this many documents or fewer looks them up in its words' postings


@dataclass
class Matches:
    mask: np.ndarray  # bool, one per document
    scores: np.ndarray  # float32, zero where mask is not set

    def boosted(self, boost: float) -> Matches:
        if boost != 1.0:
            self.scores *= np.float32(boost)
        return self


def _empty(arrays: IndexArrays) -> Matches:
    return Matches(np.zeros(arrays.size, dtype=bool), np.zeros(arrays.size, dtype=np.float32))


def evaluate(q: Q.Query, arrays: IndexArrays, within: np.ndarray | None = None) -> Matches:
    """The documents ``q`` matches and their scores.

    ``within`` (a boolean array) says which documents the caller will keep; outside it the
    answer may be incomplete, which lets positional checks skip documents nobody wants.
    """
    if within is not None and np.count_nonzero(within) >= DENSE * len(within):
        within = None  # nearly every document: picking them out of each posting list would cost more than it saves
    return _evaluate(q, arrays, within)


def _evaluate(q: Q.Query, arrays: IndexArrays, within: np.ndarray | None) -> Matches:
    if q is Q.NullQuery or isinstance(q, type(Q.NullQuery)):
        return _empty(arrays)
    if isinstance(q, Q.Every):
        return Matches(arrays.live.copy(), arrays.live.astype(np.float32))
    if isinstance(q, Q.Term):
        return _term(arrays, q.fieldname, q.text, q.boost, within)
    if isinstance(q, Q.Phrase):
        return _phrase(arrays, q.fieldname, list(q.words), q.slop, within).boosted(q.boost)
    if isinstance(q, Q.Prefix):
        # as the Or of its expansions (Whoosh drops the boost when there is only one)
        out = _empty(arrays)
        for text in arrays.expand_prefix(q.fieldname, q.text, limit=MAX_PREFIX_TERMS):
            _add_term(out, arrays, q.fieldname, text)
        return out.boosted(q.boost)
    if isinstance(q, Q.ConstantScoreQuery):
        found = _evaluate(q.child, arrays, within)
        found.scores[:] = 0
        found.scores[found.mask] = q.score
        return found
    if isinstance(q, Q.AndNot):
        if _positional(q.a) and not _positional(q.b):
            # the cheap exclusion first: positions are then checked only where they can count
            excluded = _evaluate(q.b, arrays, within)
            scope = ~excluded.mask if within is None else within & ~excluded.mask
            found = _evaluate(q.a, arrays, scope)
        else:
            found = _evaluate(q.a, arrays, within)
            excluded = _evaluate(q.b, arrays, found.mask)
        found.mask &= ~excluded.mask
        found.scores[excluded.mask] = 0
        return found
    if isinstance(q, Q.AndMaybe):
        found = _evaluate(q.a, arrays, within)
        extra = _evaluate(q.b, arrays, found.mask)
        extra.scores[~found.mask] = 0
        found.scores += extra.scores
        return found
    if isinstance(q, Q.And):
        return _and(q, arrays, within).boosted(q.boost)
    if isinstance(q, Q.Or):
        out = _empty(arrays)
        for sub in q.subqueries:
            if isinstance(sub, Q.Term):
                # added in place: no document-sized arrays for a term of its own
                _add_term(out, arrays, sub.fieldname, sub.text, sub.boost, within)
                continue
            found = _evaluate(sub, arrays, within)
            out.mask |= found.mask
            out.scores += found.scores
        return out.boosted(q.boost)
    raise TypeError(f"evaluate: unsupported query node {type(q).__name__}")


def _positional(q: Q.Query) -> bool:
    if isinstance(q, Q.Phrase):
        return True
    return any(_positional(sub) for sub in q.children()) if q.is_leaf() is False else False


def _and(q: Q.And, arrays: IndexArrays, within: np.ndarray | None) -> Matches:
    # the rarest children first, each later one read only where the earlier ones all matched;
    # phrases last, so positions are checked only in documents that match everything else
    subs = sorted(q.subqueries, key=lambda sub: (_positional(sub), at_most(sub, arrays)))
    if not subs:
        return _empty(arrays)
    out: Matches | None = None
    for sub in subs:
        scope = within if out is None else (out.mask if within is None else out.mask & within)
        found = _evaluate(sub, arrays, scope)
        if out is None:
            out = found
        else:
            out.mask &= found.mask
            out.scores += found.scores
        if not out.mask.any():  # nothing left to match the rest
            break
    out.scores[~out.mask] = 0
    return out


def at_most(q: Q.Query, arrays: IndexArrays) -> int:
    """At most how many documents ``q`` matches, from its terms' postings (read once per search)."""
    if isinstance(q, Q.Term):
        return len(arrays.postings(q.fieldname, q.text).ids)
    if isinstance(q, Q.Or):
        return sum(at_most(sub, arrays) for sub in q.subqueries)
    if isinstance(q, Q.And) and q.subqueries:
        return min(at_most(sub, arrays) for sub in q.subqueries)
    if isinstance(q, Q.Phrase):
        return min(len(arrays.postings(q.fieldname, w).ids) for w in q.words) if q.words else 0
    if isinstance(q, (Q.AndNot, Q.AndMaybe)):
        return at_most(q.a, arrays)
    return arrays.size


def _term(arrays: IndexArrays, fieldname: str, text: str, boost: float = 1.0, within=None) -> Matches:
    out = _empty(arrays)
    _add_term(out, arrays, fieldname, text, boost, within)
    return out


# below this many postings a term is added whole: picking those inside ``within`` costs more
WITHIN_FROM = 2048


def _add_term(out: Matches, arrays: IndexArrays, fieldname: str, text: str, boost: float = 1.0, within=None) -> None:
    postings = arrays.postings(fieldname, text)
    ids, weights = postings.ids, postings.weights
    if within is not None and len(ids) >= WITHIN_FROM:
        inside = within[ids]
        ids, weights = ids[inside], weights[inside]
    if not len(ids):
        return
    scores = _scores(arrays, fieldname, text, ids, weights)
    if boost != 1.0:
        scores = scores * np.float32(boost)
    out.mask[ids] = True
    out.scores[ids] += scores


def _scores(arrays: IndexArrays, fieldname: str, text: str, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
    searcher = arrays.searcher
    if not searcher.schema[fieldname].scorable:
        return weights
    # Whoosh's ``bm25`` with its length part read per document, not worked out for every term
    norms = arrays.length_norms(fieldname, _MODEL.B, _MODEL.K1)[ids]
    scores = arrays.idf(fieldname, text) * ((weights * (_MODEL.K1 + 1)) / (weights + norms))
    return scores.astype(np.float32, copy=False)


def _phrase(arrays: IndexArrays, fieldname: str, words: list[str], slop: int, within) -> Matches:
    out = _empty(arrays)
    if within is not None and np.count_nonzero(within) <= FEW_DOCS:
        # a few documents (the bonus's best 200): looked up in each word's postings, not read whole
        docs, weights = _held_by_all(arrays, fieldname, words, np.flatnonzero(within))
    else:
        # reading a word's postings keeps its positions, undecoded: only those of ``docs`` are decoded
        docs, weights = _holding_all(arrays, fieldname, words, within), None
    if len(docs):
        keep = _in_sequence(arrays, fieldname, words, slop, docs)
        docs = docs[keep]
        out.mask[docs] = True
        kept = None if weights is None else {word: w[keep] for word, w in weights.items()}
        out.scores[docs] = _sum_of_scores(arrays, fieldname, words, docs, kept)
    return out


def _held_by_all(arrays: IndexArrays, fieldname: str, words, docs: np.ndarray):
    """Of ``docs`` (ascending), those whose field holds every word, and each word's weights in them."""
    weights: dict[str, np.ndarray] = {}
    for word in dict.fromkeys(words):
        present, word_weights = arrays.held(fieldname, word, docs)
        docs = docs[present]
        weights = {w: v[present] for w, v in weights.items()}
        weights[word] = word_weights[present]
        if not len(docs):
            break
    return docs, weights


def _holding_all(arrays: IndexArrays, fieldname: str, words, within) -> np.ndarray:
    """The documents (ascending) whose field holds every word, inside ``within`` if given."""
    lists = sorted((arrays.postings(fieldname, w).ids for w in dict.fromkeys(words)), key=len)
    docs = lists[0] if within is None else lists[0][within[lists[0]]]
    for ids in lists[1:]:
        docs = docs[_contains(ids, docs)]
        if not len(docs):
            break
    return docs


def _contains(ids: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """For each of ``docs``, whether the sorted ``ids`` hold it."""
    if not len(ids):
        return np.zeros(len(docs), dtype=bool)
    at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
    return ids[at] == docs


def _sum_of_scores(arrays: IndexArrays, fieldname: str, words: list[str], docs: np.ndarray, weights=None) -> np.ndarray:
    """Summed scores of the words in ``docs``, which hold them all; ``weights`` (per word, one per
    document) where they were looked up already, else read from the postings."""
    total = np.zeros(len(docs), dtype=np.float32)
    for word in words:
        if weights is None:
            postings = arrays.postings(fieldname, word)
            total += _scores(arrays, fieldname, word, docs, postings.weights[np.searchsorted(postings.ids, docs)])
        else:
            total += _scores(arrays, fieldname, word, docs, weights[word])
    return total


def _in_sequence(arrays: IndexArrays, fieldname: str, words: list[str], slop: int, docs: np.ndarray) -> np.ndarray:
    """Which of ``docs`` hold the words in order, each within ``slop`` positions of the one before.

    Word by word, positions are decoded only in the documents where the phrase so far still stands.
    """
    if slop <= 1:
        return _side_by_side(arrays, fieldname, words, docs)
    left = docs
    ends = None
    for word in words:
        doc_of, position = arrays.positions(fieldname, word, left)
        # an occurrence as one sortable key: document number in the high bits, position in the low
        later = (doc_of << 32) | position
        if ends is None:
            ends = later
            continue
        # the nearest earlier occurrence of the phrase so far, for every occurrence of this word
        before = np.searchsorted(ends, later, side="left") - 1
        gap = later - ends[np.maximum(before, 0)]
        ends = later[(before >= 0) & (gap > 0) & (gap <= slop)]
        if not len(ends):
            break
        left = _distinct(ends >> 32)
    return _contains(_distinct(ends >> 32), docs)


def _side_by_side(arrays: IndexArrays, fieldname: str, words: list[str], docs: np.ndarray) -> np.ndarray:
    """``_in_sequence`` for words next to each other: each occurrence of a word says where the
    phrase would start, and the phrase stands where every word agrees. Any word can go first, so
    the rarest do: the common ones are decoded only in the documents left after them."""
    starts = None
    left = docs
    for k in sorted(range(len(words)), key=lambda k: arrays.doc_frequency(fieldname, words[k])):
        doc_of, position = arrays.positions(fieldname, words[k], left)
        inside = position >= k  # else the phrase would start before the field does
        these = (doc_of[inside] << 32) | (position[inside] - k)
        starts = these if starts is None else these[_contains(starts, these)]
        if not len(starts):
            break
        left = _distinct(starts >> 32)
    return _contains(_distinct(starts >> 32), docs)


def _distinct(ascending: np.ndarray) -> np.ndarray:
    """The values of an ascending array, each once (``np.unique`` without its sort or hash)."""
    if len(ascending) < 2:
        return ascending
    keep = np.empty(len(ascending), dtype=bool)
    keep[0] = True
    np.not_equal(ascending[1:], ascending[:-1], out=keep[1:])
    return ascending[keep]
