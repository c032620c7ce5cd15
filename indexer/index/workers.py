"""Prepare and write documents in worker processes, each into a new segment of its own.

Both halves of indexing a document are Python: pyvi segmenting it, and Whoosh pooling, sorting
and encoding its postings. With one writer process the second half ran serially beside the
pyvi workers, and the commit (a third of the work) ran alone at the end. Here every worker
does everything for its share of the documents and hands back finished segments (a new one
each time its postings fill ``pool_mb``, the ``index_pool_mb`` setting), joined at the end
so that a build leaves at most ``MOST_SEGMENTS`` (``join_segments``: a search reads every
segment, and a large pool to make fewer costs memory); the segments become part of the index
only when the parent commits its table of contents, so a build that fails or is killed leaves the
last commit as it was.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import queue
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from indexer.documents.article import Article
from indexer.index.merge_policy import merge_small_segments
from indexer.index.packed import ensure_packed, merged_packed, write_terms
from indexer.text.analysis import load_segmenter
from indexer.whoosh_w3 import FastSegmentWriter

REPORT_EVERY = 16  # documents between progress messages
SENT_TOGETHER = 64  # articles a worker is sent at a time
MOST_SEGMENTS = 4  # segments the workers of one build leave together, at most (one each past four workers)


class WorkerFailed(RuntimeError):
    """A worker process failed or died; nothing it wrote is committed."""


@dataclass(frozen=True)
class Queued:
    """An article waiting to be indexed, kept compressed until a worker takes it.

    A large build holds every article it will index while its workers run: as objects, about
    twice their text's size (Python keeps Vietnamese text at two bytes a letter), several hundred
    megabytes at 100,000 articles; compressed, a fraction of that. ``added`` and ``changed`` are
    the build's, set on the article when it is taken out.
    """

    id: str
    size: int  # letters of title and body: how shares are balanced
    blob: bytes
    added: str | None = None
    changed: str | None = None

    @classmethod
    def of(cls, article: Article) -> Queued:
        blob = zlib.compress(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL), 1)
        return cls(article.id, len(article.title) + len(article.body) + 1, blob, article.added, article.changed)

    def article(self) -> Article:
        article = pickle.loads(zlib.decompress(self.blob))
        article.added, article.changed = self.added, self.changed
        return article


def shares(articles: list[Queued], workers: int) -> list[list[Queued]]:
    """Consecutive runs of the articles with about the same amount of text in each."""
    total = sum(a.size for a in articles)
    out: list[list[Queued]] = [[] for _ in range(workers)]
    running = 0
    for article in articles:
        out[min(workers - 1, running * workers // total)].append(article)
        running += article.size
    return [share for share in out if share]


def write_segments(
    generation: Path,
    articles: list[Queued],
    prepare: Callable[[Article], dict],
    workers: int,
    pool_mb: int,
    progress: Callable[[int], None] | None = None,
) -> list:
    """Segments holding ``articles`` (in order) as ``prepare`` makes them, written by up to ``workers`` processes.

    A worker whose postings pass ``pool_mb`` megabytes finishes its segment and starts another.
    """
    load_segmenter()  # pyvi's model, loaded once before the fork
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    parts = shares(articles, workers)
    most = max(1, MOST_SEGMENTS // len(parts))
    # each worker is sent its articles a few at a time: given its share in the fork, it copied
    # every page of the parent's it touched, the whole share by the end of a large build
    pipes = [context.Pipe(duplex=False) for _ in parts]
    processes = [
        context.Process(
            target=_write_share, args=(str(generation), n, pipes[n][0], prepare, pool_mb, most, messages), daemon=True
        )
        for n in range(len(parts))
    ]
    # the parent's objects stay the parent's: a worker's collections skip them, not copying every page they touch
    gc.freeze()
    try:
        for process in processes:
            process.start()
    finally:
        gc.unfreeze()
    for receiving, _sending in pipes:
        receiving.close()  # the workers' own: a worker that dies leaves its sender nobody to block on
    senders = [
        threading.Thread(target=_send_share, args=(pipes[n][1], share), daemon=True) for n, share in enumerate(parts)
    ]
    for sender in senders:
        sender.start()
    segments: dict[int, list] = {}
    try:
        while len(segments) < len(processes):
            try:
                kind, n, payload = messages.get(timeout=1)
            except queue.Empty:
                if any(not p.is_alive() and p.exitcode != 0 for p in processes):
                    raise WorkerFailed("một tiến trình lập chỉ mục đã dừng đột ngột") from None
                continue
            if kind == "progress" and progress:
                progress(payload)
            elif kind == "segments":
                segments[n] = payload
            elif kind == "error":
                raise WorkerFailed(f"một tiến trình lập chỉ mục gặp lỗi: {payload}")
    finally:
        for process in processes:
            if process.is_alive() and len(segments) < len(processes):
                process.terminate()
            process.join()
        for _receiving, sending in pipes:
            sending.close()  # a sender still waiting on a stopped worker gives up
        for sender in senders:
            sender.join()
    return [segment for n in range(len(processes)) for segment in segments[n]]


def _send_share(connection, share: list[Queued]) -> None:
    try:
        for start in range(0, len(share), SENT_TOGETHER):
            connection.send(share[start : start + SENT_TOGETHER])
        connection.send(None)
    except (OSError, ValueError, TypeError):  # the worker stopped, or the build ended and closed the pipe
        pass


def _received(connection, parent: int):
    """The articles sent to a worker, until the end of its share; none once the parent is gone."""
    while True:
        while not connection.poll(1):
            if os.getppid() != parent:
                return  # the build was killed: stop, nothing will commit this
        sent = connection.recv()
        if sent is None:
            return
        for queued in sent:
            if os.getppid() != parent:
                return
            yield queued


def segment_writer(ix, pool_mb: int, lock: bool = True, wait: float = 0.0) -> FastSegmentWriter:
    """A writer of separate (memory-mapped, not compound) segment files, with our merge policy;
    ``wait``: seconds to wait for Whoosh's write lock."""
    return FastSegmentWriter(
        ix,
        _lk=lock,
        timeout=wait,
        limitmb=pool_mb,
        compound=False,
        mergetype=merge_small_segments,
        after_flush=write_terms,
        before_commit=ensure_packed,
        merged_packed=merged_packed,
    )


