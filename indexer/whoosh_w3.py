"""Every use of Whoosh's internals, in one place: the W3 codec's blocks, columns and writer.

Whoosh is the index (the user's choice of stack), but two of its hot paths are Python per
posting: reading a term's postings through a matcher, and writing a segment. The functions
here reach into the W3 codec of the pinned whoosh-reloaded to do both in bulk:

* reading: ``read_postings`` decodes whole postings blocks; ``pack_positions`` keeps a term's
  encoded position lists compactly, undecoded, and ``unpack_positions`` decodes the lists of
  the documents asked for only, in one ``pickle.loads`` (``decode_positions``, one per posting,
  is the reference they are tested against); ``field_lengths`` and ``date_values`` read a
  column in one go;
  each has a path through Whoosh's public API (``fast=False``, and for any other codec)
  that gives the same answer, which a test holds them to;
* writing: ``FastSegmentWriter`` is Whoosh's ``SegmentWriter`` with a per-term pool of arrays and
  field lengths read once at commit, plus ``finish_segment`` and ``commit_with`` for segments
  written by worker processes, hooks for the packed postings files of ``indexer.index.packed``
  (after a segment is written, before a commit names its segments, and to read a merged
  segment's positions); ``CountsOnly`` is the text fields' format, whose postings Whoosh does
  not store (the writer puts only their terms' statistics in Whoosh's term table:
  ``_with_term_statistics``); ``encode_positions`` is the Positions format's encoding.

Nothing else in the project imports a private Whoosh name. The names used here are those of
the version below; importing this module under another version fails with a clear message
rather than reading an index wrongly.
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from collections.abc import Callable
from itertools import accumulate, chain, groupby, repeat
from operator import itemgetter
from pathlib import Path

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3TermInfo, _lenfield
from whoosh.columns import TranslatingColumnReader
from whoosh.formats import Format, tokens
from whoosh.index import TOC
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
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


def segment_folder(leaf) -> str | None:
    """The folder holding a segment's files (None for an index not kept in files)."""
    return getattr(getattr(leaf, "_storage", None), "folder", None)


def read_postings(
    leaf, fieldname: str, text: str, with_values: bool = False, fast: bool = True, with_deleted: bool = False
):
    """A segment's postings of one term: (ids, weights, encoded values if asked).

    ``with_deleted``: documents deleted since the segment was written too, as its blocks hold them
    (and as Whoosh's document frequencies count them).
    """
    if (fieldname, text) not in leaf:
        return np.empty(0, np.int64), np.empty(0, np.float32), []
    matcher = leaf.postings(fieldname, text)
    if with_deleted and isinstance(matcher, FilterMatcher):
        matcher = matcher.child
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
    """Encoded position lists (a count, then pickled gaps) as (count per document, flat positions).

    One ``pickle.loads`` per value, as Whoosh decodes them: the reference for ``unpack_positions``.
    """
    gaps: list[int] = []
    counts = np.empty(len(values), dtype=np.int64)
    # one list at a time: keeping them all alive would wake the garbage collector again and again
    for n, value in enumerate(values):
        deltas = _decode_one(value)
        counts[n] = len(deltas)
        gaps.extend(deltas)
    return counts, _from_gaps(counts, np.array(gaps, dtype=np.int64))


# pickle.dumps(a list, 2) starts with PROTO 2, EMPTY_LIST, BINPUT 0 and ends with STOP; a Positions
# value is a count (_INT_SIZE bytes), then that pickle of the gaps between positions
_LIST_HEAD = b"\x80\x02]q\x00"
_KEEP_FROM = _INT_SIZE + len(_LIST_HEAD) - 1  # BINPUT's argument: the gaps' opcodes follow it
_STOP = ord(".")


