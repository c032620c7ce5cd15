"""An index version as numpy arrays: postings, field lengths, facet columns, live documents.

Whoosh walks its matchers one document at a time in Python, which is what made a broad query
cost hundreds of milliseconds. Here a term's postings are read once, block by block, into
arrays of document numbers and weights, and kept in a bounded cache; queries, filters and
facet counts then work on whole arrays (see ``evaluate``).

Segments never change once written, so their columns, lengths and postings are cached per
segment and shared by every searcher (and thread) of the process; only the set of deleted
documents changes between commits, and it is read per index version.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

from indexer.lru import LRUCache

DEFAULT_CACHE_MB = 96
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


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


def _decode_positions(ids: np.ndarray, values: list) -> TermPositions:
    """Whoosh's encoded positions (a count, then a pickled list of gaps) as flat arrays."""
    gaps: list[int] = []
    counts = np.empty(len(values), dtype=np.int64)
    # one list at a time: keeping them all alive would wake the garbage collector again and again
    for n, value in enumerate(values):
        deltas = pickle.loads(value[_INT_SIZE:] if value[-1:] == b"." else value[_INT_SIZE:] + b".")
        counts[n] = len(deltas)
        gaps.extend(deltas)
    starts = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    running = np.cumsum(np.array(gaps, dtype=np.int64))
    # gaps restart at every document: subtract the running total reached before it
    before = np.concatenate(([0], running))[starts[:-1]]
    flat = (running - np.repeat(before, counts)).astype(np.int32)
    return TermPositions(ids, starts, flat)


_cache = LRUCache(int(os.environ.get("TRACUU_POSTINGS_CACHE_MB", DEFAULT_CACHE_MB)) * 1024 * 1024)


def clear_caches(postings_only: bool = False) -> None:
    """Forget cached arrays: benchmarks measuring a cold start or a never-seen query use this."""
    _cache.clear(keep=(lambda key: key[0] not in ("p", "v")) if postings_only else None)
    if not postings_only:
        with _versions_lock:
            _versions.clear()


def _cached(key, compute):
    found = _cache.get(key)
    if found is not None:
        return found
    value, nbytes = compute()
    _cache.put(key, value, nbytes)
    return value


def _segment_key(leaf) -> tuple:
    storage = getattr(leaf, "_storage", None)
    return (getattr(storage, "folder", id(storage)), leaf.segment().segment_id())


def _read_leaf_postings(
    leaf, fieldname: str, text: str, with_values: bool = False
) -> tuple[np.ndarray, np.ndarray, list]:
    """A segment's postings of one term; ``values`` (encoded positions) too when asked."""
    if (fieldname, text) not in leaf:
        return np.empty(0, np.int64), np.empty(0, np.float32), []
    matcher = leaf.postings(fieldname, text)
    if not isinstance(matcher, W3LeafMatcher):
        return _read_by_matcher(matcher, with_values)
    # whole blocks at a time, decoded with numpy; the matcher's own decoding is a Python
    # loop per posting
    id_blocks: list[np.ndarray] = []
    weight_blocks: list[np.ndarray] = []
    values: list = []
    while True:
        matcher._read_data()
        ids, weights = matcher._data[:2]
        count = matcher._blocklength
        ids = np.asarray(ids, dtype=np.int64)
        id_blocks.append(ids if matcher._byteids else np.cumsum(ids))
        if weights is None or isinstance(weights, float):
            weight_blocks.append(np.full(count, 1.0 if weights is None else weights, dtype=np.float32))
        else:
            weight_blocks.append(np.asarray(weights, dtype=np.float32))
        if with_values:
            matcher._read_values()
            values.extend(matcher._values)
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    return np.concatenate(id_blocks), np.concatenate(weight_blocks), values


def _read_by_matcher(matcher, with_values: bool) -> tuple[np.ndarray, np.ndarray, list]:
    ids: list[int] = []
    weights: list[float] = []
    values: list = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if with_values:
            values.append(matcher.value())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32), values


