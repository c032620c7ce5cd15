"""Read a build's sources, in worker processes when there is much to read.

Reading is parsing each file or line and finding its metadata: about a tenth of a large build's
work, and all of it done before any worker segments a document. With much to read, the units of
the sources (``source_units``: a file, or a few hundred lines of a JSON Lines file) are read by a
pool of processes, in order, each article handed back compressed (``Queued``) with its content
hash, which is all a build's plan needs of it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.documents.article import ReadError
from indexer.documents.extract import iter_files, read_unit, source_units
from indexer.index.workers import Queued

PARALLEL_FROM_BYTES = 8 * 2**20  # less than this is read in the build's own process


@dataclass(frozen=True)
class Read:
    """An article read for a build: compressed, with what the plan compares it by."""

    queued: Queued
    content_hash: str
    source: str


def _read(unit: tuple) -> list[Read | ReadError]:
    return [
        item if isinstance(item, ReadError) else Read(Queued.of(item), item.content_hash, item.source)
        for item in read_unit(unit)
    ]


def source_bytes(sources: Iterable[Path]) -> int:
    """The size of every file the sources hold (what there is to read)."""
    total = 0
    for source in sources:
        if source.exists():
            for path, _root in iter_files(source):
                try:
                    total += path.stat().st_size
                except OSError:
                    pass  # reading it says why
    return total


def read_queued(sources: list[Path], processes: int, parallel_from: int | None = None) -> Iterator[Read | ReadError]:
    """Every article of the sources (``read_sources``' order and errors), read by up to
    ``processes`` processes when the sources hold ``parallel_from`` bytes or more
    (``PARALLEL_FROM_BYTES`` unless given)."""
    units = source_units(sources)
    least = PARALLEL_FROM_BYTES if parallel_from is None else parallel_from
    if processes <= 1 or source_bytes(sources) < least:
        for unit in units:
            yield from _read(unit)
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for items in pool.imap(_read, units):
            yield from items
