"""Every use of Whoosh's internals, in one place: the W3 codec's blocks, columns and writer.

Whoosh is the index (the user's choice of stack), but two of its hot paths are Python per
posting: reading a term's postings through a matcher, and writing a segment. The functions
here reach into the W3 codec of the pinned whoosh-reloaded to do both in bulk:

* reading: ``read_postings`` decodes whole postings blocks, ``decode_positions`` a term's
  pickled position lists, ``field_lengths`` and ``date_values`` a column in one read;
  each has a path through Whoosh's public API (``fast=False``, and for any other codec)
  that gives the same answer, which a test holds them to;
* writing: ``FastSegmentWriter`` is Whoosh's ``SegmentWriter`` with a per-term pool and field
  lengths read once at commit, plus ``finish_segment`` and ``commit_with`` for segments
  written by worker processes; ``encode_positions`` is the Positions format's encoding.

Nothing else in the project imports a private Whoosh name. The names used here are those of
the version below; importing this module under another version fails with a clear message
rather than reading an index wrongly.
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Callable
from pathlib import Path

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.index import TOC
from whoosh.system import _INT_SIZE, pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

WRITTEN_FOR = (2, 7, 5)

if tuple(whoosh.__version__[:3]) != WRITTEN_FOR:
    raise ImportError(
        f"tracuu needs whoosh-reloaded {'.'.join(map(str, WRITTEN_FOR))} (indexer/whoosh_w3.py reads its "
        f"internals); found {whoosh.versionstring()}. Install the pinned version: pip install -e ."
    )

# what the W3 lengths column's bytes stand for
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]


# --- reading ------------------------------------------------------------------------------


def segment_key(leaf) -> tuple:
    """What names one segment of one index folder, for caches shared across searchers."""
    storage = getattr(leaf, "_storage", None)
    return (getattr(storage, "folder", id(storage)), leaf.segment().segment_id())


def read_postings(leaf, fieldname: str, text: str, with_values: bool = False, fast: bool = True):
    """A segment's postings of one term: (ids, weights, encoded values if asked)."""
    if (fieldname, text) not in leaf:
        return np.empty(0, np.int64), np.empty(0, np.float32), []
    matcher = leaf.postings(fieldname, text)
    if not fast or not isinstance(matcher, W3LeafMatcher):
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


def _read_by_matcher(matcher, with_values: bool):
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


def decode_positions(values: list) -> tuple[np.ndarray, np.ndarray]:
    """Encoded position lists (a count, then pickled gaps) as (count per document, flat positions)."""
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
    return counts, (running - np.repeat(before, counts)).astype(np.int32)


def encode_positions(positions: list[int]) -> bytes:
    """The Positions format's value for one term in one document (ascending positions)."""
    gaps = [b - a for a, b in zip([0, *positions], positions, strict=False)]
    return pack_uint(len(positions)) + pickle.dumps(gaps, 2)


def field_lengths(leaf, fieldname: str, fast: bool = True) -> np.ndarray:
    """Each document's length in a field as the scorer sees it (one byte per document, decoded)."""
    count = leaf.doc_count_all()
    if fast:
        try:
            reader = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            coded = np.zeros(count, dtype=np.uint8)
            if reader is not None:
                stored = min(reader._count, count)
                coded[:stored] = np.frombuffer(reader._dbfile.get(reader._basepos, stored), dtype=np.uint8)
            return _BYTE_TO_LENGTH[coded]
        except AttributeError:  # another codec
            pass
    return np.fromiter((leaf.doc_field_length(n, fieldname, 0) or 0 for n in range(count)), np.float32, count=count)


def date_values(leaf, fieldname: str = "date", fast: bool = True) -> np.ndarray:
    """A sortable date column's raw values, one per document."""
    count = leaf.doc_count_all()
    reader = leaf.column_reader(fieldname, translate=False)
    if fast:
        try:
            stored = min(reader._count, count)
            raw = reader._dbfile.get(reader._basepos, stored * reader._fixedlen)
            values = np.full(count, reader._default, dtype=np.uint64)
            values[:stored] = np.frombuffer(raw, dtype=">u8")
            return values
        except AttributeError:  # an empty segment or another codec
            pass
    return np.array([reader[n] for n in range(count)] if count else [], dtype=np.uint64)


