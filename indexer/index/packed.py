"""Packed postings: a segment's postings and positions as flat arrays, in one file beside Whoosh's.

Whoosh keeps postings in pickled, compressed blocks, so reading a term costs Python per block
and per position list, and a server that wants it fast must keep what it decoded in memory.
For every segment it commits, our writer also writes ``<segment>.tpk``: each term's document
numbers, counts and positions as plain little-endian arrays, which the server memory-maps
(``PackedSegment``). Reading a term is then a slice of a mapped file; the operating system's
page cache is the cache, shared by every process, and a server's own memory does not grow
with the variety of queries.

The text fields' postings and positions are kept here only: Whoosh keeps those fields' term
statistics and no postings (``whoosh_w3.CountsOnly``), which spares the writer Python per posting
for Whoosh and the disk a second copy of every posting; a lost file of this layout cannot be read
again from Whoosh, and the next build rebuilds the index. The writer makes the file as it writes
the segment (``write_terms``), from its pool, where positions are kept as arrays, and from the
packed files of the segments a merge joins (``merged_packed``), streamed term by term; a chunk of
terms at a time in a few numpy calls, whichever way the segment was made (a worker process, a
staff edit, a merge). An index whose positions are in
Whoosh's postings too (``build_schema(whoosh_positions=True)``, and every index written before
these files existed) gets its missing files at its next commit, read back from Whoosh's files
(``ensure_packed``), and is read the slower way until then; where the packed file alone held the
positions and is lost, the next build rebuilds the index (``missing_packed``).
The name matches Whoosh's segment file pattern, so Whoosh deletes the file with its segment
after a merge. It is written under a temporary name and renamed into place, so a killed writer
never leaves half a file under that name; a damaged file is refused when opened
(``open_packed``), never misread.

Layout (version 2): ``MAGIC``, the header's length (8 bytes), a JSON header naming each array's
dtype, offset and length and each field's boost, then the arrays, each aligned to ``ALIGN`` bytes:

* ``keys``: every term as ``field NUL term-bytes``, sorted, joined; ``key_offsets`` (one more);
* ``post_offsets``: where each term's postings start in ``ids`` / ``counts`` (one more);
  ``pos_offsets``: where each term's positions start in ``positions`` (one more);
* ``ids`` (segment document numbers, ascending per term: uint16 in a segment of at most 65,536
  documents, else uint32), ``counts`` (how often the term stands in the document: uint16, or uint32
  past 65,535); a posting's weight is its count times its field's boost, as the schema makes them;
* ``positions`` (uint16, or uint32 when a segment has a position past 65,535), each posting's
  ``count`` of them in turn; none for fields without positions.

A file of version 1 (a float32 weight and a uint32 start of positions for every posting) is refused
like a damaged one: its index keeps its positions in Whoosh's postings too, is read through them, and
is rebuilt by the next ``tracuu index``.
"""

from __future__ import annotations

import bisect
import json
import logging
import mmap
import os
import shutil
import tempfile
from array import array
from pathlib import Path

import numpy as np
from whoosh.reading import SegmentReader

from indexer import whoosh_w3

EXTENSION = ".tpk"
MAGIC = b"TRACUPK1"
VERSION = 2
ALIGN = 64
SAMPLE_EVERY = 64  # one key in this many is kept in memory to start a lookup
FOUND_KEPT = 4096  # term lookups remembered per segment (a query looks a word up several times)
CHUNK_POSTINGS = 100_000  # postings converted at a time while writing
LET_GO_EVERY = 4096  # terms a merge reads before letting their pages go
_ORDER = ("keys", "key_offsets", "post_offsets", "pos_offsets", "ids", "counts", "positions")

log = logging.getLogger(__name__)
_UNSEEN = object()


class PackedDamaged(Exception):
    """A packed file that is not what its header says (truncated, or not ours)."""


