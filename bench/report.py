"""Write figures into bench/RESULTS.md: marked blocks are replaced in place, prose outside them is kept.

A block is ``<!-- bench:KEY -->`` ... ``<!-- /bench:KEY -->``; a new block is appended under its
``## heading`` (created at the end when missing). ``python -m bench.report`` refreshes the machine block.
Raw results also go to bench/out/ (git-ignored) as JSON.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
OUT = Path(__file__).resolve().parent / "out"
PACKAGES = (
    "whoosh-reloaded",
    "pyvi",
    "scikit-learn",
    "flask",
    "waitress",
    "tantivy",
    "pyinstrument",
    "psutil",
    "locust",
)
HEADER = "# Benchmark results\n\nFigures written by the scripts of `bench/` (see `bench/README.md`).\n"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except (OSError, AttributeError):
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=RESULTS.parent.parent, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = "?"
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024**2, 1),
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "packages": versions,
        "commit": commit,
    }


def code_version() -> str:
    """The commit measured, and whether indexer/ or search_app/ had uncommitted changes."""
    repo = RESULTS.parent.parent

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--", "indexer", "search_app")
    return commit + (" + uncommitted changes" if dirty else "")


def machine_markdown() -> str:
    m = machine()
    pkgs = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    return (
        f"- CPU: {m['cpu']}, `nproc` = {m['nproc']}; memory {m['memory_gib']} GiB; {m['os']}\n"
        f"- Python {m['python']}; {pkgs}\n"
        f"- tracuu at {code_version()} when this block was last written "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    )


def update(key: str, heading: str, body: str, path: Path = RESULTS) -> None:
    """Replace block ``key`` with ``body``, or add it at the end of section ``heading``."""
    text = path.read_text("utf-8") if path.exists() else HEADER
    block = f"<!-- bench:{key} -->\n{body.rstrip()}\n<!-- /bench:{key} -->"
    pattern = re.compile(rf"<!-- bench:{re.escape(key)} -->.*?<!-- /bench:{re.escape(key)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        head = f"## {heading}"
        if head not in text.splitlines():
            text = text.rstrip() + f"\n\n{head}\n"
        lines = text.splitlines()
        start = lines.index(head)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        lines[end:end] = ["", block]
        text = "\n".join(lines)
    path.write_text(text.rstrip() + "\n", "utf-8")


def save_json(name: str, data: dict) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), "utf-8")
    return path


def table(rows: list[tuple], header: tuple) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def update_machine() -> None:
    update("machine", "Machine", machine_markdown())


if __name__ == "__main__":
    update_machine()
    print(RESULTS.read_text())
