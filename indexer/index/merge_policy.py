"""The merge policy handed to every commit: small segments merged, large ones left alone."""

from __future__ import annotations

from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

SMALL_SEGMENT = 2000  # documents: below this a segment is cheap to merge
MERGE_AT = 4  # small segments left before they are merged into the new one


def merge_small_segments(writer: SegmentWriter, segments: list) -> list:
    """Merge segments of fewer than SMALL_SEGMENT documents, once there are MERGE_AT of them.

    Whoosh's own policy merges by a Fibonacci rule that, with the twenty-odd segments a large
    rebuild leaves, decides to merge most of the index into one at the next small update:
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
