"""What each harvest did, for staff: the run going on now (progress) and the runs before it.

A run holds ``run.lock`` in the harvest folder for as long as it goes; the system releases it
when the process dies, however it dies, so one run at a time across the server's processes and
the command line, and a run left "running" by a killed process is seen as interrupted.
``status.json`` is the run going on (or the last one), rewritten as it goes; ``runs.jsonl`` has
one line per finished run. Times are local, "YYYY-MM-DD HH:MM:SS", as in the audit log.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from indexer.documents.limits import count
from indexer.harvest.state import write_atomically
from indexer.index.build import lock_is_held

RUNS = "runs.jsonl"
STATUS = "status.json"
LOCK = "run.lock"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SAVE_EVERY = 0.5
INTERRUPTED = "Lần thu thập bị dừng giữa chừng; chỉ mục không thay đổi. Lần sau sẽ tiếp tục từ chỗ dừng."
PHASES = {
    "start": "Đang bắt đầu…",
    "discover": "Đang tìm bài trong sơ đồ trang, nguồn tin và trang danh mục…",
    "fetch": "Đang tải bài mới và bài đã sửa…",
    "index": "Đang lập chỉ mục (một lần lưu)…",
    "done": "Đã xong.",
}


def now() -> str:
    return time.strftime(TIME_FORMAT)


@dataclass
class RunReport:
    trigger: str = "dòng lệnh"  # who started it: a staff account, or the command line
    started: str = field(default_factory=now)
    finished: str | None = None
    running: bool = True
    phase: str = "start"
    pid: int = field(default_factory=os.getpid)
    requests: int = 0  # every request sent, robots.txt and listings included
    downloaded: int = 0  # answers with a body (200)
    not_modified: int = 0  # 304: unchanged since the last run
    checked: int = 0  # pages and attachments asked about so far
    total: int = 0  # … of this many
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    flagged: int = 0  # newly answering 404/410: listed for staff to confirm
    pending: int = 0  # every page waiting for that confirmation
    committed: bool = False
    resumed: bool = False  # took up what an interrupted run had fetched
    errors: list[dict] = field(default_factory=list)  # {"url", "reason"} in Vietnamese
    outcome: str = ""  # "" while running; "ok", "errors", "failed", "interrupted"
    message: str | None = None  # why it failed, in Vietnamese
    seconds: float = 0.0
    _clock: float = field(default_factory=time.monotonic, repr=False)

    @classmethod
    def from_dict(cls, data: dict) -> RunReport:
        names = {f.name for f in fields(cls)} - {"_clock"}
        return cls(**{k: v for k, v in data.items() if k in names})

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("_clock")
        data["phase_label"] = PHASES.get(self.phase, self.phase)
        data["summary"] = self.summary()
        return data

    def error(self, url: str, reason: str) -> None:
        self.errors.append({"url": url, "reason": reason})

    def finish(self, outcome: str | None = None) -> None:
        self.running = False
        self.finished = now()
        self.phase = "done"
        self.seconds = round(time.monotonic() - self._clock, 2)
        self.outcome = outcome or ("errors" if self.errors else "ok")

    def summary(self) -> str:
        """One line in Vietnamese: what the run did."""
        if self.outcome == "interrupted":
            return INTERRUPTED
        head = "Đang thu thập" if self.running else f"Thu thập xong sau {self.seconds:.1f} giây".replace(".", ",")
        if self.outcome == "failed":
            head = "Thu thập thất bại"
        line = (
            f"{head}: {count(self.requests)} yêu cầu ({count(self.downloaded)} tải về, "
            f"{count(self.not_modified)} không đổi); thêm {count(self.added)}, cập nhật {count(self.changed)}, "
            f"chờ xác nhận gỡ {count(self.pending)}"
        )
        if self.flagged:
            line += f" (mới {count(self.flagged)})"
        line += f", lỗi {count(len(self.errors))}."
        if self.message:
            line += " " + self.message
        return line


class Progress:
    """The run's report, saved to ``status.json`` as it changes (at most twice a second)."""

    def __init__(self, folder: Path, report: RunReport):
        self.folder = Path(folder)
        self.report = report
        self._saved = 0.0

    def save(self, force: bool = False) -> None:
        moment = time.monotonic()
        if not force and moment - self._saved < SAVE_EVERY:
            return
        self._saved = moment
        write_atomically(self.folder / STATUS, json.dumps(self.report.as_dict(), ensure_ascii=False))

    def phase(self, name: str) -> None:
        self.report.phase = name
        self.save(force=True)


def is_running(folder: Path) -> bool:
    return lock_is_held(Path(folder) / LOCK)


def current(folder: Path) -> RunReport | None:
    """The run going on, or the last one; a run whose process died is reported as interrupted."""
    path = Path(folder) / STATUS
    try:
        report = RunReport.from_dict(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if report.running and not is_running(folder):
        report.running, report.outcome, report.phase = False, "interrupted", "done"
    return report


def append_run(folder: Path, report: RunReport) -> None:
    path = Path(folder) / RUNS
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")


def recent_runs(folder: Path, limit: int = 10) -> list[RunReport]:
    """The last runs, latest first."""
    path = Path(folder) / RUNS
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        last = deque(fh, maxlen=limit)
    runs = []
    for line in reversed(last):
        try:
            runs.append(RunReport.from_dict(json.loads(line)))
        except (ValueError, TypeError):
            continue
    return runs