def ranges(begins: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indexes of the concatenated ranges begins[i]:begins[i] + lengths[i], without a Python loop."""
    return np.arange(lengths.sum()) + np.repeat(begins - np.cumsum(lengths) + lengths, lengths)


def pack_positions(values: list) -> tuple[bytes, np.ndarray]:
    """Encoded position lists kept undecoded: (rows, offsets), row ``i`` being ``rows[offsets[i]:offsets[i + 1]]``.

    A row is the value's pickle without its count, protocol header, memo and STOP (``]`` and the
    gaps' opcodes): about half the encoded size, and any selection of rows joined is the body of
    one pickled list of lists (``unpack_positions``). Values that do not have the usual shape
    (written without STOP by older code) are re-encoded first.
    """
    if not values:
        return b"", np.zeros(1, dtype=np.uint32)
    joined = np.frombuffer(b"".join(values), dtype=np.uint8)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    usual = lengths > _KEEP_FROM
    if usual.all():
        for n, byte in enumerate(_LIST_HEAD):
            usual &= joined[starts + _INT_SIZE + n] == byte
        usual &= joined[ends - 1] == _STOP
    if not usual.all():
        values = list(values)
        for n in np.flatnonzero(~usual):
            values[n] = encode_positions(_decode_one(values[n]), gaps=True)
        return pack_positions(values)
    # drop the count, PROTO, BINPUT and STOP of every value: EMPTY_LIST and the gaps remain
    keep = np.ones(len(joined), dtype=bool)
    for n in (*range(_INT_SIZE + 2), _KEEP_FROM - 1, _KEEP_FROM):
        keep[starts + n] = False
    keep[ends - 1] = False
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths - _KEEP_FROM - 1, out=offsets[1:])
    return joined[keep].tobytes(), offsets.astype(np.uint32 if offsets[-1] < 2**32 else np.int64)


def unpack_positions(rows: bytes, offsets: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of rows ``wanted`` (ascending) of ``pack_positions``: (count per row, flat positions)."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if not len(wanted):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    begins = offsets[wanted].astype(np.int64)
    if len(wanted) == len(offsets) - 1:  # every row, in order
        chunk = rows
    else:
        chunk = np.frombuffer(rows, dtype=np.uint8)[ranges(begins, offsets[wanted + 1] - begins)].tobytes()
    # one list of lists: PROTO 2, EMPTY_LIST, MARK, the rows, APPENDS, STOP
    lists = pickle.loads(b"\x80\x02](" + chunk + b"e.")
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    gaps = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    return counts, _from_gaps(counts, gaps)


def _from_gaps(counts: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """Positions from gaps that restart at every document: subtract the running total reached before it."""
    running = np.cumsum(gaps)
    before = np.concatenate(([0], running))[np.cumsum(counts) - counts]
    return (running - np.repeat(before, counts)).astype(np.int32)


def _decode_one(value: bytes) -> list[int]:
    """One encoded value's gaps (a value written without its STOP too)."""
    return pickle.loads(value[_INT_SIZE:] if value[-1:] == b"." else value[_INT_SIZE:] + b".")


def encode_positions(positions: list[int], gaps: bool = False) -> bytes:
    """The Positions format's value for one term in one document (ascending positions, or their gaps)."""
    deltas = list(positions) if gaps else [b - a for a, b in zip([0, *positions], positions, strict=False)]
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


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


def index_segments(ix) -> list:
    """The segments of an index's latest commit."""
    return ix._segments()


def commit_time(folder, generation: int) -> float | None:
    """When the commit ``generation`` of the index in ``folder`` was made (its table of contents)."""
    try:
        return (Path(folder) / TOC._filename("MAIN", generation)).stat().st_mtime
    except OSError:  # a generation removed meanwhile
        return None


def deleted_docs(leaf) -> np.ndarray:
    return np.fromiter(leaf.deleted_docs_set, dtype=np.int64) if leaf.has_deletions() else np.empty(0, np.int64)


# --- writing ------------------------------------------------------------------------------


class CountsOnly(Format):
    """A text field's format whose postings and positions live in the packed file only.

    Whoosh keeps each term's statistics in its term table (document frequency, total and top
    weight, shortest and longest document: what idf, BM25F and "more like this" read) and no
    postings, so the writer spends no Python on each posting for Whoosh, and the index holds
    each posting once. The positions reach the writer's pool as lists (``word_values`` and the
    schema's shortcut both give them) and go to the segment's packed file
    (``indexer.index.packed``), which our evaluator reads. Whoosh's own matchers find nothing in
    such a field; an index with Whoosh's ``Positions`` instead keeps everything in both places.
    (Indexes written at stop 15 hold these fields' documents and weights in Whoosh's postings
    too: read the same way, through their packed files.)
    """

    posting_size = 0
    __inittypes__ = dict(field_boost=float)

    def __init__(self, field_boost: float = 1.0, **options):
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value, analyzer, **kwargs):
        fb = self.field_boost
        found: dict[str, list[int]] = {}
        kwargs["positions"] = True
        for t in tokens(value, analyzer, kwargs):
            found.setdefault(t.text, []).append(t.pos)
        return ((w, len(p), len(p) * fb, p) for w, p in found.items())

    def encode(self, positions):
        return b""

    def decode_weight(self, valuestring):
        return self.field_boost


