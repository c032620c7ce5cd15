""" "Reindex all" in a background thread: one at a time, progress for the page, errors kept.

Searches go on against the last commit while it runs: a rebuild writes a new generation and
swaps it in only when complete.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer.build import IndexBusy, build_index, recorded_sources


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


@dataclass
class Reindexer:
    index_dir: Path
    fallback_sources: list[Path]
    state: ReindexState = field(default_factory=ReindexState)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None

    def start(self, user: str, on_done=None) -> bool:
        """Start a full rebuild; False when one is already running."""
        with self._lock:
            if self.state.running:
                return False
            self.state = ReindexState(running=True, started=time.time(), user=user)
        self.thread = threading.Thread(target=self._run, args=(on_done,), daemon=True, name="reindex")
        self.thread.start()
        return True

    def _run(self, on_done) -> None:
        state = self.state
        sources = [p for p in recorded_sources(self.index_dir) if p.exists()] or self.fallback_sources

        def on_total(n: int) -> None:
            state.total = n

        def progress(n: int) -> None:
            state.done += n

        try:
            report = build_index(sources, self.index_dir, rebuild=True, progress=progress, on_total=on_total)
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
            if on_done:
                on_done(state)