class _Shared:
    """What every searcher of one index version can share: per-document arrays."""

    def __init__(self, version: tuple, size: int, live: np.ndarray):
        self.version = version
        self.size = size
        self.live = live
        self.columns: dict[str, tuple[np.ndarray, list[str]]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.dates: np.ndarray | None = None


class IndexArrays:
    """The arrays of one index version, read through the calling thread's searcher.

    Whoosh file objects carry a read position, so a searcher must not be shared between
    threads; the arrays are, through ``_Shared`` and the segment caches.
    """

    def __init__(self, searcher: Searcher, leaves: list, shared: _Shared):
        self.searcher = searcher
        self.leaves = leaves
        self.size = shared.size
        self.version = shared.version
        self.live = shared.live
        self._shared = shared

    # --- postings -------------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> Postings:
        parts = [self._leaf_postings(leaf, offset, fieldname, text) for leaf, offset in self.leaves]
        if len(parts) == 1:
            return parts[0]
        return Postings(np.concatenate([p.ids for p in parts]), np.concatenate([p.weights for p in parts]))

    def _leaf_postings(self, leaf, offset: int, fieldname: str, text: str) -> Postings:
        def read():
            ids, weights, _values = _read_leaf_postings(leaf, fieldname, text)
            found = Postings(ids + offset, weights)
            return found, found.nbytes + 64

        # the offset is part of the key: a segment's place in the index can change on merges
        return _cached(("p", _segment_key(leaf), offset, fieldname, text), read)

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
            ids, weights, values = _read_leaf_postings(leaf, fieldname, text, with_values=True)
            ids += offset
            postings = Postings(ids, weights)
            _cached(("p", _segment_key(leaf), offset, fieldname, text), lambda: (postings, postings.nbytes + 64))
            found = _decode_positions(ids, values)
            return found, found.nbytes + 64

        return _cached(("v", _segment_key(leaf), offset, fieldname, text), read)

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
            count = leaf.doc_count_all()
            try:
                reader = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                coded = np.zeros(count, dtype=np.uint8)
                if reader is not None:
                    stored = min(reader._count, count)
                    coded[:stored] = np.frombuffer(reader._dbfile.get(reader._basepos, stored), dtype=np.uint8)
                values = _BYTE_TO_LENGTH[coded]
            except AttributeError:  # another codec: ask document by document
                values = np.fromiter(
                    (leaf.doc_field_length(n, fieldname, 0) or 0 for n in range(count)), np.float32, count=count
                )
            return values, values.nbytes

        return _cached(("l", _segment_key(leaf), fieldname), read)

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
                ids, _weights, _values = _read_leaf_postings(leaf, fieldname, _text(term))
                array[ids] = len(labels)
                labels.append(_text(term))
            return (array, labels), array.nbytes + 64 * len(labels)

        return _cached(("c", _segment_key(leaf), fieldname), read)

    def codes_for(self, fieldname: str, values) -> np.ndarray:
        """The codes of ``values`` in a column (values absent from the index are left out)."""
        _codes, labels = self.column(fieldname)
        wanted = set(values)
        return np.array([n for n, label in enumerate(labels) if label in wanted], dtype=np.int32)

    def dates(self) -> np.ndarray:
        """The sortable form of each document's date (see ``date_key``)."""
        if self._shared.dates is None:
            parts = [self._leaf_dates(leaf) for leaf, _ in self.leaves]
            self._shared.dates = np.concatenate(parts) if parts else np.empty(0, np.uint64)
        return self._shared.dates

    def _leaf_dates(self, leaf):
        def read():
            count = leaf.doc_count_all()
            reader = leaf.column_reader("date", translate=False)
            try:
                stored = min(reader._count, count)
                raw = reader._dbfile.get(reader._basepos, stored * reader._fixedlen)
                array = np.full(count, reader._default, dtype=np.uint64)
                array[:stored] = np.frombuffer(raw, dtype=">u8")
            except AttributeError:  # an empty segment or another codec
                array = np.array(list(reader) if count else [], dtype=np.uint64)
            return array, array.nbytes

        return _cached(("d", _segment_key(leaf)), read)

    def date_key(self, value) -> np.uint64:
        return np.uint64(self.searcher.schema["date"].to_column_value(value))


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


_versions: OrderedDict = OrderedDict()
_versions_lock = threading.Lock()


def index_arrays(searcher: Searcher) -> IndexArrays:
    """Arrays for the searcher's index version, sharing what other searchers of it have read."""
    leaves = list(searcher.reader().leaf_readers())
    version = tuple((_segment_key(leaf), offset, leaf.segment().deleted_count()) for leaf, offset in leaves)
    with _versions_lock:
        shared = _versions.get(version)
        if shared is not None:
            _versions.move_to_end(version)
    if shared is None:
        size = searcher.reader().doc_count_all()
        live = np.ones(size, dtype=bool)
        for leaf, offset in leaves:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                live[deleted + offset] = False
        shared = _Shared(version, size, live)
        with _versions_lock:
            shared = _versions.setdefault(version, shared)
            while len(_versions) > 4:
                _versions.popitem(last=False)
    return IndexArrays(searcher, leaves, shared)