def keeps_positions(format_) -> bool:
    """Whether a field's format has positions, in Whoosh's postings or (``CountsOnly``) beside them."""
    return format_ is not None and (isinstance(format_, CountsOnly) or format_.supports("positions"))


class _FieldPostings:
    """A positional field's postings in the order they arrived: for each, its term's number, its
    document and its count, and the positions of all of them in one flat array. A term costs one
    dictionary entry; the postings are arranged by term once, when the segment is written."""

    __slots__ = ("numbers", "terms", "docs", "counts", "positions", "_arranged")

    def __init__(self):
        self.numbers: dict[bytes, int] = {}
        self.terms, self.docs, self.counts, self.positions = array("I"), array("I"), array("I"), array("I")
        self._arranged = None

    def arranged(self) -> tuple:
        """(postings' order by term then arrival, each term's first place in that order, documents,
        counts, where each posting's positions start, positions) as arrays over the pool's own."""
        if self._arranged is None:
            terms = np.frombuffer(self.terms, dtype=np.uint32)
            # four bytes a posting where they fit (the pool is far below 2³² postings and positions)
            order = np.argsort(terms, kind="stable").astype(np.uint32)
            bounds = np.zeros(len(self.numbers) + 1, dtype=np.int64)
            np.cumsum(np.bincount(terms, minlength=len(self.numbers)), out=bounds[1:])
            counts = np.frombuffer(self.counts, dtype=np.uint32)
            starts = np.cumsum(counts, dtype=np.uint32)
            starts -= counts
            docs, positions = np.frombuffer(self.docs, dtype=np.uint32), np.frombuffer(self.positions, dtype=np.uint32)
            self._arranged = order, bounds, docs, counts, starts, positions
        return self._arranged


