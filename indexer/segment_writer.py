"""Whoosh's segment writer with less Python work per posting; the files it writes are the same.

It also commits segments that worker processes wrote beside it (``commit_with``).

Most of a build's time after pyvi is Whoosh handling postings one by one. Two of those steps
are costly for no reason of the format:

* at commit, every posting's field length is read back from the segment's lengths file,
  with a seek and a column lookup each; here each field's lengths are read once, as bytes;
* the pool keeps a tuple per posting and sorts them all (see ``TermPool``).

This relies on ``SegmentWriter`` internals of the pinned whoosh-reloaded, like ``arrays`` does
on the reading side.
"""

from __future__ import annotations

from array import array

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

# what W3PerDocReader.doc_field_length gives for each stored length byte (None for 0)
_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]


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
            rows = zip(ids, weights, values)
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


SMALL_SEGMENT = 2000  # documents: below this a segment is cheap to merge
MERGE_AT = 4  # small segments left before they are merged into the new one


def merge_small_segments(writer: SegmentWriter, segments: list) -> list:
    """Merge segments of fewer than SMALL_SEGMENT documents, once there are MERGE_AT of them.

    Whoosh's own policy merges by a Fibonacci rule that, with the twenty-odd segments a large
    rebuild now leaves, decides to merge most of the index into one at the next small update:
    minutes of work and gigabytes in one process. Large segments are left as they are; merging
    them costs about as much as indexing their documents again.
    """
    small = [s for s in segments if s.doc_count_all() < SMALL_SEGMENT]
    if len(small) < MERGE_AT:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s.doc_count_all() >= SMALL_SEGMENT]


class FastSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with the pool and the commit-time length lookups above."""

    def __init__(self, ix, limitmb=128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(limitmb)

    def _merge_segments(self, mergetype, optimize, merge):
        if mergetype is None and not (self.optimize if optimize is None else optimize):
            if self.merge if merge is None else merge:
                mergetype = merge_small_segments
        return super()._merge_segments(mergetype, optimize, merge)

    def add_reader(self, reader):
        self.pool.merged = True
        super().add_reader(reader)

    def commit_with(self, segments: list) -> None:
        """Commit this writer's changes together with finished segments written beside it."""
        self._check_state()
        final = self._merge_segments(None, False, True) + list(segments)
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
