"""Whoosh's segment writer with less Python work per posting; the files it writes are the same.

It also commits segments that worker processes wrote beside it (``commit_with``).

Most of a build's time after pyvi is Whoosh handling postings one by one. Two of those steps
are costly for no reason of the format:

* at commit, every posting's field length is read back from the segment's lengths file,
  with a seek and a column lookup each; here each field's lengths are read once, as bytes;
* each posting added to the pool is checked with ``assert`` and sized field by field;
  here it is appended with a rough size, which only decides when the pool spills to disk.

This relies on ``SegmentWriter`` internals of the pinned whoosh-reloaded, like ``arrays`` does
on the reading side.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

# what W3PerDocReader.doc_field_length gives for each stored length byte (None for 0)
_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]


class _Pool(PostingPool):
    def add(self, item):
        # item = (fieldname, term bytes, docnum, weight, value bytes)
        self.fieldnames.add(item[0])
        self.currentsize += 150 + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)


class _SegmentLengths:
    """``doc_field_length`` of one new segment, each field's lengths read in one piece."""

    def __init__(self, perdoc):
        self._perdoc = perdoc
        self._fields: dict[str, list | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._fields.get(fieldname, default)
        if lengths is default:
            lengths = self._fields[fieldname] = self._read(fieldname)
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
    """``SegmentWriter`` with the pool and the commit-time length lookups above."""

    def __init__(self, ix, limitmb=128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _Pool(self._tempstorage, self.newsegment, limitmb=limitmb)

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
