""" "Reindex all" in a background thread: one at a time, progress for the page, errors kept.

Searches go on against the last commit while it runs: a rebuild writes a new generation and
swaps it in only when complete. The server runs several processes, so the state lives in a
JSON file of the data folder: whichever process a page request reaches shows the same
progress, and a process that died mid-run is reported as interrupted, not running forever.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexer.index.build import POOL_MB, IndexBusy, build_index, recorded_sources


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

    def as_dict(self) -> dict:
        elapsed = (self.finished or time.time()) - self.started if self.started else 0
        return {
            "running": self.running,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "summary": self.summary,
            "seconds": round(elapsed, 1),
        }


INTERRUPTED = "Lần lập lại chỉ mục trước bị gián đoạn (máy chủ dừng giữa chừng). Chỉ mục cũ vẫn đang phục vụ."
SAVE_EVERY = 0.5


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    def state(self) -> ReindexState:
        """This process's run if it has one going, else the last one any process recorded."""
        local = self._local
        if local is not None and local.running:
            return local
        try:
            found = ReindexState(**json.loads(self.status_file.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            return local or ReindexState()
        if found.running and not _alive(found.pid):
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

    def start(self, user: str, on_done=None) -> bool:
        """Start a full rebuild; False when one is already running (in any server process)."""
        with self._lock:
            if self.state.running:
                return False
            self._local = ReindexState(running=True, started=time.time(), user=user, pid=os.getpid())
            self._save(self._local, force=True)
        self.thread = threading.Thread(target=self._run, args=(on_done,), daemon=True, name="reindex")
        self.thread.start()
        return True

    def _run(self, on_done) -> None:
        state = self._local
        recorded = [p for p in recorded_sources(self.index_dir) if p.exists()]
        sources = recorded or [p for p in self.fallback_sources if p.exists()]

        def on_total(n: int) -> None:
            state.total = n
            self._save(state, force=True)

        def progress(n: int) -> None:
            state.done += n
            self._save(state)

        try:
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
