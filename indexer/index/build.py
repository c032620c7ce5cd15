"""Build and update the Whoosh index: incremental by content hash, crash-safe, one build at a time.

Layout of an index folder::

    INDEX/current      -> gen-<n>   (symlink, swapped atomically)
    INDEX/gen-<n>/                   a Whoosh index
    INDEX/build.lock                 held while a build runs

Incremental updates write into the current generation; Whoosh only makes new segments
visible when its table of contents is renamed into place at commit, so a killed build leaves
the last commit intact. ``rebuild=True`` builds a new generation beside the old one and swaps
the symlink at the end; searchers keep using the old one until they reopen.

A build reads its sources and works out what to add, replace and remove before it takes the
lock (reading may be slow, and a hostile file must not hold up other builds and staff changes);
under the lock it checks that no commit came in meanwhile, and plans again if one did.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import filelock
from whoosh import index as whoosh_index
from whoosh.index import Index

from indexer import whoosh_w3
from indexer.documents.article import Article, ReadError
from indexer.documents.relations import number_key
from indexer.documents.structure import signer_key
from indexer.index.packed import missing_packed, only_packed
from indexer.index.reading import read_queued
from indexer.index.schema import TEXT_FIELDS, build_schema
from indexer.index.workers import REPORT_EVERY, Queued, segment_writer, shares, write_segments
from indexer.text.analysis import load_segmenter, presegment
from indexer.text.normalise import fold_accents

CURRENT = "current"
LOCK = "build.lock"
ORPHANS_WAIT = 30.0  # seconds a build waits for a killed build's workers to let Whoosh's lock go
SOURCES = "sources.json"
INLINE_LIMIT = 200  # fewer documents than this are written in this process, as one segment
POOL_MB = 256  # postings a writer holds before it starts a new segment (per worker process)


class IndexBusy(RuntimeError):
    """Another build holds the lock."""


class IndexMissing(RuntimeError):
    """No index has been built in this folder yet."""


class SourcesMissing(RuntimeError):
    """A source to index is missing or cannot be read; nothing was changed."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        names = ", ".join(str(p) for p in paths)
        super().__init__(f"Không tìm thấy hoặc không đọc được nguồn: {names}. Chỉ mục không thay đổi.")


def unusable_sources(sources: Iterable[str | Path]) -> list[Path]:
    """The sources that are not a readable folder or regular file."""
    bad = []
    for source in sources:
        path = Path(source)
        readable = os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0))
        if not (path.is_dir() or path.is_file()) or not readable:
            bad.append(path)
    return bad


@dataclass
class BuildReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    errors: list[ReadError] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: str | None = None  # why an existing index was rebuilt without being asked (for the person)

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.removed


def current_generation(index_dir: Path) -> Path | None:
    link = Path(index_dir) / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if whoosh_index.exists_in(str(target)) else None


def index_exists(index_dir: str | Path) -> bool:
    return current_generation(Path(index_dir)) is not None


def open_index(index_dir: str | Path) -> Index:
    """The last committed index of the folder."""
    generation = current_generation(Path(index_dir))
    if generation is None:
        raise IndexMissing(f"Chưa có chỉ mục trong thư mục {index_dir}")
    return whoosh_index.open_dir(str(generation))


def recorded_sources(index_dir: str | Path) -> list[Path]:
    """Every folder or file this index has been built from: what "reindex all" reads again."""
    path = Path(index_dir) / SOURCES
    return [Path(p) for p in json.loads(path.read_text("utf-8"))] if path.exists() else []


