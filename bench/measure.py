"""Small measuring helpers shared by the benchmarks: percentiles, process-tree memory, folder sizes."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100) of a non-empty list."""
    data = sorted(values)
    if not data:
        return float("nan")
    k = (len(data) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summary_ms(values: list[float]) -> dict[str, float]:
    return {f"p{p}": round(percentile(values, p), 2) for p in (50, 95, 99)} | {
        "mean": round(sum(values) / len(values), 2) if values else float("nan"),
        "n": len(values),
    }


def dir_size(path: Path) -> int:
    """Bytes of all files under ``path`` (symlinks not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total


class TreeMemory(threading.Thread):
    """Samples a process and its children: peak RSS of the process, peak PSS summed over the tree.

    PSS counts pages shared by forked workers once, so the tree sum is the real footprint.
    """

    def __init__(self, pid: int, interval: float = 2.0):
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self.peak_tree_pss = 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        try:
            self.peak_rss = max(self.peak_rss, self.proc.memory_info().rss)
            total = 0
            for p in [self.proc, *self.proc.children(recursive=True)]:
                try:
                    total += p.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak_tree_pss = max(self.peak_tree_pss, total)
        except psutil.NoSuchProcess:
            pass

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.sample()

    def stop(self) -> dict[str, float]:
        self._stop_event.set()
        self.join()
        mb = 2**20
        return {"peak_rss_mb": round(self.peak_rss / mb, 1), "peak_tree_pss_mb": round(self.peak_tree_pss / mb, 1)}


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _busy_cpu() -> tuple[float, float]:
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0), time.monotonic()


def wait_quiet(threshold: float = 20.0, max_wait: float | None = None, interval: float = 5.0) -> float:
    """Wait (up to ``max_wait`` s, default $BENCH_QUIET_WAIT or 180) for CPU use below ``threshold`` %."""
    if max_wait is None:
        max_wait = float(os.environ.get("BENCH_QUIET_WAIT", "180"))
    deadline = time.monotonic() + max_wait
    while True:
        busy = psutil.cpu_percent(interval=interval)
        if busy < threshold or time.monotonic() > deadline:
            return busy
        print(f"waiting for a quiet machine: CPU {busy:.0f}% busy", flush=True)


class Contention:
    """CPU used by other processes while a benchmark runs, as a share of all cores.

    Our CPU time counts this process, its waited-for descendants and ``extra`` processes (a
    server that outlives the measured block).
    """

    def __init__(self, extra: list[psutil.Process] | None = None):
        self.extra = extra or []

    def _own(self) -> float:
        return _own_cpu() + sum(sum(p.cpu_times()[:2]) for p in self.extra)

    def __enter__(self) -> Contention:
        self.own0, (self.busy0, self.t0) = self._own(), _busy_cpu()
        self.load0 = os.getloadavg()[0]
        return self

    def __exit__(self, *exc) -> None:
        busy1, t1 = _busy_cpu()
        own = self._own() - self.own0
        capacity = (t1 - self.t0) * (psutil.cpu_count() or 1)
        self.others_share = max(0.0, (busy1 - self.busy0 - own) / capacity) if capacity else 0.0
        self.own_share = own / capacity if capacity else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"own_cpu_share": round(self.own_share, 3), "others_cpu_share": round(self.others_share, 3)}