class TermPool:
    """The postings of a segment being written, grouped by term.

    Whoosh's pool keeps one tuple per posting, sorts them all at commit and spills sorted
    runs to disk past its memory limit, to merge them back one posting at a time. Here a field
    with positions (``boosts`` names them, with the field's boost) keeps its postings in flat arrays
    in the order they arrive (``_FieldPostings``: a term is one dictionary entry, a posting three
    numbers, a position one), arranged by term when the segment is written; its weights are the
    counts times the boost, as the schema's text fields make them. Whoosh's encoded value is made
    only when Whoosh writes the segment, for the fields whose format stores it (``encoded``). A term
    of any other field is its documents, weights and values. There is no spilling: a writer whose
    pool is ``full`` should finish its segment and start another.
    """

    def __init__(self, limitmb: int, boosts: dict[str, float] | None = None, encoded: frozenset = frozenset()):
        self.limit = limitmb * 1024 * 1024
        self.boosts = boosts or {}
        self.positional = frozenset(self.boosts)
        self.encoded = encoded
        self._terms: dict[tuple[str, bytes], tuple] = {}
        self._fields: dict[str, _FieldPostings] = {}
        self._count = self._positions = self._distinct = 0

    @property
    def size(self) -> int:
        """About how many bytes the pool holds: arrays (with their spare room), per-term objects."""
        return self._count * 13 + self._positions * 4 + self._distinct * 130 + len(self._terms) * 560

    @property
    def full(self) -> bool:
        return self.size > self.limit

    def _entry(self, fieldname: str, term: bytes) -> tuple:
        entry = self._terms[fieldname, term] = (array("I"), array("d"), [])  # documents; weights; values
        return entry

    def add(self, item) -> None:
        fieldname, term, docnum, weight, value = item
        if fieldname in self.positional:
            self.add_terms(fieldname, docnum, ((term, 0, weight, value),))
            return
        entry = self._terms.get((fieldname, term)) or self._entry(fieldname, term)
        self._count += 1
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(value)

    def add_terms(self, fieldname: str, docnum: int, items) -> int:
        """One document's terms of a positional field, ``(term, count, weight, positions)`` as the
        field's ``index`` gives them (positions as a list or Whoosh's encoding); the field's length in
        the document (the sum of the counts) is returned."""
        field = self._fields.get(fieldname)
        if field is None:
            field = self._fields[fieldname] = _FieldPostings()
        numbers, boost = field.numbers, self.boosts[fieldname]
        distinct = len(numbers)
        add_term, add_count, add_positions = field.terms.append, field.counts.append, field.positions.extend
        length = postings = 0
        for term, _count, weight, value in items:
            number = numbers.setdefault(term, len(numbers))
            if type(value) is bytes:  # Whoosh's encoding (a segment merged in through Whoosh)
                value = list(accumulate(_decode_one(value)))
            count = len(value)
            if weight != count * boost:
                raise ValueError(f"{fieldname}: a weight other than count × field boost ({weight}) is not kept")
            add_term(number)
            add_count(count)
            add_positions(value)
            length += count
            postings += 1
        field.docs.extend(repeat(docnum, postings))
        self._count += postings
        self._positions += length
        self._distinct += len(numbers) - distinct
        return length

    def field_keys(self) -> dict[str, list[bytes]]:
        """Each field's terms in the pool, sorted."""
        found: dict[str, list[bytes]] = {name: list(field.numbers) for name, field in self._fields.items()}
        for fieldname, term in self._terms:
            found.setdefault(fieldname, []).append(term)
        return {fieldname: sorted(terms) for fieldname, terms in sorted(found.items())}

    def term(self, key: tuple[str, bytes]) -> tuple:
        """One term as (key, ids, weights, positions, values), its postings in document order.

        ``positions`` is (count per posting, flat positions) for a positional field, else None;
        ``values`` the values of a field without positions, else None.
        """
        fieldname, term = key
        field = self._fields.get(fieldname)
        if field is None:
            entry = self._terms[key]
            ids = np.frombuffer(entry[0], dtype=np.uint32)
            weights = np.frombuffer(entry[1], dtype=np.float64)
            return _in_document_order(key, ids, weights, None, entry[2])
        order, bounds, docs, counts, starts, flat = field.arranged()
        number = field.numbers[term]
        chosen = order[bounds[number] : bounds[number + 1]]
        ids, counts = docs[chosen], counts[chosen]
        positions = (counts, flat[ranges(starts[chosen].astype(np.int64), counts.astype(np.int64))])
        return _in_document_order(key, ids, counts * self.boosts[fieldname], positions, None)

    def forget(self, fieldname: str) -> None:
        """Drop a positional field's postings (once written)."""
        self._fields.pop(fieldname, None)

    def _whoosh_postings(self, terms):
        for (fieldname, term), ids, weights, positions, values in terms:
            if values is None and fieldname in self.encoded:
                counts, flat = positions
                ends, flat = np.cumsum(counts).tolist(), flat.tolist()
                values = [encode_positions(flat[e - c : e]) for c, e in zip(counts.tolist(), ends, strict=True)]
            elif values is None:
                values = repeat(b"", len(ids))
            for docnum, weight, value in zip(ids.tolist(), weights.tolist(), values, strict=True):
                yield fieldname, term, docnum, weight, value

    def cleanup(self) -> None:
        self._terms.clear()
        self._fields.clear()
        self._count = self._positions = self._distinct = 0


