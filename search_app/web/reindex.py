""" "Reindex all" in a background thread: one at a time, progress for the page, errors kept.

Searches go on against the last commit while it runs: a rebuild writes a new generation and
swaps it in only when complete. The server runs several processes, so the state lives in a
JSON file of the data folder: whichever process a page request reaches shows the same
progress. A run holds a lock file while it runs; the system releases it when the process
dies, however it dies, so a run left "running" by a dead process (even one whose process id
was reused after a restart) is reported as interrupted, not running forever.

A recorded source that has gone missing stops the run before anything changes, naming it:
rebuilding without it would drop its documents. Staff may confirm that this is what they want.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import filelock

from indexer.index.build import (
    POOL_MB,
    IndexBusy,
    SourcesMissing,
    build_index,
    lock_is_held,
    recorded_sources,
    unusable_sources,
)


@dataclass
class ReindexState:
    running: bool = False
    done: int = 0
    total: int = 0
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    summary: str | None = None
    user: str = ""
    pid: int = 0
    missing: list[str] = field(default_factory=list)  # recorded sources not found, when that stopped the run

    def as_dict(self) -> dict:
        elapsed = (self.finished or time.time()) - self.started if self.started else 0
        return {
            "running": self.running,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "summary": self.summary,
            "missing": self.missing,
            "seconds": round(elapsed, 1),
        }


INTERRUPTED = "Lần lập lại chỉ mục trước bị gián đoạn (máy chủ dừng giữa chừng). Chỉ mục cũ vẫn đang phục vụ."
SAVE_EVERY = 0.5


@dataclass
class Reindexer:
    index_dir: Path
    fallback_sources: list[Path]
    status_file: Path
    workers: int | None = None
    pool_mb: int = POOL_MB
    _local: ReindexState | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None
    _saved: float = 0.0

    @property
    def _run_lock_file(self) -> Path:
        """Held by the process running a reindex, for as long as it runs."""
        return self.status_file.with_suffix(".lock")

    @property
    def state(self) -> ReindexState:
        """This process's run if it has one going, else the last one any process recorded."""
        local = self._local
        if local is not None and local.running:
            return local
        try:
            found = ReindexState(**json.loads(self.status_file.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            return local or ReindexState()
        if found.running and not lock_is_held(self._run_lock_file):
            found.running, found.error = False, INTERRUPTED
        return found

    def _save(self, state: ReindexState, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._saved < SAVE_EVERY:
            return
        self._saved = now
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.status_file.with_name(self.status_file.name + f".{os.getpid()}.part")
        partial.write_text(json.dumps(asdict(state), ensure_ascii=False), "utf-8")
        os.replace(partial, self.status_file)

    def start(self, user: str, on_done=None, drop_missing: bool = False) -> bool:
        """Start a full rebuild; False when one is already running (in any server process).

        ``drop_missing``: staff confirmed that recorded sources now missing are to be left
        out (their documents leave the index).
        """
        with self._lock:
            if self.state.running:
                return False
            self._local = ReindexState(running=True, started=time.time(), user=user, pid=os.getpid())
            self._save(self._local, force=True)
        started = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(on_done, drop_missing, started), daemon=True, name="reindex"
        )
        self.thread.start()
        started.wait(10)  # the lock is taken before a page could ask
        return True

    def _sources(self, drop_missing: bool) -> list[Path]:
        recorded = recorded_sources(self.index_dir)
        if not recorded:  # never built from anything recorded: the configured corpus
            return [p for p in self.fallback_sources if p.exists()]
        missing = unusable_sources(recorded)
        if missing and (not drop_missing or len(missing) == len(recorded)):
            raise SourcesMissing(missing)
        return [p for p in recorded if p not in missing]

    def _run(self, on_done, drop_missing: bool, started: threading.Event) -> None:
        state = self._local
        lock = filelock.FileLock(str(self._run_lock_file))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            state.running, state.error = False, "Một lần lập lại chỉ mục khác đang chạy; hãy đợi nó xong."
            self._save(state, force=True)
            started.set()
            return
        started.set()
        try:
            self._run_locked(state, on_done, drop_missing)
        finally:
            lock.release()

    def _run_locked(self, state: ReindexState, on_done, drop_missing: bool) -> None:

        def on_total(n: int) -> None:
            state.total = n
            self._save(state, force=True)

        def progress(n: int) -> None:
            state.done += n
            self._save(state)

        try:
            sources = self._sources(drop_missing)
            report = build_index(
                sources,
                self.index_dir,
                rebuild=True,
                workers=self.workers,
                pool_mb=self.pool_mb,
                progress=progress,
                on_total=on_total,
            )
            state.summary = f"Đã lập lại chỉ mục {report.added} tài liệu trong {report.seconds:.0f} giây."
            if report.errors:
                state.summary += f" Bỏ qua {len(report.errors)} tệp lỗi."
        except SourcesMissing as exc:
            state.missing = [str(p) for p in exc.paths]
            state.error = (
                f"Không lập lại chỉ mục: không tìm thấy nguồn {', '.join(state.missing)}. "
                "Lập lại mà thiếu nguồn sẽ gỡ mọi tài liệu của nguồn đó khỏi chỉ mục. Chỉ mục cũ vẫn đang phục vụ."
            )
        except IndexBusy as exc:
            state.error = str(exc)
        except Exception as exc:  # shown to staff; the previous index keeps serving
            state.error = f"Lập lại chỉ mục thất bại: {type(exc).__name__}: {exc}. Chỉ mục cũ vẫn đang phục vụ."
        finally:
            state.running = False
            state.finished = time.time()
            self._save(state, force=True)
            if on_done:
                on_done(state)
