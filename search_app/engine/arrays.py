"""An index version as numpy arrays: postings, field lengths, facet columns, live documents.

Whoosh walks its matchers one document at a time in Python, which is what made a broad query
cost hundreds of milliseconds. Here a term's postings are read once, block by block (see
``indexer.whoosh_w3``), into arrays of document numbers and weights, and kept in a bounded
cache; queries, filters and facet counts then work on whole arrays (see ``evaluate``).

Segments never change once written, so their columns, lengths and postings are cached per
segment and shared by every searcher (and thread) of an ``ArrayStore``; only the set of
deleted documents changes between commits, and it is read per index version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.searching import Searcher

from indexer import whoosh_w3
from search_app.engine.lru import LRUCache
from search_app.engine.query import MAX_PREFIX_TERMS

DEFAULT_CACHE_MB = 96
VERSIONS_KEPT = 4  # index versions whose per-document arrays stay shared


@dataclass(frozen=True)
class Postings:
    """One term in one field: ascending document numbers and their weights."""

    ids: np.ndarray  # int64, index-wide document numbers
    weights: np.ndarray  # float32

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.weights.nbytes


@dataclass(frozen=True)
class TermPositions:
    """One term in one segment: the positions of document ``ids[i]`` are ``flat[starts[i]:starts[i + 1]]``."""

    ids: np.ndarray  # int64, index-wide document numbers
    starts: np.ndarray  # int64, len(ids) + 1
    flat: np.ndarray  # int32

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.starts.nbytes + self.flat.nbytes


def _positions(ids: np.ndarray, values: list) -> TermPositions:
    counts, flat = whoosh_w3.decode_positions(values)
    starts = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return TermPositions(ids, starts, flat)


class _Shared:
    """What every searcher of one index version can share: per-document arrays."""

    def __init__(self, version: tuple, size: int, live: np.ndarray):
        self.version = version
        self.size = size
        self.live = live
        self.columns: dict[str, tuple[np.ndarray, list[str]]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.dates: dict[str, np.ndarray] = {}
        self.shown: np.ndarray | None = None


class IndexArrays:
    """The arrays of one index version, read through the calling thread's searcher.

    Whoosh file objects carry a read position, so a searcher must not be shared between
    threads; the arrays are, through ``_Shared`` and the segment caches.
    """

    def __init__(self, searcher: Searcher, leaves: list, shared: _Shared, store: ArrayStore):
        self.searcher = searcher
        self.leaves = leaves
        self.size = shared.size
        self.version = shared.version
        self.live = shared.live
        self._shared = shared
        self._cached = store.cached
        self._fast = store.fast

    # --- postings -------------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> Postings:
        parts = [self._leaf_postings(leaf, offset, fieldname, text) for leaf, offset in self.leaves]
        if len(parts) == 1:
            return parts[0]
        return Postings(np.concatenate([p.ids for p in parts]), np.concatenate([p.weights for p in parts]))

    def _leaf_postings(self, leaf, offset: int, fieldname: str, text: str) -> Postings:
        def read():
            ids, weights, _values = whoosh_w3.read_postings(leaf, fieldname, text, fast=self._fast)
            found = Postings(ids + offset, weights)
            return found, found.nbytes + 64

        # the offset is part of the key: a segment's place in the index can change on merges
        return self._cached(("p", whoosh_w3.segment_key(leaf), offset, fieldname, text), read)

    def positions(self, fieldname: str, text: str, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where a term stands in each of ``docs`` (ascending, each containing the term).

        Two flat arrays, one slot per occurrence: the document number and the position, in
        document then position order.
        """
        doc_parts, pos_parts = [], []
        for leaf, offset in self.leaves:
            end = offset + leaf.doc_count_all()
            mine = docs[(docs >= offset) & (docs < end)]
            if not len(mine):
                continue
            found = self._leaf_positions(leaf, offset, fieldname, text)
            rows = np.searchsorted(found.ids, mine)
            begins, ends = found.starts[rows], found.starts[rows + 1]
            counts = ends - begins
            # the concatenated ranges begins[i]:ends[i], without a Python loop
            index = np.arange(counts.sum()) + np.repeat(begins - np.cumsum(counts) + counts, counts)
            doc_parts.append(np.repeat(mine, counts))
            pos_parts.append(found.flat[index])
        if not doc_parts:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(doc_parts), np.concatenate(pos_parts).astype(np.int64)

    def read_positions(self, fieldname: str, text: str) -> None:
        """Read a term's positions, and with them its postings, unless already cached."""
        for leaf, offset in self.leaves:
            self._leaf_positions(leaf, offset, fieldname, text)

    def _leaf_positions(self, leaf, offset, fieldname, text) -> TermPositions:
        def read():
            ids, weights, values = whoosh_w3.read_postings(leaf, fieldname, text, True, self._fast)
            ids += offset
            postings = Postings(ids, weights)
            self._cached(
                ("p", whoosh_w3.segment_key(leaf), offset, fieldname, text), lambda: (postings, postings.nbytes + 64)
            )
            found = _positions(ids, values)
            return found, found.nbytes + 64

        return self._cached(("v", whoosh_w3.segment_key(leaf), offset, fieldname, text), read)

    def prefix_expander(self):
        """``expand_prefix`` with the query module's cap, as ``build_query`` takes it."""
        return lambda fieldname, prefix: self.expand_prefix(fieldname, prefix, MAX_PREFIX_TERMS)

    def expand_prefix(self, fieldname: str, prefix: str, limit: int) -> list[str]:
        terms = []
        for term in self.searcher.reader().expand_prefix(fieldname, prefix):
            terms.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(terms) >= limit:
                break
        return terms

    # --- per-document values ------------------------------------------------------------

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in a field, as Whoosh's scorer sees it (one byte, decoded)."""
        found = self._shared.lengths.get(fieldname)
        if found is None:
            parts = [self._leaf_lengths(leaf, fieldname) for leaf, _ in self.leaves]
            found = np.concatenate(parts) if parts else np.empty(0, np.float32)
            self._shared.lengths[fieldname] = found
        return found

    def _leaf_lengths(self, leaf, fieldname):
        def read():
            values = whoosh_w3.field_lengths(leaf, fieldname, self._fast)
            return values, values.nbytes

        return self._cached(("l", whoosh_w3.segment_key(leaf), fieldname), read)

    def column(self, fieldname: str) -> tuple[np.ndarray, list[str]]:
        """A facet column as (code of each document, value of each code); "" where unset."""
        found = self._shared.columns.get(fieldname)
        if found is None:
            codes_of: dict[str, int] = {}
            parts = []
            for leaf, _offset in self.leaves:
                leaf_codes, leaf_labels = self._leaf_column(leaf, fieldname)
                remap = np.array([codes_of.setdefault(v, len(codes_of)) for v in leaf_labels], dtype=np.int32)
                parts.append(remap[leaf_codes] if len(remap) else leaf_codes)
            found = (np.concatenate(parts) if parts else np.empty(0, np.int32), list(codes_of))
            self._shared.columns[fieldname] = found
        return found

    def _leaf_column(self, leaf, fieldname):
        """Codes from the field's terms and their postings: one pass per distinct value."""

        def read():
            array = np.zeros(leaf.doc_count_all(), dtype=np.int32)
            labels = [""]
            for term in leaf.lexicon(fieldname):
                ids, _weights, _values = whoosh_w3.read_postings(leaf, fieldname, _text(term), fast=self._fast)
                array[ids] = len(labels)
                labels.append(_text(term))
            return (array, labels), array.nbytes + 64 * len(labels)

        return self._cached(("c", whoosh_w3.segment_key(leaf), fieldname), read)

    def codes_for(self, fieldname: str, values) -> np.ndarray:
        """The codes of ``values`` in a column (values absent from the index are left out)."""
        _codes, labels = self.column(fieldname)
        wanted = set(values)
        return np.array([n for n, label in enumerate(labels) if label in wanted], dtype=np.int32)

    def shown(self) -> np.ndarray:
        """Live documents, each article once: of two copies (same ``dupkey``) the first indexed."""
        if self._shared.shown is None:
            live = np.flatnonzero(self.live)
            keys = self.dates("dupkey")[live]
            shown = np.zeros(self.size, dtype=bool)
            _keys, first = np.unique(keys, return_index=True)
            shown[live[first]] = True
            shown[live[keys == 0]] = True  # no key: an index written before keys, each its own
            self._shared.shown = shown
        return self._shared.shown

    def dates(self, fieldname: str = "date") -> np.ndarray:
        """The sortable form of each document's date, or of when it was ``added`` (see ``date_key``)."""
        found = self._shared.dates.get(fieldname)
        if found is None and fieldname not in self.searcher.schema:
            # an index written by an older version, until it is rebuilt: no value anywhere
            found = self._shared.dates[fieldname] = np.zeros(self.size, dtype=np.uint64)
        if found is None:
            parts = [self._leaf_dates(leaf, fieldname) for leaf, _ in self.leaves]
            found = np.concatenate(parts) if parts else np.empty(0, np.uint64)
            self._shared.dates[fieldname] = found
        return found

    def _leaf_dates(self, leaf, fieldname: str):
        def read():
            values = whoosh_w3.date_values(leaf, fieldname, self._fast)
            return values, values.nbytes

        return self._cached(("d", whoosh_w3.segment_key(leaf), fieldname), read)

    def date_key(self, value) -> np.uint64:
        return np.uint64(self.searcher.schema["date"].to_column_value(value))


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class ArrayStore:
    """The arrays of every index version a process reads, and the cache they share.

    ``cache_mb`` bounds the postings, positions and columns kept; ``fast=False`` reads
    through Whoosh's public matcher API instead of decoding blocks (same answers, slower).
    """

    def __init__(self, cache_mb: int = DEFAULT_CACHE_MB, fast: bool = True):
        self.fast = fast
        self._cache = LRUCache(cache_mb * 1024 * 1024)
        self._versions: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, key, compute):
        found = self._cache.get(key)
        if found is not None:
            return found
        value, nbytes = compute()
        self._cache.put(key, value, nbytes)
        return value

    def clear(self, postings_only: bool = False) -> None:
        """Forget cached arrays: benchmarks measuring a cold start or a never-seen query use this."""
        self._cache.clear(keep=(lambda key: key[0] not in ("p", "v")) if postings_only else None)
        if not postings_only:
            with self._lock:
                self._versions.clear()

    def arrays(self, searcher: Searcher) -> IndexArrays:
        """Arrays for the searcher's index version, sharing what other searchers of it have read."""
        leaves = list(searcher.reader().leaf_readers())
        version = tuple(
            (whoosh_w3.segment_key(leaf), offset, leaf.segment().deleted_count()) for leaf, offset in leaves
        )
        with self._lock:
            shared = self._versions.get(version)
            if shared is not None:
                self._versions.move_to_end(version)
        if shared is None:
            size = searcher.reader().doc_count_all()
            live = np.ones(size, dtype=bool)
            for leaf, offset in leaves:
                live[whoosh_w3.deleted_docs(leaf) + offset] = False
            shared = _Shared(version, size, live)
            with self._lock:
                shared = self._versions.setdefault(version, shared)
                while len(self._versions) > VERSIONS_KEPT:
                    self._versions.popitem(last=False)
        return IndexArrays(searcher, leaves, shared, self)
