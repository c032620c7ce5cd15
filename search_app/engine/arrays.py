"""An index version as numpy arrays: postings, field lengths, facet columns, live documents.

Whoosh walks its matchers one document at a time in Python, which is what made a broad query
cost hundreds of milliseconds. Here a term's postings come as arrays of document numbers and
weights, and queries, filters and facet counts work on whole arrays (see ``evaluate``).

Every segment our writer commits has a packed postings file beside Whoosh's
(``indexer.index.packed``), memory-mapped here: a term's postings and the positions of the
documents asked for are slices of it, nothing is decoded, and nothing is kept per query, so a
process's memory does not grow with the variety of queries (the page cache, shared by every
process, holds what was read). A segment without one (an index written before them, until its
next commit) is read the slower way: its blocks decoded (see ``indexer.whoosh_w3``) into a
bounded cache, its encoded position lists kept undecoded (``PackedPositions``) and decoded
for the documents asked for only; ``ArrayStore.positions_decoded`` counts those decoded.

Segments never change once written, so their columns, lengths and postings are cached per
segment and shared by every searcher (and thread) of an ``ArrayStore``; only the set of
deleted documents changes between commits, and it is read per index version.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import islice
from math import log

import numpy as np
from whoosh.searching import Searcher

from indexer import whoosh_w3
from indexer.index.packed import (
    PackedMissing,
    PackedSegment,
    only_packed_field,
    packed_path,
    segment_packed,
    term_key,
)
from indexer.index.schema import indexed_sequences
from search_app.engine.lru import LRUCache
from search_app.engine.query import MAX_PREFIX_TERMS, TEXT_FIELDS

DEFAULT_CACHE_MB = 96
POSITIONS_KEPT = frozenset(TEXT_FIELDS[True])  # the folded fields, where the bonus checks words
VERSIONS_KEPT = 4  # index versions whose per-document arrays stay shared
PACKED_KEPT = 256  # segments whose packed files stay mapped
IDF_KEPT = 50_000  # terms whose idf an index version remembers
PREFIX_SCANNED = 4096  # terms a stem's expansions are chosen from
PREFIXES_KEPT = 10_000  # stems whose expansions an index version remembers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Postings:
    """One term in one field: ascending document numbers and their weights."""

    ids: np.ndarray  # int64, index-wide document numbers
    weights: np.ndarray  # float32

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.weights.nbytes


@dataclass(frozen=True)
class PackedPositions:
    """One term in one segment: the encoded positions of its postings, in their order, undecoded.

    Row ``i`` (the ``i``-th posting's) is ``rows[offsets[i]:offsets[i + 1]]``; see
    ``whoosh_w3.pack_positions``.
    """

    rows: bytes
    offsets: np.ndarray  # uint32 (int64 past 4 GiB), one more than postings

    @property
    def nbytes(self) -> int:
        return len(self.rows) + self.offsets.nbytes


class _Shared:
    """What every searcher of one index version can share: per-document arrays."""

    def __init__(self, version: tuple, size: int, live: np.ndarray):
        self.version = version
        self.size = size
        self.live = live
        self.columns: dict[str, tuple[np.ndarray, list[str]]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.norms: dict[tuple, np.ndarray] = {}
        self.dates: dict[str, np.ndarray] = {}
        self.shown: np.ndarray | None = None
        self.idf: dict[tuple[str, str], float] = {}
        self.sequences: frozenset | None = None
        self.prefixes: dict[tuple[str, str, int], list[str]] = {}


class IndexArrays:
    """The arrays of one index version, read through the calling thread's searcher.

    Whoosh file objects carry a read position, so a searcher must not be shared between
    threads; the arrays are, through ``_Shared`` and the segment caches. One is made per search,
    and keeps the postings it read until the search ends.
    """

    def __init__(self, searcher: Searcher, leaves: list, shared: _Shared, store: ArrayStore):
        self.searcher = searcher
        self.leaves = leaves
        self.size = shared.size
        self.version = shared.version
        self.live = shared.live
        self._shared = shared
        self._cached = store.cached
        self._cache_get = store.get
        self._fast = store.fast
        self._store = store
        self._packed: list[PackedSegment | None] | None = None
        # a search asks for the same term several times (evaluation, phrase checks, soft AND)
        self._read: dict[tuple[str, str], Postings] = {}

    @property
    def sequences(self) -> frozenset:
        """The syllable sequences this index holds as one term (``build_query``'s ``sequences``)."""
        if self._shared.sequences is None:
            self._shared.sequences = indexed_sequences(self.searcher.schema)
        return self._shared.sequences

    # --- postings -------------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> Postings:
        found = self._read.get((fieldname, text))
        if found is None:
            found = self._read[fieldname, text] = self._postings(fieldname, text)
        return found

    def _postings(self, fieldname: str, text: str) -> Postings:
        key = self._term_key(fieldname, text)
        parts: list[tuple[np.ndarray, np.ndarray, float, int]] = []  # ids, counts, boost, offset to add
        for (leaf, offset), packed in zip(self.leaves, self._packs(), strict=True):
            if packed is None:
                if only_packed_field(self.searcher.schema, fieldname):
                    self._store.lost_packed(leaf)  # Whoosh holds none of this field's postings: none found here
                read = self._leaf_postings(leaf, offset, fieldname, text)
                parts.append((read.ids, read.weights, 1.0, 0))
                continue
            n = packed.find_key(key) if key is not None else None
            if n is not None:
                parts.append((*packed.posting_counts(n), offset))
        # one array for all segments, filled in place: no array per segment, no concatenation
        ids = np.empty(sum(len(p[0]) for p in parts), dtype=np.int64)
        weights = np.empty(len(ids), dtype=np.float32)
        at = 0
        for part_ids, part_counts, boost, offset in parts:
            end = at + len(part_ids)
            np.add(part_ids, np.int64(offset), out=ids[at:end])
            np.multiply(part_counts, np.float32(boost), out=weights[at:end])
            at = end
        return Postings(ids, weights)

    def held(self, fieldname: str, text: str, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For ascending ``docs``: which hold the term, and its weight in each (0 where not).

        The documents are looked up in the term's postings, which are not read whole: for a few
        documents (the words-together bonus's), a long posting list costs a binary search, not a copy.
        """
        packs = self._packs()
        if any(packed is None for packed in packs):
            postings = self.postings(fieldname, text)
            ids, weights = postings.ids, postings.weights
            if not len(ids):
                return np.zeros(len(docs), dtype=bool), np.zeros(len(docs), dtype=np.float32)
            at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
            present = ids[at] == docs
            return present, np.where(present, weights[at], np.float32(0))
        present = np.zeros(len(docs), dtype=bool)
        weights = np.zeros(len(docs), dtype=np.float32)
        key = self._term_key(fieldname, text)
        for (leaf, offset), packed in zip(self.leaves, packs, strict=True):
            low, high = np.searchsorted(docs, (offset, offset + leaf.doc_count_all()))
            n = packed.find_key(key) if key is not None and high > low else None
            if n is None:
                continue
            ids, counts, boost = packed.posting_counts(n)
            mine = docs[low:high] - offset
            at = np.minimum(np.searchsorted(ids, mine), len(ids) - 1)
            found = ids[at] == mine
            present[low:high] = found
            weights[low:high][found] = counts[at[found]] * np.float32(boost)
        return present, weights

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """How many documents a term was written in, deleted ones included, as Whoosh counts for idf."""
        packs = self._packs()
        key = self._term_key(fieldname, text)
        if key is None:
            return 0
        if any(packed is None for packed in packs):
            return self.searcher.reader().doc_frequency(fieldname, text)
        total = 0
        for packed in packs:
            n = packed.find_key(key)
            if n is not None:
                total += packed.count(n)
        return total

    def idf(self, fieldname: str, text: str) -> float:
        """Whoosh's inverse document frequency (``WeightingModel.idf``), from the packed counts."""
        cache = self._shared.idf
        found = cache.get((fieldname, text))
        if found is None:
            found = log(self.size / (self.doc_frequency(fieldname, text) + 1)) + 1
            if len(cache) > IDF_KEPT:
                cache.clear()
            cache[fieldname, text] = found
        return found

    def _packs(self) -> list[PackedSegment | None]:
        """Each segment's packed file (None where it has none), looked up once per search."""
        if self._packed is None:
            self._packed = [self._store.packed(leaf) for leaf, _offset in self.leaves]
        return self._packed

    def _term_key(self, fieldname: str, text: str) -> bytes | None:
        """A term as the packed files name it; None for a field the index does not have."""
        schema = self.searcher.schema
        if fieldname not in schema:
            return None
        return term_key(fieldname, schema[fieldname].to_bytes(text))

    def _leaf_postings(self, leaf, offset: int, fieldname: str, text: str) -> Postings:
        """A segment's postings of a term read from Whoosh's blocks (a segment without a packed file)."""
        # the offset is part of the key: a segment's place in the index can change on merges
        found = self._cache_get(("p", whoosh_w3.segment_key(leaf), offset, fieldname, text))
        if found is not None:
            return found
        return self._leaf_read(leaf, offset, fieldname, text, fieldname in POSITIONS_KEPT)[0]

    def _leaf_read(
        self, leaf, offset: int, fieldname: str, text: str, with_positions: bool
    ) -> tuple[Postings, PackedPositions | None]:
        """One read of a term's blocks: its postings and, if asked, its packed positions.

        The blocks hold both, so keeping the positions (undecoded) costs a copy, not a second read;
        it is done for the fields of the words-together bonus (``POSITIONS_KEPT``), which asks for
        the positions of most words it reads, and on demand in the others.
        """
        # an index keeping positions in its packed files only (``CountsOnly``) has none here
        positional = with_positions and whoosh_positions(self.searcher.schema, fieldname)
        ids, weights, values = whoosh_w3.read_postings(leaf, fieldname, text, positional, self._fast)
        postings = Postings(ids + offset, weights)
        key = (whoosh_w3.segment_key(leaf), offset, fieldname, text)
        self._store.put(("p", *key), postings, postings.nbytes + 64)
        if not positional:
            return postings, None
        packed = PackedPositions(*whoosh_w3.pack_positions(values))
        self._store.put(("v", *key), packed, packed.nbytes + 64)
        return postings, packed

    def positions(self, fieldname: str, text: str, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where a term stands in each of ``docs`` (ascending, each containing the term).

        Two flat arrays, one slot per occurrence: the document number and the position, in
        document then position order. Only the position lists of ``docs`` are decoded.
        """
        doc_parts, pos_parts = [], []
        key = self._term_key(fieldname, text)
        for (leaf, offset), packed in zip(self.leaves, self._packs(), strict=True):
            low, high = np.searchsorted(docs, (offset, offset + leaf.doc_count_all()))
            mine = docs[low:high]
            if not len(mine):
                continue
            if packed is not None:
                n = packed.find_key(key) if key is not None else None
                if n is None:  # not in this segment: nor in the documents asked for
                    continue
                counts, flat = packed.positions(n, mine - offset)
                self._store.count_decoded(len(mine))
                doc_parts.append(np.repeat(mine, counts))
                pos_parts.append(flat)
                continue
            cached = (whoosh_w3.segment_key(leaf), offset, fieldname, text)
            postings, kept = self._cache_get(("p", *cached)), self._cache_get(("v", *cached))
            if postings is None or kept is None:
                postings, kept = self._leaf_read(leaf, offset, fieldname, text, True)
            if kept is None:  # its packed file, which alone held them, is missing or damaged
                self._store.lost_packed(leaf)
                continue
            counts, flat = whoosh_w3.unpack_positions(kept.rows, kept.offsets, np.searchsorted(postings.ids, mine))
            self._store.count_decoded(len(mine))
            doc_parts.append(np.repeat(mine, counts))
            pos_parts.append(flat)
        if not doc_parts:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(doc_parts), np.concatenate(pos_parts).astype(np.int64)

    def prefix_expander(self):
        """``common_terms`` with the query module's cap, as ``build_query`` takes it."""
        return lambda fieldname, prefix: self.common_terms(fieldname, prefix, MAX_PREFIX_TERMS)

    def common_terms(self, fieldname: str, prefix: str, limit: int) -> list[str]:
        """The ``limit`` terms starting with ``prefix`` that most documents hold, most first (of the
        first ``PREFIX_SCANNED`` in order, for a stem so short that more start with it): "thô*"
        means "thông" before the dozens of rarer words that sort ahead of it ("thô_bạo", "thơ_ca")."""
        cache = self._shared.prefixes
        found = cache.get((fieldname, prefix, limit))
        if found is None:
            packs = self._packs()
            if all(packed is not None for packed in packs):
                totals: dict[str, int] = {}
                for packed in packs:
                    for text, count in packed.prefix_counts(fieldname, prefix, PREFIX_SCANNED):
                        totals[text] = totals.get(text, 0) + count
                scanned = totals.items()
            else:  # a segment written before packed files: Whoosh keeps every term's statistics
                terms = islice(self.searcher.reader().iter_prefix(fieldname, prefix), PREFIX_SCANNED)
                scanned = ((text.decode("utf-8"), info.doc_frequency()) for text, info in terms)
            found = [text for _count, text in heapq.nsmallest(limit, ((-count, text) for text, count in scanned))]
            if len(cache) > PREFIXES_KEPT:
                cache.clear()
            cache[fieldname, prefix, limit] = found
        return found

    def expand_prefix(self, fieldname: str, prefix: str, limit: int) -> list[str]:
        """The first ``limit`` terms starting with ``prefix``, in order (document numbers)."""
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

    def length_norms(self, fieldname: str, b: float, k1: float) -> np.ndarray:
        """BM25's length part of every document, ``k1 * ((1 - b) + b * length / average length)``,
        in float32 as Whoosh's ``bm25`` works it out: per index version, not per term."""
        found = self._shared.norms.get((fieldname, b, k1))
        if found is None:
            average = self.searcher.avg_field_length(fieldname) or 1
            found = self._shared.norms[fieldname, b, k1] = k1 * ((1 - b) + b * self.lengths(fieldname) / average)
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


def whoosh_positions(schema, fieldname: str) -> bool:
    """Whether Whoosh's own postings of a field hold its positions (not so for ``CountsOnly``)."""
    return fieldname in schema and schema[fieldname].format.supports("positions")


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class ArrayStore:
    """The arrays of every index version a process reads, and the cache they share.

    ``cache_mb`` bounds the postings, packed positions and columns kept; ``fast=False`` reads
    through Whoosh's public matcher API instead of decoding blocks (same answers, slower), and
    ``use_packed=False`` ignores the packed postings files (the reference they are tested against).
    ``positions_decoded`` counts the position lists read so far (one per term and document).
    """

    def __init__(self, cache_mb: int = DEFAULT_CACHE_MB, fast: bool = True, use_packed: bool = True):
        self.fast = fast
        self.use_packed = use_packed and fast
        self.positions_decoded = 0
        self._cache = LRUCache(cache_mb * 1024 * 1024)
        self._versions: OrderedDict = OrderedDict()
        self._packed: OrderedDict = OrderedDict()
        self._lost: set = set()
        self._lock = threading.Lock()

    def packed(self, leaf) -> PackedSegment | None:
        """The segment's packed postings, mapped once per process (None: read through Whoosh)."""
        if not self.use_packed:
            return None
        key = whoosh_w3.segment_key(leaf)
        with self._lock:
            if key in self._packed:
                self._packed.move_to_end(key)
                return self._packed[key]
        found = segment_packed(whoosh_w3.segment_folder(leaf), leaf.segment())
        with self._lock:
            self._packed[key] = found
            while len(self._packed) > PACKED_KEPT:
                self._packed.popitem(last=False)
        return found

    def unpacked_segments(self, searcher: Searcher) -> int:
        """How many of the searcher's segments are read without a packed file."""
        return sum(self.packed(leaf) is None for leaf, _offset in searcher.reader().leaf_readers())

    def cached(self, key, compute):
        found = self._cache.get(key)
        if found is not None:
            return found
        value, nbytes = compute()
        self._cache.put(key, value, nbytes)
        return value

    def get(self, key):
        return self._cache.get(key)

    def put(self, key, value, nbytes: int) -> None:
        self._cache.put(key, value, nbytes)

    def lost_packed(self, leaf) -> None:
        """Say, once per segment, that its words cannot be found until the index is rebuilt (its packed
        file alone held the text fields' postings and positions, and is missing or damaged)."""
        key = whoosh_w3.segment_key(leaf)
        with self._lock:
            if key in self._lost:
                return
            self._lost.add(key)
        logger.error("%s", PackedMissing(packed_path(whoosh_w3.segment_folder(leaf) or ".", leaf.segment())))

    def count_decoded(self, lists: int) -> None:
        with self._lock:
            self.positions_decoded += lists

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