def _in_document_order(key, ids, weights, positions, values) -> tuple:
    """A term's postings as (key, ids, weights, positions, values), sorted by document where merged
    segments left them out of order."""
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        order = np.argsort(ids, kind="stable")
        ids, weights = ids[order], weights[order]
        if values is not None:
            values = [values[n] for n in order]
        else:
            counts, flat = positions
            starts = (np.cumsum(counts, dtype=np.int64) - counts)[order]
            counts = counts[order]
            positions = counts, flat[ranges(starts, counts.astype(np.int64))]
    return key, ids, weights, positions, values


def _merged_terms(fieldname: str, boost: float, pooled, sources):
    """A positional field's terms from the pool (``pooled``: ``TermPool.term`` rows) and from merged
    segments' packed files (``sources``: (packed, new number of each document or -1)), one row per
    term in key order, as ``TermPool.term`` gives them."""
    streams = [((key[1], ids, positions[0], positions[1]) for key, ids, _w, positions, _v in pooled)]
    streams += [_packed_terms(packed, live, fieldname) for packed, live in sources]
    for term, group in groupby(heapq.merge(*streams, key=itemgetter(0)), key=itemgetter(0)):
        parts = list(group)
        if len(parts) == 1:
            _term, ids, counts, flat = parts[0]
        else:
            ids, counts, flat = (np.concatenate([part[n] for part in parts]) for n in (1, 2, 3))
        yield _in_document_order((fieldname, term), ids, counts * boost, (counts, flat), None)


def _packed_terms(packed, live: np.ndarray, fieldname: str):
    """A merged segment's terms of a field as (term, new document numbers, counts, flat positions),
    its deleted documents left out."""
    for term, ids, counts, flat in packed.field_terms(fieldname):
        new = live[ids]
        kept = new >= 0
        if not kept.all():
            if not kept.any():
                continue
            flat, counts = flat[np.repeat(kept, counts)], counts[kept]
        yield term, new[kept], counts, flat


