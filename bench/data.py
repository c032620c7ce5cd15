"""Seeded corpus slices: shared/corpus articles + random unit, type and date, as JSON Lines under /tmp.

A slice of N documents takes the first records of vietnews, baomoi and dantri in proportion to
their sizes, interleaved by a seeded generator. Each record gets, from a generator seeded with
(seed, size, kind):

* ``unit``: a name from ``indexer.documents.gazetteer.current().units`` (uniform);
* ``type``: one of ``DOC_TYPES`` or "tin tức" (uniform);
* ``date``: uniform over 2017-01-01..2025-12-31 when the source has none (vietnews, baomoi).

``extra`` files hold the next records after a slice's quota (never in the slice), for the
incremental benchmark. Nothing is written into the repository: files go to $BENCH_DIR
(default /tmp/tracuu-bench).
"""

from __future__ import annotations

import gzip
import json
import os
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("BENCH_SHARED_CORPUS", REPO.parent / "shared" / "corpus"))
SOURCES = {"vietnews": 100_000, "baomoi": 34_884, "dantri": 2_653}  # records per file (corpus README)
FIRST_DAY, LAST_DAY = date(2017, 1, 1), date(2025, 12, 31)


def bench_dir() -> Path:
    """Where slices, indexes and scratch files go: $BENCH_DIR or /tmp/tracuu-bench."""
    path = Path(os.environ.get("BENCH_DIR", "/tmp/tracuu-bench"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def index_dir(size: int, seed: int) -> Path:
    return bench_dir() / f"index-{size}-s{seed}"


def allocate(size: int) -> dict[str, int]:
    """Records per source file, proportional to the file sizes (largest remainders)."""
    total = sum(SOURCES.values())
    if size > total:
        raise ValueError(f"the corpus has {total} records, asked for {size}")
    exact = {name: size * n / total for name, n in SOURCES.items()}
    counts = {name: int(v) for name, v in exact.items()}
    for name in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[: size - sum(counts.values())]:
        counts[name] += 1
    return counts


def _records(name: str, skip: int, take: int) -> Iterator[dict]:
    with gzip.open(CORPUS / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= skip + take:
                return
            if n >= skip:
                yield json.loads(line)


def _assign(record: dict, rng: random.Random, units: list[str], types: list[str]) -> dict:
    record["unit"] = rng.choice(units)
    record["type"] = rng.choice(types)
    day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    record["date"] = record.get("date") or day.isoformat()
    return record


def generate(size: int, seed: int, skip: dict[str, int] | None = None) -> Iterator[dict]:
    """``size`` records (after ``skip`` records of each file), interleaved and completed, seeded."""
    from indexer.documents.gazetteer import current
    from indexer.documents.metadata import DOC_TYPES, NEWS

    units = sorted(u.name for u in current().units)
    types = [*DOC_TYPES, NEWS]
    skip = skip or {}
    kind = "extra" if skip else "slice"
    rng = random.Random(f"{seed}:{size}:{kind}")
    quota = allocate(size)
    streams = {name: _records(name, skip.get(name, 0), n) for name, n in quota.items() if n}
    left = {name: quota[name] for name in streams}
    while left:
        name = rng.choices(list(left), weights=list(left.values()))[0]
        record = next(streams[name])
        left[name] -= 1
        if not left[name]:
            del left[name]
        yield _assign(record, rng, units, types)


def text_bytes(record: dict) -> int:
    """UTF-8 bytes of the text that is segmented: title, lead and body."""
    return sum(len((record.get(k) or "").encode("utf-8")) for k in ("title", "lead", "body"))


def _write(path: Path, records: Iterator[dict]) -> dict:
    stats = {"docs": 0, "text_bytes": 0}
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            stats["docs"] += 1
            stats["text_bytes"] += text_bytes(record)
    os.replace(tmp, path)
    path.with_suffix(".json").write_text(json.dumps(stats))
    return stats


def ensure_slice(size: int, seed: int = 1) -> tuple[Path, dict]:
    """The slice file (written on first use) and its stats {"docs", "text_bytes"}."""
    path = bench_dir() / "data" / f"slice-{size}-s{seed}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    stats_path = path.with_suffix(".json")
    if path.exists() and stats_path.exists():
        return path, json.loads(stats_path.read_text())
    return path, _write(path, generate(size, seed))


def write_extra(size: int, count: int, seed: int = 1) -> tuple[Path, dict]:
    """``count`` records not in the slice of ``size`` (the next ones of each file)."""
    path = bench_dir() / "data" / f"extra-{size}-{count}-s{seed}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, _write(path, generate(count, seed, skip=allocate(size)))


def read_slice(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:] or ["1000"]:
        print(ensure_slice(int(arg)))
