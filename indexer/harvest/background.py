"""A harvest in a background thread, for the staff page: one at a time, whoever asks.

The run itself holds the harvest lock (``history.LOCK``), so a harvest started from the command
line, another server process or a second click is seen as running and no second one starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from indexer.harvest import history
from indexer.harvest.config import HarvestConfig
from indexer.harvest.history import RunReport
from indexer.harvest.run import HarvestBusy, harvest


def start(
    config: HarvestConfig,
    index_dir: Path,
    user: str,
    *,
    build_options: dict | None = None,
    on_done: Callable[[RunReport], None] | None = None,
) -> bool:
    """Start a harvest in a thread; False when one is already running (anywhere)."""
    if history.is_running(config.folder):
        return False
    started = threading.Event()
    outcome: dict = {}

    def run() -> None:
        try:
            report = harvest(config, index_dir, trigger=user, build_options=build_options, on_started=started.set)
        except HarvestBusy:
            outcome["busy"] = True
            started.set()
            return
        except Exception as exc:  # not configured, or the folder cannot be written: said on the page
            outcome["error"] = str(exc)
            started.set()
            return
        if on_done:
            on_done(report)

    threading.Thread(target=run, daemon=True, name="harvest").start()
    started.wait(30)  # the lock is taken (or refused) before the page is answered
    return not outcome.get("busy")