class _SegmentLengths:
    """``doc_field_length`` of one new segment, each field's lengths read in one piece."""

    def __init__(self, perdoc):
        self._perdoc = perdoc
        self._fields: dict[str, list | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._lengths(fieldname)
        if lengths is None:
            return default
        return lengths[docnum]

    def array(self, fieldname) -> np.ndarray:
        """A field's length in every document of the segment, as Whoosh decodes it (0 for none)."""
        return np.array([0 if n is None else n for n in self._lengths(fieldname) or ()], dtype=np.float64)

    def _lengths(self, fieldname) -> list | None:
        if fieldname not in self._fields:
            self._fields[fieldname] = self._read(fieldname)
        return self._fields[fieldname]

    def _read(self, fieldname):
        reader = self._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return None
        coded = reader._dbfile.get(reader._basepos, reader._count)
        # the column stops at the last document with a length; the rest have none
        return [_LENGTHS[b] for b in coded] + [None] * (reader._doccount - len(coded))


class FastSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with the pool and the commit-time length lookups above.

    ``mergetype`` is the merge policy of every commit (Whoosh's public ``writer.mergetype``);
    ``after_flush(storage, schema, segment, terms)`` is called as a segment's postings are written,
    with every term of the segment in key order (``(fieldname, term, ids, weights, positions)``,
    ``positions`` being (count per posting, flat positions) or None), each once Whoosh has it;
    ``before_commit(storage, schema, segments)`` with the segments a commit is about to name, before
    the table of contents naming them is written;
    ``merged_packed(reader)``, when a segment is merged in, gives what holds its positional fields'
    terms (``field_terms(fieldname)``: ``(term, ids, counts, flat)``, deleted documents too), or
    None to read them through Whoosh, a posting at a time. Those terms are not pooled: they are
    streamed, term by term, into the new segment's files as it is written, so merging segments
    costs a chunk of terms in memory, not the segments' postings.
    """

    def __init__(
        self,
        ix,
        limitmb: int = 128,
        mergetype: Callable | None = None,
        after_flush: Callable | None = None,
        before_commit: Callable | None = None,
        merged_packed: Callable | None = None,
        **kwargs,
    ):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        schema = self.schema
        if any(schema[n].separate_spelling() or schema[n].vector for n in schema.names()):
            raise ValueError("spelling and vector fields are not written by this writer")
        boosts = {n: schema[n].format.field_boost for n in schema.names() if keeps_positions(schema[n].format)}
        encoded = frozenset(n for n in boosts if schema[n].format.supports("positions"))
        self.pool = TermPool(limitmb, boosts, encoded)
        self.mergetype = mergetype
        self.after_flush = after_flush
        self.before_commit = before_commit
        self.merged_packed = merged_packed
        self._streamed: list[tuple] = []  # (packed, new document numbers) of each segment merged in

    @property
    def has_documents(self) -> bool:
        """Whether documents were added since the writer (or its last segment) started."""
        return bool(self._added)

    def add_reader(self, reader):
        """Whoosh's ``add_reader``, keeping the exact total length of each field where no document of
        the reader was deleted: Whoosh adds up the one-byte approximations of each document's length,
        which moves every score of the joined segment a little (BM25F's average length)."""
        totals = self.perdocwriter._fieldlengths
        before = dict(totals)
        super().add_reader(reader)
        if not reader.has_deletions():
            for fieldname in list(totals):
                totals[fieldname] = before.get(fieldname, 0) + reader.field_length(fieldname)

    def write_per_doc(self, fieldnames, reader):
        """Whoosh's ``write_per_doc`` (stored fields, lengths and columns of a merged segment, a
        document at a time), with each field's lengths read once and its column read along: Whoosh
        looked for a field's lengths file once per document and field."""
        perdoc = getattr(reader, "_perdoc", None)
        if perdoc is None or fieldnames != set(self.schema.names()):
            return super().write_per_doc(fieldnames, reader)
        schema, pdw = self.schema, self.perdocwriter
        docmap = {} if reader.has_deletions() else None
        lengths = _SegmentLengths(perdoc)
        columns = {}
        for fieldname in fieldnames:
            column = schema[fieldname].column_type
            if column and reader.has_column(fieldname):
                found = reader.column_reader(fieldname, column)
                if isinstance(found, TranslatingColumnReader):
                    found = found.raw_column()
                columns[fieldname] = iter(found)  # read along, a document at a time
        at = 0  # the document the columns are at
        for docnum, stored in reader.iter_docs():
            for _deleted in range(at, docnum):
                for values in columns.values():
                    next(values)
            row = {fieldname: next(values) for fieldname, values in columns.items()}
            at = docnum + 1
            if docmap is not None:
                docmap[docnum] = self.docnum
            pdw.start_doc(self.docnum)
            # in Whoosh's order (a set's), which orders the stored fields' pickle
            for fieldname in fieldnames | {name for name in stored if name in schema}:
                fieldobj = schema[fieldname]
                pdw.add_field(fieldname, fieldobj, stored.get(fieldname), lengths.doc_field_length(docnum, fieldname))
                if fieldname in row:
                    pdw.add_column_value(fieldname, fieldobj.column_type, row[fieldname])
            pdw.finish_doc()
            self.docnum += 1
        return docmap

    def add_postings_to_pool(self, reader, startdoc, docmap):
        live = None  # the new number of each of the reader's documents, -1 for a deleted one
        packed = self.merged_packed(reader) if self.merged_packed is not None else None
        for fieldname in sorted(set(reader.indexed_field_names()) & set(self.schema.names())):
            if packed is None or fieldname not in self.pool.positional:
                self._add_field_postings(reader, fieldname, startdoc, docmap)
                continue
            if live is None:
                live = np.full(reader.doc_count_all(), -1, dtype=np.int64)
                if docmap is None:
                    live[:] = np.arange(startdoc, startdoc + len(live))
                else:
                    live[np.fromiter(docmap.keys(), np.int64, len(docmap))] = np.fromiter(
                        docmap.values(), np.int64, len(docmap)
                    )
                self._streamed.append((packed, live))

    def _add_field_postings(self, reader, fieldname, startdoc, docmap):
        """One field of a merged segment through Whoosh's matchers (live documents only)."""
        add = self.pool.add
        for term in reader.lexicon(fieldname):
            matcher = reader.postings(fieldname, term)
            while matcher.is_active():
                docnum = matcher.id()
                new = docmap[docnum] if docmap is not None else startdoc + docnum
                add((fieldname, term, new, matcher.weight(), matcher.value()))
                matcher.next()

    def add_document(self, **fields):
        """Whoosh's ``add_document``, but a positional text field's terms go to the pool in one call
        (``TermPool.add_terms``), not one call and one tuple a term."""
        self._check_state()
        perdocwriter, schema, docnum, pool = self.perdocwriter, self.schema, self.docnum, self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    items = field.index(value)
                    if fieldname in pool.positional and fieldboost == 1.0 and field.scorable:
                        length = pool.add_terms(fieldname, docnum, items)
                    else:
                        for tbytes, freq, weight, vbytes in items:
                            if field.scorable:
                                length += freq
                            pool.add((fieldname, tbytes, docnum, weight * fieldboost, vbytes))
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

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

    def _commit_toc(self, segments):
        if self.before_commit is not None:
            self.before_commit(self.storage, self.schema, segments)
        super()._commit_toc(segments)

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader()
        try:
            terms = self._write_terms(_SegmentLengths(perdoc))
            if self.after_flush is None:
                for _term in terms:
                    pass
            else:
                self.after_flush(self.storage, self.schema, self.get_segment(), terms)
            self.fieldwriter.close()
        finally:
            perdoc.close()
        self._streamed = []

    def _write_terms(self, lengths: _SegmentLengths):
        """Write Whoosh's postings and term table of the new segment, field by field, giving each term
        on (``after_flush``'s rows) once Whoosh has it: for a ``CountsOnly`` field, its statistics only."""
        pool, schema = self.pool, self.schema
        keys = pool.field_keys()
        streamed = pool.positional if self._streamed else frozenset()
        for fieldname in sorted(set(keys) | streamed):
            pooled = (pool.term((fieldname, term)) for term in keys.get(fieldname, ()))
            if fieldname in streamed:
                pooled = _merged_terms(fieldname, pool.boosts[fieldname], pooled, self._streamed)
            first = next(pooled, None)
            if first is None:
                continue
            terms = chain((first,), pooled)
            fieldobj = schema[fieldname]
            if isinstance(fieldobj.format, CountsOnly):
                terms = _with_term_statistics(self.fieldwriter, fieldname, fieldobj, terms, lengths.array(fieldname))
            else:
                terms = list(terms)
                self.fieldwriter.add_postings(schema, lengths, pool._whoosh_postings(terms))
            for (_fieldname, term), ids, weights, positions, _values in terms:
                yield fieldname, term, ids, weights, positions
            pool.forget(fieldname)  # its memory is free for the next field's arranging


_TERM_INFO = W3TermInfo._struct
_NO_POSTINGS = pickle.dumps(((), (), ()), 2)  # "inlined" postings, none: a matcher over them is empty


def _with_term_statistics(fieldwriter, fieldname: str, fieldobj, terms, lengths: np.ndarray):
    """``terms`` of a ``CountsOnly`` field, each given on once its row of the term table is written:
    its statistics as Whoosh's postings writer works them out (total weight, document frequency,
    shortest and longest document, top weight, first and last document), and no postings: the
    packed file holds them."""
    fieldwriter.start_field(fieldname, fieldobj)
    prefix = pack_ushort(fieldwriter._fieldid)
    add = fieldwriter._tindex.add
    for row in terms:
        (_fieldname, term), ids, weights, _positions, _values = row
        found = lengths[ids]
        found = found[found > 0]  # Whoosh skips a document without a length
        shortest, longest = (float(found.min()), float(found.max())) if len(found) else (None, 0)
        info = _TERM_INFO.pack(
            True,
            float(weights.sum()),
            len(ids),
            0 if shortest is None else length_to_byte(shortest),
            length_to_byte(longest),
            max(float(weights.max()), 0.0),
            int(ids[0]),
            int(ids[-1]),
        )
        add(prefix + term, info + _NO_POSTINGS)
        yield row
    fieldwriter.finish_field()
