"""Prepare and write documents in worker processes, each into a new segment of its own.

Both halves of indexing a document are Python: pyvi segmenting it, and Whoosh pooling, sorting
and encoding its postings. With one writer process the second half ran serially beside the
pyvi workers, and the commit (a third of the work) ran alone at the end. Here every worker
does everything for its share of the documents and hands back finished segments (a new one
each time its postings fill ``TRACUU_INDEX_POOL_MB``, 256 by default); the segments
become part of the index only when the parent commits its table of contents, so a build that
fails or is killed leaves the last commit as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.article import Article
from indexer.segment_writer import FastSegmentWriter

POOL_MB = 256  # per worker, unless TRACUU_INDEX_POOL_MB says otherwise: a fuller pool starts a new segment
REPORT_EVERY = 16  # documents between progress messages


class WorkerFailed(RuntimeError):
    """A worker process failed or died; nothing it wrote is committed."""


def shares(articles: list[Article], workers: int) -> list[list[Article]]:
    """Consecutive runs of the articles with about the same amount of text in each."""
    sizes = [len(a.title) + len(a.body) + 1 for a in articles]
    total = sum(sizes)
    out: list[list[Article]] = [[] for _ in range(workers)]
    running = 0
    for article, size in zip(articles, sizes):
        out[min(workers - 1, running * workers // total)].append(article)
        running += size
    return [share for share in out if share]


def write_segments(
    generation: Path,
    articles: list[Article],
    prepare: Callable[[Article], dict],
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> list:
    """Segments holding ``articles`` (in order) as ``prepare`` makes them, written by up to ``workers`` processes."""
    from indexer.analysis import _tokenizer

    _tokenizer()  # load pyvi's model once, before the fork
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    parts = shares(articles, workers)
    processes = [
        context.Process(target=_write_share, args=(str(generation), n, share, prepare, messages), daemon=True)
        for n, share in enumerate(parts)
    ]
    for process in processes:
        process.start()
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
    return [segment for n in range(len(processes)) for segment in segments[n]]


def _writer(ix) -> FastSegmentWriter:
    # no lock: the parent holds the build lock and commits; the temporary folder is shared,
    # so it is left for the parent to remove
    limit = int(os.environ.get("TRACUU_INDEX_POOL_MB", POOL_MB))
    return FastSegmentWriter(ix, _lk=False, limitmb=limit, compound=False)


def _write_share(generation: str, n: int, articles: list[Article], prepare, messages) -> None:
    parent = os.getppid()
    try:
        ix = whoosh_index.open_dir(generation)
        segments = []
        writer = _writer(ix)
        for done, article in enumerate(articles, start=1):
            writer.add_document(**prepare(article))
            if writer.pool.full:
                segments.append(writer._finalize_segment())
                writer = _writer(ix)
            if done % REPORT_EVERY == 0:
                if os.getppid() != parent:
                    return  # the build was killed: stop, nothing will commit this
                messages.put(("progress", n, REPORT_EVERY))
        if writer._added:
            segments.append(writer._finalize_segment())
        messages.put(("progress", n, len(articles) % REPORT_EVERY))
        messages.put(("segments", n, segments))
    except BaseException as exc:  # reported to the parent, which raises it
        messages.put(("error", n, f"{type(exc).__name__}: {exc}"))