def join_segments(ix, segments: list, most: int, pool_mb: int) -> list:
    """Consecutive new segments joined into at most ``most``, in order: each time the two neighbours
    with the fewest documents together. The text fields' postings are streamed from their packed
    files (``FastSegmentWriter``), so a join costs little memory and no analysis."""
    segments = list(segments)
    while len(segments) > most:
        together = [a.doc_count_all() + b.doc_count_all() for a, b in zip(segments, segments[1:], strict=False)]
        at = together.index(min(together))
        writer = segment_writer(ix, pool_mb, lock=False)
        for segment in segments[at : at + 2]:
            reader = SegmentReader(ix.storage, ix.schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        segments[at : at + 2] = [writer.finish_segment()]
    return segments


def _give_back_memory() -> None:
    """Free what a finished segment's writer held (its objects refer to each other: only a
    collection frees them) and hand it back to the system (glibc keeps freed blocks for reuse,
    and the next pool, growing differently, reuses them only in part)."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _write_share(generation: str, n: int, connection, prepare, pool_mb: int, most: int, messages) -> None:
    parent = os.getppid()
    try:
        ix = whoosh_index.open_dir(generation)
        segments = []
        # no lock: the parent holds the build lock and commits
        writer = segment_writer(ix, pool_mb, lock=False)
        done = 0
        for queued in _received(connection, parent):
            writer.add_document(**prepare(queued.article()))
            done += 1
            if writer.pool.full:
                segments.append(writer.finish_segment())
                writer = None
                _give_back_memory()
                writer = segment_writer(ix, pool_mb, lock=False)
            if done % REPORT_EVERY == 0:
                messages.put(("progress", n, REPORT_EVERY))
        if os.getppid() != parent:
            return
        if writer.has_documents:
            segments.append(writer.finish_segment())
        segments = join_segments(ix, segments, most, pool_mb)
        messages.put(("progress", n, done % REPORT_EVERY))
        messages.put(("segments", n, segments))
    except BaseException as exc:  # reported to the parent, which raises it
        messages.put(("error", n, f"{type(exc).__name__}: {exc}"))
