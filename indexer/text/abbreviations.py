"""The abbreviations members type and what they stand for (``abbreviations.tsv``).

CĐCS = Công đoàn cơ sở, LĐLĐ = Liên đoàn Lao động, NQ = Nghị quyết, ...: queries expand them
both ways, so either spelling finds both.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from indexer.text.normalise import canonical, fold_accents


@lru_cache(maxsize=1)
def meanings() -> dict[str, tuple[str, tuple[tuple[str, ...], ...]]]:
    """folded abbreviation -> (canonical abbreviation, each meaning's canonical syllables)."""
    text = resources.files("indexer.text").joinpath("abbreviations.tsv").read_text("utf-8")
    table: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        short, long = line.split("\t", 1)
        short = canonical(short.strip())
        table[fold_accents(short)] = (short, tuple(tuple(canonical(m).split()) for m in long.split("|") if m.strip()))
    return table


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, tuple[str, ...]]]:
    """folded abbreviation -> (canonical abbreviation, its first, most common meaning)."""
    return {key: (short, expansions[0]) for key, (short, expansions) in meanings().items()}


@lru_cache(maxsize=1)
def meaning_sequences() -> frozenset[tuple[str, ...]]:
    """Every meaning of two or more syllables, folded: indexed as one term wherever it is written."""
    return frozenset(
        tuple(fold_accents(s) for s in meaning)
        for _short, meanings_ in meanings().values()
        for meaning in meanings_
        if len(meaning) > 1
    )
