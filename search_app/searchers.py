"""One open searcher per server thread, reopened only when the index has a new commit.

The check per request is cheap: where the `current` link points, and whether Whoosh's
table of contents has a newer generation. Staff reindexing shows up without a restart,
and a request never sees a half-written index.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.arrays import index_arrays
from indexer.build import CURRENT, IndexMissing, current_generation
from indexer.schema import TEXT_FIELDS


class SearcherPool:
    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)
        self._local = threading.local()

    def _target(self) -> Path:
        generation = current_generation(self.index_dir)
        if generation is None:
            raise IndexMissing(f"Chưa có chỉ mục trong thư mục {self.index_dir}")
        return generation

    def get(self):
        """The thread's searcher, fresh as of the last commit."""
        local = self._local
        link = self.index_dir / CURRENT
        pointed = os.readlink(link) if link.is_symlink() else None
        searcher = getattr(local, "searcher", None)
        if searcher is None or pointed != getattr(local, "pointed", None) or not searcher.up_to_date():
            if searcher is not None:
                searcher.close()
            # a fresh reader, not Searcher.refresh(): whoosh-reloaded's reader reuse keeps
            # stale deletion lists, so updated documents would show twice
            ix = whoosh_index.open_dir(str(self._target()))
            local.searcher, local.pointed = ix.searcher(), pointed
        return local.searcher


def warm(searcher) -> None:
    """Read the arrays every search needs (facet columns, field lengths, dates) ahead of requests."""
    arrays = index_arrays(searcher)
    for name in ("unit", "type", "year", "month", "dated"):
        arrays.column(name)
    for name in (*TEXT_FIELDS, "number", "numbers"):
        arrays.lengths(name)
    arrays.dates()