def _record_sources(index_dir: Path, roots: list[Path]) -> None:
    # a source built while missing was removed on purpose (``remove_missing``): forget it
    known = [k for k in recorded_sources(index_dir) if k not in roots or k.exists()]
    for root in roots:
        if root.exists() and not _under(str(root), known):
            known = [k for k in known if not _under(str(k), [root])] + [root]
    tmp = index_dir / f".{SOURCES}.{os.getpid()}"
    tmp.write_text(json.dumps([str(k) for k in known], ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, index_dir / SOURCES)


def _number_keywords(numbers: Iterable[str]) -> str:
    """Each number lower case, accented and folded, also without leading zeros ("02/HD" is "hd 2")."""
    forms: dict[str, None] = {}
    for number in numbers:
        for form in (number.lower(), fold_accents(number).lower()):
            forms.setdefault(form, None)
            forms.setdefault(form.lstrip("0") if form[:1] == "0" and form[1:2].isdigit() else form, None)
    return ",".join(forms)


_NOT_ALNUM = re.compile(r"[\W_]+")  # what is not a letter or digit (str.isalnum)


def duplicate_key(article: Article) -> int:
    """The same for two copies of one article whatever their source: its title and the start of
    its text, folded, letters and digits only (a 63-bit digest; never 0, which means "none")."""

    def letters(text: str) -> str:
        return _NOT_ALNUM.sub("", fold_accents(text).lower())

    # the first 300 letters of the body, folding no more of it than it takes (text folds char by char,
    # so the letters of a prefix are a prefix of the letters)
    for size in (500, 2000, len(article.body)):
        start = letters(article.body[:size])
        if len(start) >= 300:
            break
    digest = hashlib.blake2b((letters(article.title) + "|" + start[:300]).encode(), digest_size=8)
    return (int.from_bytes(digest.digest(), "big") >> 1) or 1


def prepare(article: Article) -> dict:
    """Everything Whoosh needs for one article; the slow part (pyvi) runs here, in a worker."""
    title_words = presegment(article.title)
    extra = "\n".join([*article.captions, *article.tags])
    body_words = presegment(article.body + ("\n" + extra if extra else ""))
    fields: dict = {
        "id": article.id,
        "title_exact": title_words,
        "title_folded": title_words,
        "body_exact": body_words,
        "body_folded": body_words,
        "number": _number_keywords([article.number] if article.number else []),
        "numbers": _number_keywords(article.numbers),
        "relations": ",".join(dict.fromkeys(f"{r['kind']}:{number_key(r['number'])}" for r in article.relations)),
        "type": article.type,
        "dated": "1" if article.date else "0",
        "source": article.source,
        "hash": article.content_hash,
        "dupkey": duplicate_key(article),
        "doc": article.to_dict(),
    }
    for name in ("added", "changed"):
        if getattr(article, name):
            fields[name] = datetime.fromisoformat(getattr(article, name)).replace(tzinfo=None)
    if article.unit:
        fields["unit"] = article.unit
    if article.signer:
        fields["signer"] = signer_key(article.signer)
    if article.date:
        fields["date"] = datetime(article.date.year, article.date.month, article.date.day)
        fields["year"] = f"{article.date.year:04d}"
        fields["month"] = f"{article.date.year:04d}-{article.date.month:02d}"
    return fields


def _existing(ix: Index) -> dict[str, tuple[str, str, str | None, str | None]]:
    """id -> (hash, source, added, changed) for every document of the index."""
    with ix.reader() as reader:
        ids, hashes, sources = (reader.column_reader(name) for name in ("id", "hash", "source"))
        times = [reader.column_reader(name) if name in ix.schema else None for name in ("added", "changed")]
        return {
            ids[n]: (hashes[n], sources[n], *(_iso(column[n]) if column is not None else None for column in times))
            for n in reader.all_doc_ids()
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(moment, datetime) and moment.year > 1 else None


def _under(path: str, roots: list[Path]) -> bool:
    p = Path(path)
    return any(p == root or root in p.parents for root in roots)


def _new_generation(index_dir: Path, whoosh_positions: bool) -> Path:
    generation = index_dir / f"gen-{time.time_ns()}"
    generation.mkdir(parents=True)
    whoosh_index.create_in(str(generation), build_schema(whoosh_positions))
    return generation


def _point_current(index_dir: Path, generation: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(generation.name, tmp)
    os.replace(tmp, index_dir / CURRENT)


def _remove_stale_generations(index_dir: Path, keep: set[Path]) -> None:
    """Drop generations left by killed rebuilds and all but the previous one."""
    gens = sorted(p for p in index_dir.glob("gen-*") if p.is_dir())
    for gen in gens:
        if gen.resolve() not in keep:
            shutil.rmtree(gen, ignore_errors=True)


def build_index(
    sources: Iterable[str | Path],
    index_dir: str | Path,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    pool_mb: int = POOL_MB,
    wait: float = 0,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    remove_missing: bool = False,
    on_phase: Callable[[str], None] | None = None,
    whoosh_positions: bool = False,
) -> BuildReport:
    """Add new and changed documents of ``sources``, remove those gone from them; commit once.

    A source that is missing or unreadable stops the build before anything changes
    (SourcesMissing), unless ``remove_missing``: then the documents read from it are removed,
    as when staff delete a file.
    ``wait`` is how long to wait for another build to finish before raising IndexBusy.
    ``on_total`` is told how many documents will be segmented, ``progress`` each one done.
    ``on_phase`` is told when each phase starts, so a person waiting knows what the build is doing:
    "read" (reading the sources and planning; again if a commit came in meanwhile), "wait" (for
    another build's lock), "load" (pyvi's model), "segment" (``progress`` counts it), "write"
    (worker processes writing their last segments) and "commit"; with nothing to segment,
    "read" then "commit".
    ``workers`` processes (default: one per core) index a large change, each writing a new
    segment whenever its postings pass ``pool_mb`` megabytes.
    ``whoosh_positions``: an index whose text positions Whoosh keeps too (``build_schema``); an
    index of the other layout, or of an older schema, is rebuilt.
    """
    sources = list(sources)
    bad = unusable_sources(sources)
    if bad and not (remove_missing and not any(p.exists() for p in bad)):
        raise SourcesMissing(bad)
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    lock = filelock.FileLock(str(index_dir / LOCK))
    if not wait and lock_is_held(index_dir / LOCK):  # say so now, not after reading every source
        raise IndexBusy(BUSY)
    # the sources are read before the lock is taken: a slow or hostile file never holds up
    # another build or a staff change; the plan is made again if a commit came in between
    _phase(on_phase, "read")
    processes = workers or os.cpu_count() or 1
    plan = _plan(sources, index_dir, rebuild, whoosh_positions, processes)
    if on_phase and wait and lock_is_held(index_dir / LOCK):
        on_phase("wait")
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        raise IndexBusy(BUSY) from None
    try:
        if plan.version != _version(index_dir):
            _phase(on_phase, "read")
            plan = _plan(sources, index_dir, rebuild, whoosh_positions, processes)
        return _apply(plan, index_dir, processes, pool_mb, progress, on_total, started, on_phase)
    finally:
        lock.release()


BUSY = "Một lần lập chỉ mục khác đang chạy trên thư mục này; hãy thử lại sau."


def _phase(on_phase: Callable[[str], None] | None, name: str) -> None:
    if on_phase:
        on_phase(name)


def _telling_write(todo: list[Queued], workers: int, progress, on_phase):
    """``progress`` for the worker processes, also saying "write" once every worker has segmented its share.

    A worker reports every REPORT_EVERY documents and the rest of its share only once its last
    segment is written: when the full reports of every share are in, what is left is writing
    (give or take a report, as the count is not told apart by worker).
    """
    before_writing = sum(len(share) - len(share) % REPORT_EVERY for share in shares(todo, workers))
    done = 0

    def counted(n: int) -> None:
        nonlocal done
        if progress:
            progress(n)
        if done < before_writing <= done + n:
            on_phase("write")
        done += n

    return counted


def lock_is_held(lock_file: Path) -> bool:
    """Whether some process holds this lock file (the system releases it when its holder dies)."""
    probe = filelock.FileLock(str(lock_file))
    try:
        probe.acquire(timeout=0)
    except filelock.Timeout:
        return True
    probe.release()
    return False


def _version(index_dir: Path) -> tuple:
    """Which commit the index is at: its generation folder and Whoosh's table of contents."""
    generation = current_generation(index_dir)
    if generation is None:
        return (None, -1)
    return (generation, whoosh_index.open_dir(str(generation)).latest_generation())


@dataclass
class _Plan:
    """What a build will do, worked out from the sources and the index as it was at ``version``."""

    version: tuple
    fresh: bool
    previous: Path | None
    existing: dict[str, tuple]
    roots: list[Path]
    todo: list[Queued]
    gone: list[str]
    report: BuildReport
    whoosh_positions: bool = False


OLDER = "Chỉ mục được tạo bởi một phiên bản tracuu cũ hơn: đã dựng lại toàn bộ."
DAMAGED = "Chỉ mục thiếu hoặc hỏng tệp vị trí ({names}): đã dựng lại toàn bộ."


def must_rebuild(generation: Path, whoosh_positions: bool = False) -> str | None:
    """Why an index must be rebuilt (in Vietnamese), or None: written by an older version of tracuu,
    in the other layout, or missing a packed file that alone held a segment's positions."""
    ix = whoosh_index.open_dir(str(generation))
    stored, wanted = ix.schema, build_schema(whoosh_positions)
    if set(stored.names()) != set(wanted.names()):
        return OLDER
    if any(type(stored[name].format) is not type(wanted[name].format) for name in TEXT_FIELDS):
        return OLDER
    if any(stored[name].indexed != wanted[name].indexed for name in wanted.names()):
        return OLDER
    missing = missing_packed(generation, whoosh_w3.index_segments(ix)) if only_packed(stored) else []
    return DAMAGED.format(names=", ".join(p.name for p in missing)) if missing else None


def _plan(sources, index_dir: Path, rebuild: bool, whoosh_positions: bool = False, processes: int = 1) -> _Plan:
    report = BuildReport()
    version = _version(index_dir)
    previous = version[0]
    reason = must_rebuild(previous, whoosh_positions) if previous is not None and not rebuild else None
    report.rebuilt = reason
    fresh = rebuild or previous is None or reason is not None
    # a rebuild starts a new index, yet keeps when each document was first taken in
    history = _existing(whoosh_index.open_dir(str(previous))) if previous else {}
    existing = {} if fresh else history
    now = _iso(datetime.now(UTC).replace(tzinfo=None))

    roots = [Path(s).resolve() for s in sources]
    seen: set[str] = set()
    failed_paths: list[Path] = []
    todo: list[Queued] = []
    for item in read_queued(roots, processes):
        if isinstance(item, ReadError):
            path = Path(item.path.split(":")[0])
            if (
                path in roots
                and not path.exists()
                and any(_under(src, [path]) for _h, src, *_times in existing.values())
            ):
                continue  # a removed file: its documents go below
            report.errors.append(item)
            failed_paths.append(path)
            continue
        doc_id, content_hash = item.queued.id, item.content_hash
        if doc_id in seen:
            report.errors.append(ReadError(item.source, f"mã tài liệu '{doc_id}' bị trùng; bỏ qua bản sau"))
            continue
        seen.add(doc_id)
        old = existing.get(doc_id)
        if old and old[0] == content_hash and old[1] == item.source:
            report.unchanged += 1
            continue
        past = history.get(doc_id)
        added = (past and past[2]) or now
        changed = past[3] if past and past[0] == content_hash and past[3] else now
        todo.append(replace(item.queued, added=added, changed=changed))
        if old:
            report.updated += 1
        else:
            report.added += 1

    gone = [
        doc_id
        for doc_id, (_hash, source, *_times) in existing.items()
        if doc_id not in seen and _under(source, roots) and not _under(source, failed_paths)
    ]
    report.removed = len(gone)
    return _Plan(version, fresh, previous, existing, roots, todo, gone, report, whoosh_positions)


def _apply(plan: _Plan, index_dir: Path, workers, pool_mb, progress, on_total, started, on_phase=None) -> BuildReport:
    fresh, previous, existing, todo, report = plan.fresh, plan.previous, plan.existing, plan.todo, plan.report
    generation = _new_generation(index_dir, plan.whoosh_positions) if fresh else previous
    _remove_stale_generations(index_dir, keep={p.resolve() for p in (generation, previous) if p})
    ix = whoosh_index.open_dir(str(generation))
    if on_total:
        on_total(len(todo))

    # separate segment files are memory-mapped; a compound file is copied into every searcher
    # under the build lock no other build runs, but a killed one's worker processes hold Whoosh's
    # write lock (inherited at the fork) until they see their parent gone, within a second or so
    writer = segment_writer(ix, pool_mb, wait=ORPHANS_WAIT)
    try:
        for doc_id in plan.gone:
            writer.delete_by_term("id", doc_id)
        if todo and on_phase:
            on_phase("load")
            load_segmenter()  # loaded here rather than by the first document, so the phase is seen
            on_phase("segment")
        if len(todo) >= INLINE_LIMIT:
            for queued in todo:
                if queued.id in existing:
                    writer.delete_by_term("id", queued.id)
            told = _telling_write(todo, workers, progress, on_phase) if on_phase else progress
            segments = write_segments(generation, todo, prepare, workers, pool_mb, told)
            _phase(on_phase, "commit")
            writer.commit_with(segments)
        else:
            for queued in todo:
                fields = prepare(queued.article())
                if fresh:
                    writer.add_document(**fields)
                else:
                    writer.update_document(**fields)
                if progress:
                    progress(1)
            _phase(on_phase, "commit")
            writer.commit()
    except BaseException:
        writer.cancel()
        if fresh and generation != previous:
            shutil.rmtree(generation, ignore_errors=True)
        raise
    if fresh:
        _point_current(index_dir, generation)
    _record_sources(index_dir, plan.roots)
    report.seconds = time.monotonic() - started
    return report