def commit_time(folder, generation: int) -> float | None:
    """When the commit ``generation`` of the index in ``folder`` was made (its table of contents)."""
    try:
        return (Path(folder) / TOC._filename("MAIN", generation)).stat().st_mtime
    except OSError:  # a generation removed meanwhile
        return None


def deleted_docs(leaf) -> np.ndarray:
    return np.fromiter(leaf.deleted_docs_set, dtype=np.int64) if leaf.has_deletions() else np.empty(0, np.int64)


# --- writing ------------------------------------------------------------------------------


class TermPool:
    """The postings of a segment being written, grouped by term as they arrive.

    Whoosh's pool keeps one tuple per posting, sorts them all at commit and spills sorted
    runs to disk past its memory limit, to merge them back one posting at a time. Postings of
    one term arrive in document order, so grouping them per term leaves only the distinct terms
    to sort, and compact arrays take about a third of the memory. There is no spilling: a
    writer whose pool is ``full`` should finish its segment and start another.
    """

    def __init__(self, limitmb: int):
        self.limit = limitmb * 1024 * 1024
        self.fieldnames: set[str] = set()
        self.merged = False  # set when segments are merged in: their postings may come out of order
        self._terms: dict[tuple[str, bytes], tuple[array, array, list]] = {}
        self._count = 0

    @property
    def size(self) -> int:
        """About how many bytes the pool holds: arrays, position bytes, per-term overhead."""
        return self._count * 80 + len(self._terms) * 250

    @property
    def full(self) -> bool:
        return self.size > self.limit

    def add(self, item) -> None:
        fieldname, term, docnum, weight, value = item
        postings = self._terms.get((fieldname, term))
        if postings is None:
            postings = self._terms[fieldname, term] = (array("I"), array("d"), [])
            self.fieldnames.add(fieldname)
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].append(value)
        self._count += 1

    def iter_postings(self):
        for key in sorted(self._terms):
            fieldname, term = key
            ids, weights, values = self._terms[key]
            rows = zip(ids, weights, values, strict=True)
            if self.merged:
                rows = sorted(rows, key=lambda row: row[0])
            for docnum, weight, value in rows:
                yield fieldname, term, docnum, weight, value

    def cleanup(self) -> None:
        self._terms.clear()
        self._count = 0


class _SegmentLengths:
    """``doc_field_length`` of one new segment, each field's lengths read in one piece."""

    def __init__(self, perdoc):
        self._perdoc = perdoc
        self._fields: dict[str, list | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname not in self._fields:
            self._fields[fieldname] = self._read(fieldname)
        lengths = self._fields[fieldname]
        if lengths is None:
            return default
        return lengths[docnum]

    def _read(self, fieldname):
        reader = self._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return None
        coded = reader._dbfile.get(reader._basepos, reader._count)
        # the column stops at the last document with a length; the rest have none
        return [_LENGTHS[b] for b in coded] + [None] * (reader._doccount - len(coded))


class FastSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with the pool and the commit-time length lookups above.

    ``mergetype`` is the merge policy of every commit (Whoosh's public ``writer.mergetype``).
    """

    def __init__(self, ix, limitmb: int = 128, mergetype: Callable | None = None, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(limitmb)
        self.mergetype = mergetype

    @property
    def has_documents(self) -> bool:
        """Whether documents were added since the writer (or its last segment) started."""
        return bool(self._added)

    def add_reader(self, reader):
        self.pool.merged = True
        super().add_reader(reader)

    def finish_segment(self):
        """Write out what was added as a segment of its own, not yet part of any commit."""
        return self._finalize_segment()

    def commit_with(self, segments: list) -> None:
        """Commit this writer's changes together with finished segments written beside it."""
        self._check_state()
        final = self._merge_segments(None, None, None) + list(segments)
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final)
        self._finish()

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader()
        try:
            self.fieldwriter.add_postings(self.schema, _SegmentLengths(perdoc), self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            perdoc.close()