class PackedMissing(RuntimeError):
    """A segment's positions were kept in its packed file only, and the file is missing or damaged."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(
            f"Thiếu hoặc hỏng tệp vị trí {Path(path).name} của chỉ mục; hãy dựng lại chỉ mục: tracuu index --rebuild"
        )


def packed_path(folder: str | Path, segment) -> Path:
    return Path(folder) / segment.make_filename(EXTENSION)


def term_key(fieldname: str, term: bytes) -> bytes:
    """A term as a packed file names and sorts it: ``field NUL term-bytes``."""
    return fieldname.encode("utf-8") + b"\0" + term


# --- writing ------------------------------------------------------------------------------


def write_terms(storage, schema, segment, terms) -> Path:
    """The packed file of a segment being written, from its terms as the writer gives them on
    (``FastSegmentWriter``'s ``after_flush``: from its pool, and streamed from merged segments)."""
    return _write(storage, schema, segment, terms)


def ensure_packed(storage, schema, segments) -> None:
    """Write the packed file of each of ``segments`` that lacks one (before the commit naming them)."""
    for segment in segments:
        if not packed_path(storage.folder, segment).exists():
            write_packed(storage, schema, segment)


def write_packed(storage, schema, segment) -> Path:
    """A segment's packed file read back from Whoosh's files: for segments written before packed files.

    Raises ``PackedMissing`` for a segment whose positions were kept in its packed file only.
    """
    if only_packed(schema):
        raise PackedMissing(packed_path(storage.folder, segment))
    reader = SegmentReader(storage, schema, segment)
    try:
        return _write(storage, schema, segment, _read_terms(reader, schema))
    finally:
        reader.close()


def _read_terms(reader, schema):
    """Every term of a segment as ``write_terms`` takes them, read through Whoosh."""
    for fieldname in sorted(reader.indexed_field_names()):
        if fieldname not in schema:
            continue
        keeps = positional(schema, fieldname)
        for term in reader.lexicon(fieldname):
            # deleted documents too: a packed file holds a segment as written, like its document frequencies
            ids, weights, values = whoosh_w3.read_postings(
                reader, fieldname, term, with_values=keeps, with_deleted=True
            )
            positions = None
            if keeps:  # every list decoded in one go (``decode_positions`` is one pickle.loads a posting)
                positions = whoosh_w3.unpack_positions(*whoosh_w3.pack_positions(values), np.arange(len(ids)))
            yield fieldname, term, ids, weights, positions


def positional(schema, fieldname: str) -> bool:
    """Whether a field of the schema keeps positions (False for a field it does not have)."""
    return fieldname in schema and whoosh_w3.keeps_positions(schema[fieldname].format)


def only_packed_field(schema, fieldname: str) -> bool:
    """Whether a field's postings are in the packed files only (``CountsOnly``: Whoosh keeps its
    terms' statistics, no postings)."""
    return fieldname in schema and isinstance(schema[fieldname].format, whoosh_w3.CountsOnly)


def only_packed(schema) -> bool:
    """Whether the index keeps some field's postings in its packed files only (``CountsOnly``)."""
    return any(only_packed_field(schema, name) for name in schema.names())


def segment_packed(folder: str | Path | None, segment) -> PackedSegment | None:
    """A segment's packed file mapped, or None: none, damaged (logged), or not of this segment's size."""
    found = open_packed(packed_path(folder, segment)) if folder else None
    return found if found is not None and found.doc_count == segment.doc_count_all() else None


def missing_packed(folder: str | Path, segments) -> list[Path]:
    """The packed files of ``segments`` that are missing or damaged."""
    return [packed_path(folder, segment) for segment in segments if segment_packed(folder, segment) is None]


def merged_packed(reader) -> PackedSegment | None:
    """The packed file of a segment being merged (``FastSegmentWriter``), or None to read it through
    Whoosh, which for a segment whose positions the packed file alone held raises ``PackedMissing``."""
    folder = whoosh_w3.segment_folder(reader)
    packed = segment_packed(folder, reader.segment())
    if packed is None and only_packed(reader.schema):
        raise PackedMissing(packed_path(folder or ".", reader.segment()))
    return packed


def _write(storage, schema, segment, terms) -> Path:
    """Write ``terms`` (in key order) as the segment's packed file, under a temporary name first."""
    target = packed_path(storage.folder, segment)
    # a dot-folder: Whoosh's file cleaning skips it
    with tempfile.TemporaryDirectory(prefix=".packing-", dir=storage.folder) as scratch:
        sections = _Sections(Path(scratch), schema, segment.doc_count_all())
        try:
            chunk, size = [], 0
            for term in terms:
                chunk.append(term)
                size += len(term[2])
                if size >= CHUNK_POSTINGS:
                    sections.add(chunk)
                    chunk, size = [], 0
            sections.add(chunk)
        finally:
            sections.close()
        partial = Path(scratch) / "packed"
        _assemble(partial, sections.parts(), {"doc_count": segment.doc_count_all(), **sections.header()})
        os.replace(partial, target)
    return target


class _Sections:
    """The arrays of a packed file as they grow, chunk by chunk: keys in memory, postings in scratch files."""

    def __init__(self, scratch: Path, schema, doc_count: int):
        self._scratch = scratch
        self._boosts = {name: float(getattr(schema[name].format, "field_boost", 1.0)) for name in schema.names()}
        self._doc_count = doc_count
        self._keys = bytearray()
        # eight bytes a term each (a list of Python numbers took about forty)
        self._key_offsets = array("q", [0])
        self._post_offsets = array("q", [0])
        self._pos_offsets = array("q", [0])
        self._files = {name: open(scratch / name, "wb") for name in ("ids", "counts", "positions")}
        self._postings = self._positions = self._top = self._most = 0
        self._last = b""

    def add(self, chunk: list) -> None:
        """Terms ``(fieldname, term, ids, weights, positions)``, all their arrays in a few numpy calls."""
        if not chunk:
            return
        counts = []
        for fieldname, term, ids, weights, positions in chunk:
            key = term_key(fieldname, term)
            if key <= self._last:
                raise ValueError(f"terms out of order: {key!r} after {self._last!r}")
            self._last = key
            self._keys += key
            self._key_offsets.append(len(self._keys))
            self._postings += len(ids)
            self._post_offsets.append(self._postings)
            if positions is not None:
                counts.append(np.asarray(positions[0]))
                self._positions += len(positions[1])
            else:  # a field without positions: its weights are counts times the boost too
                boost = self._boosts[fieldname]
                found = np.rint(np.asarray(weights, dtype=np.float64) / boost)
                if not np.array_equal(found * boost, np.asarray(weights, dtype=np.float64)):
                    raise ValueError(f"{fieldname}: weights that are not counts × the field's boost")
                counts.append(found)
            self._pos_offsets.append(self._positions)
        if self._positions >= 2**32:
            raise ValueError("a segment too large to pack: more than 2³² positions")
        ids = np.concatenate([np.asarray(t[2]) for t in chunk]).astype("<u4")
        counts = np.concatenate(counts).astype("<u4")
        flats = [t[4][1] for t in chunk if t[4] is not None and len(t[4][1])]
        if flats:
            flat = np.concatenate(flats)
            self._files["positions"].write(flat.astype("<u4").tobytes())
            self._top = max(self._top, int(flat.max(initial=0)))
        self._most = max(self._most, int(counts.max(initial=0)))
        self._files["ids"].write(ids.tobytes())
        self._files["counts"].write(counts.tobytes())

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()

    def header(self) -> dict:
        return {
            "terms": len(self._key_offsets) - 1,
            "postings": self._postings,
            "positions": self._positions,
            "boosts": self._boosts,
        }

    def parts(self) -> dict:
        scratch = self._scratch
        return {
            "keys": np.frombuffer(bytes(self._keys), dtype=np.uint8),
            "key_offsets": np.frombuffer(self._key_offsets, dtype=np.int64).astype("<i8"),
            "post_offsets": np.frombuffer(self._post_offsets, dtype=np.int64).astype("<i8"),
            "pos_offsets": np.frombuffer(self._pos_offsets, dtype=np.int64).astype("<i8"),
            "ids": (scratch / "ids", "<u2" if self._doc_count <= 2**16 else "<u4"),
            "counts": (scratch / "counts", "<u2" if self._most < 2**16 else "<u4"),
            "positions": (scratch / "positions", "<u4" if self._top >= 2**16 else "<u2"),
        }


def _assemble(path: Path, sections: dict, counts: dict) -> None:
    """One file: magic, header, then every section aligned (scratch files copied, narrowed where they fit)."""
    layout, position = {}, 0
    for name in _ORDER:
        section = sections[name]
        if isinstance(section, np.ndarray):
            dtype, length = section.dtype.str, len(section)
        else:
            source, dtype = section
            length = source.stat().st_size // 4  # written as 4-byte items
        layout[name] = [dtype, position, length]
        position += _aligned(length * np.dtype(dtype).itemsize)
    header = json.dumps({"version": VERSION, **counts, "arrays": layout}).encode("utf-8")
    start = _aligned(len(MAGIC) + 8 + len(header))
    with open(path, "wb") as out:
        out.write(MAGIC + len(header).to_bytes(8, "little") + header)
        for name in _ORDER:
            out.seek(start + layout[name][1])
            section = sections[name]
            if isinstance(section, np.ndarray):
                out.write(section.tobytes())
                continue
            source, dtype = section
            with open(source, "rb") as handle:
                if np.dtype(dtype).itemsize == 4:
                    shutil.copyfileobj(handle, out, 1 << 22)
                    continue
                while chunk := handle.read(1 << 22):
                    out.write(np.frombuffer(chunk, dtype="<u4").astype(dtype).tobytes())
        out.truncate(start + position)
        out.flush()
        os.fsync(out.fileno())


def _aligned(size: int) -> int:
    return -(-size // ALIGN) * ALIGN


# --- reading ------------------------------------------------------------------------------


def open_packed(path: Path) -> PackedSegment | None:
    """The packed file at ``path`` mapped, or None if there is none or it is damaged (logged)."""
    try:
        return PackedSegment(path)
    except FileNotFoundError:
        return None
    except (PackedDamaged, ValueError, OSError) as exc:
        log.warning("packed postings %s unusable (%s): read through Whoosh until the next commit", path, exc)
        return None


class PackedSegment:
    """One segment's packed file, memory-mapped: postings and positions of a term as array slices."""

    def __init__(self, path: Path):
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < len(MAGIC) + 8:
                raise PackedDamaged("shorter than its header")
            # plain arrays over the mapping (numpy's memmap class slices in Python)
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        raw = self._map
        if raw[: len(MAGIC)] != MAGIC:
            raise PackedDamaged("not a packed postings file")
        length = int.from_bytes(raw[len(MAGIC) : len(MAGIC) + 8], "little")
        header = json.loads(raw[len(MAGIC) + 8 : len(MAGIC) + 8 + length])
        if header.get("version") != VERSION:
            raise PackedDamaged(f"written by another version of tracuu ({header.get('version')})")
        start = _aligned(len(MAGIC) + 8 + length)
        self.doc_count = header["doc_count"]
        arrays = {}
        for name, (dtype, offset, count) in header["arrays"].items():
            dtype = np.dtype(dtype)
            if start + offset + count * dtype.itemsize > size:
                raise PackedDamaged(f"{name} runs past the end of the file")
            arrays[name] = np.frombuffer(raw, dtype=dtype, count=count, offset=start + offset)
        self._array_at = {name: start + offset for name, (_dtype, offset, _count) in header["arrays"].items()}
        self._let_go_to: dict[str, int] = {}
        self._keys_at = start + header["arrays"]["keys"][1]
        self._key_offsets = arrays["key_offsets"]
        self._post_offsets = arrays["post_offsets"]
        self._ids = arrays["ids"]
        self._positions = arrays["positions"]
        self._counts = arrays["counts"]
        self._pos_offsets = arrays["pos_offsets"]
        self.terms = len(self._key_offsets) - 1
        lengths = (len(self._post_offsets), len(self._pos_offsets), len(self._counts))
        if lengths != (self.terms + 1, self.terms + 1, len(self._ids)):
            raise PackedDamaged("its arrays do not agree in length")
        self._sample = [self._key(n) for n in range(0, self.terms, SAMPLE_EVERY)]
        self._found: dict[bytes, int | None] = {}
        # each field's first term and boost, for a term's weights (version 2)
        fields = sorted(header.get("boosts", {}).items())
        self._field_starts = [self._first_term(name) for name, _boost in fields]
        self._field_boosts = [boost for _name, boost in fields]

    def _first_term(self, fieldname: str) -> int:
        return bisect.bisect_left(range(self.terms), fieldname.encode("utf-8") + b"\0", key=self._key)

    def _boost(self, n: int) -> float:
        """The boost of term ``n``'s field."""
        return self._field_boosts[bisect.bisect_right(self._field_starts, n) - 1]

    def _key(self, n: int) -> bytes:
        at = self._keys_at
        return self._map[at + int(self._key_offsets[n]) : at + int(self._key_offsets[n + 1])]

    def find(self, fieldname: str, term: bytes) -> int | None:
        """The number of a term in this segment, or None."""
        return self.find_key(term_key(fieldname, term))

    def find_key(self, key: bytes) -> int | None:
        """``find`` by the term's ``term_key``."""
        found = self._found.get(key, _UNSEEN)  # one lookup: another thread may clear the memo meanwhile
        if found is not _UNSEEN:
            return found
        block = bisect.bisect_right(self._sample, key) - 1
        found = None
        if block >= 0:
            low = block * SAMPLE_EVERY
            high = min(low + SAMPLE_EVERY, self.terms)
            n = bisect.bisect_left(range(low, high), key, key=self._key) + low
            found = n if n < high and self._key(n) == key else None
        if len(self._found) >= FOUND_KEPT:
            self._found.clear()
        self._found[key] = found
        return found

    def field_sizes(self) -> dict[str, dict[str, int]]:
        """Per field: its terms, postings and positions, and the bytes each takes in this file."""
        out = {}
        starts = np.frombuffer(self._map, dtype=np.uint8, count=len(self._map))
        keys = starts[self._keys_at : self._keys_at + int(self._key_offsets[-1])].tobytes()
        fields = [keys[a : keys.index(b"\0", a)] for a in self._key_offsets[:-1].tolist()]
        first = {}
        for n, name in enumerate(fields):
            first.setdefault(name, [n, n])[1] = n + 1
        per_posting = self._ids.itemsize + self._counts.itemsize
        for name, (low, high) in first.items():
            begin, end = int(self._post_offsets[low]), int(self._post_offsets[high])
            positions = int(self._pos_offsets[high]) - int(self._pos_offsets[low])
            key_bytes = int(self._key_offsets[high] - self._key_offsets[low]) + 24 * (high - low)
            out[name.decode("utf-8")] = {
                "terms": high - low,
                "postings": end - begin,
                "positions": positions,
                "bytes": key_bytes + (end - begin) * per_posting + positions * self._positions.itemsize,
            }
        return out

    def field_terms(self, fieldname: str):
        """Every term of a field, in order: (term bytes, ids, counts, flat positions), as arrays.

        For merges, which read each term once: the pages read are let go as the terms are (a
        merge of large segments would otherwise hold their files' pages in its own memory).
        """
        prefix = fieldname.encode("utf-8") + b"\0"
        n = self._first_term(fieldname)
        while n < self.terms and (key := self._key(n)).startswith(prefix):
            ids, _counts, _boost = self.posting_counts(n)
            counts, flat = self.positions(n, ids)
            yield key[len(prefix) :], ids, counts, flat
            n += 1
            if n % LET_GO_EVERY == 0:
                self._let_go_before(n)
        self._let_go_before(n)

    def _let_go_before(self, n: int) -> None:
        """Unmap from this process the pages of terms before ``n``'s postings and positions (the
        page cache keeps them; a later read maps them again)."""
        if not hasattr(mmap, "MADV_DONTNEED"):
            return
        posting, position = int(self._post_offsets[n]), int(self._pos_offsets[n])
        for name, values, upto in (
            ("ids", self._ids, posting),
            ("counts", self._counts, posting),
            ("positions", self._positions, position),
        ):
            at = self._array_at[name]
            begin = self._let_go_to.get(name, at - at % mmap.PAGESIZE)
            end = at + upto * values.itemsize
            end -= end % mmap.PAGESIZE
            if end > begin:
                self._map.madvise(mmap.MADV_DONTNEED, begin, end - begin)
                self._let_go_to[name] = end

    def prefix_counts(self, fieldname: str, prefix: str, most: int) -> list[tuple[str, int]]:
        """The first ``most`` terms of a field that start with ``prefix``, in order, each with how
        many documents it was written in (deleted ones included, as ``count``)."""
        start = term_key(fieldname, prefix.encode("utf-8"))
        low = bisect.bisect_left(range(self.terms), start, key=self._key)
        bound = min(low + most, self.terms)
        # no UTF-8 byte is 0xFF: every key starting with ``start`` sorts before this one
        high = bisect.bisect_left(range(low, bound), start + b"\xff", key=self._key) + low
        if high == low:
            return []
        offsets = self._key_offsets[low : high + 1].astype(np.int64)
        at = self._keys_at + int(offsets[0])
        blob = bytes(self._map[at : self._keys_at + int(offsets[-1])])
        cut = (offsets - offsets[0]).tolist()
        skip = len(fieldname.encode("utf-8")) + 1
        terms = [blob[cut[i] + skip : cut[i + 1]].decode("utf-8") for i in range(high - low)]
        return list(zip(terms, np.diff(self._post_offsets[low : high + 1]).tolist(), strict=True))

    def count(self, n: int) -> int:
        """How many postings term ``n`` has (its document frequency in this segment)."""
        return int(self._post_offsets[n + 1] - self._post_offsets[n])

    def posting_counts(self, n: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Term ``n``'s document numbers (ascending) and counts as mapped views, and its field's boost:
        its weights are the counts times the boost (``postings``)."""
        begin, end = self._post_offsets[n], self._post_offsets[n + 1]
        return self._ids[begin:end], self._counts[begin:end], self._boost(n)

    def postings(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Term ``n``'s document numbers (ascending) and weights (float32)."""
        ids, counts, boost = self.posting_counts(n)
        return ids, counts * np.float32(boost)

    def positions(self, n: int, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Term ``n``'s positions in ``docs`` (ascending, each holding the term): (count per doc, flat)."""
        begin, end = int(self._post_offsets[n]), int(self._post_offsets[n + 1])
        low, high = int(self._pos_offsets[n]), int(self._pos_offsets[n + 1])
        if low == high:  # a field without positions
            return np.zeros(len(docs), dtype=np.int64), np.empty(0, dtype=np.int32)
        counts = self._counts[begin:end]
        if len(docs) == end - begin:  # every document of the term: one slice, nothing to gather
            return counts.astype(np.int64), self._positions[low:high].astype(np.int32)
        if not len(docs):
            return np.zeros(0, dtype=np.int64), np.empty(0, dtype=np.int32)
        rows = np.searchsorted(self._ids[begin:end], docs)
        # where each wanted row's positions start: the counts before it, summed between the rows
        # asked for (one pass, no running total of a long list kept)
        between = np.add.reduceat(counts, rows, dtype=np.int64)
        starts = np.empty(len(rows), dtype=np.int64)
        starts[0] = low + int(counts[: rows[0]].sum(dtype=np.int64))
        np.cumsum(between[:-1], out=starts[1:])
        starts[1:] += starts[0]
        wanted = counts[rows].astype(np.int64)
        return wanted, self._positions[whoosh_w3.ranges(starts, wanted)].astype(np.int32)
