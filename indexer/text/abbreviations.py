"""The abbreviations members type and what they stand for (``abbreviations.tsv``).

CĐCS = Công đoàn cơ sở, LĐLĐ = Liên đoàn Lao động, NQ = Nghị quyết, ...: queries expand them
both ways, so either spelling finds both.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from indexer.text.normalise import canonical, fold_accents


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, tuple[str, ...]]]:
    """folded abbreviation -> (canonical abbreviation, canonical expansion syllables)."""
    text = resources.files("indexer.text").joinpath("abbreviations.tsv").read_text("utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        short, long = line.split("\t", 1)
        short = canonical(short.strip())
        table[fold_accents(short)] = (short, tuple(canonical(long).split()))
    return table
