"""Near-duplicate articles in ../shared/corpus: how many groups there are, and how many the index collapses.

The index lists each article once: copies that share ``indexer.index.build.duplicate_key`` (the
folded title and the first 300 letters of the text) are shown as one (``IndexArrays.shown``). This
script reads vietnews, baomoi and dantri as the index reads them (``extract.read_sources`` on JSON
Lines, streamed; ``--limit`` per file), and groups the articles

* by that key (what the index does), and
* independently, by the words: a MinHash signature (128 hashes) of each article's shingles (5 words
  of its folded title and text), candidate pairs from LSH (32 bands of 4 rows), kept when the exact
  Jaccard similarity of their shingles is at least ``--jaccard`` (0.9); groups are the connected
  pairs.

It then builds a real index of the same articles in a temporary folder (``build_index``, one
worker), asks the engine for everything (an empty query: each article once) and counts what was
collapsed, checking that every key group shows exactly one member. Reported: groups of each size
for both methods, articles collapsed, and the groups one method finds and the other misses, with
examples. The figures go to bench/RESULTS.md (block ``duplicates``) and bench/out/duplicates.json.

    nice -n 19 python -m bench.duplicates --limit dantri=all --limit vietnews=20000 --limit baomoi=10000
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from bench import report
from bench.data import CORPUS
from indexer.documents.extract import read_sources
from indexer.index.build import build_index, duplicate_key, open_index
from indexer.text.normalise import folded
from search_app.engine import Engine, SearchRequest

FILES = ("dantri", "vietnews", "baomoi")
HASHES, BANDS = 128, 32  # rows per band: HASHES // BANDS
SHINGLE = 5
_PRIME = (1 << 61) - 1
_RNG = np.random.default_rng(20261125)
_A = _RNG.integers(1, _PRIME, HASHES, dtype=np.uint64)
_B = _RNG.integers(0, _PRIME, HASHES, dtype=np.uint64)


def shingles(title: str, body: str) -> np.ndarray:
    """The article's 5-word shingles, folded, as sorted unique 32-bit hashes."""
    words = folded(title + " " + body).split()
    grams = [" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))]
    hashed = [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") for g in grams]
    return np.unique(np.array(hashed, dtype=np.uint32))


def minhash(values: np.ndarray) -> np.ndarray:
    """HASHES minimum values of random affine hashes (mod a 32-bit range) of the shingles."""
    if not len(values):
        return np.zeros(HASHES, dtype=np.uint32)
    x = values.astype(np.uint64)[None, :]
    mixed = (_A[:, None] * x + _B[:, None]) % np.uint64(_PRIME)
    return (mixed.min(axis=1) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) and not len(b):
        return 1.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


class Groups:
    """Union-find over article numbers."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            out[self.find(i)].append(i)
        return [g for g in out.values() if len(g) > 1]


def parse_limits(values: list[str]) -> dict[str, int | None]:
    """``--limit 5000`` for every file, ``--limit vietnews=20000`` for one, ``=all`` for no limit."""
    limits: dict[str, int | None] = {name: None for name in FILES}
    for value in values:
        name, _, count = value.rpartition("=")
        number = None if count == "all" else int(count)
        for key in [name] if name else FILES:
            if key not in limits:
                raise SystemExit(f"unknown file {key!r}: one of {', '.join(FILES)}")
            limits[key] = number
    return limits


def write_slice(limits: dict[str, int | None], out: Path) -> dict[str, int]:
    """The first records of each file, streamed into one JSON Lines file."""
    counts = {}
    with out.open("w", encoding="utf-8") as dst:
        for name in FILES:
            counts[name] = 0
            with gzip.open(CORPUS / f"{name}.jsonl.gz", "rt", encoding="utf-8") as src:
                for line in src:
                    if limits[name] is not None and counts[name] >= limits[name]:
                        break
                    dst.write(line)
                    counts[name] += 1
    return counts


def sizes(groups: list[list[int]]) -> dict[int, int]:
    return dict(sorted(Counter(len(g) for g in groups).items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", action="append", default=[], help="N, or FILE=N / FILE=all (repeatable)")
    parser.add_argument("--jaccard", type=float, default=0.9)
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--no-report", action="store_true", help="print only; leave RESULTS.md and bench/out alone")
    parser.add_argument("--render", action="store_true", help="rewrite the block from bench/out/duplicates.json")
    args = parser.parse_args()
    if args.render:
        report.update("duplicates", "Duplicates", render(json.loads((report.OUT / "duplicates.json").read_text())))
        return
    limits = parse_limits(args.limit)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="tracuu-duplicates-"))
    source = work / "slice.jsonl"
    counts = write_slice(limits, source)
    print(f"{sum(counts.values())} records: {counts}", file=sys.stderr)

    ids, titles, keys, sets, signatures = [], [], [], [], []
    for article in read_sources([source]):
        if not hasattr(article, "body"):
            print(f"skipped: {article.path}: {article.reason}", file=sys.stderr)
            continue
        ids.append(article.id)
        titles.append(article.title)
        keys.append(duplicate_key(article))
        values = shingles(article.title, article.body)
        sets.append(values)
        signatures.append(minhash(values))
    n = len(ids)
    read_s = time.perf_counter() - started
    print(f"read and hashed {n} articles in {read_s:.0f} s", file=sys.stderr)

    by_key: dict[int, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        by_key[key].append(i)
    key_groups = [g for g in by_key.values() if len(g) > 1]

    words = Groups(n)
    matrix = np.stack(signatures)
    rows = HASHES // BANDS
    pairs_checked = 0
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for i, row in enumerate(matrix[:, band * rows : (band + 1) * rows]):
            buckets[row.tobytes()].append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            first = members[0]
            for other in members[1:]:
                if words.find(first) == words.find(other):
                    continue
                pairs_checked += 1
                if jaccard(sets[first], sets[other]) >= args.jaccard:
                    words.join(first, other)
    word_groups = words.groups()
    print(f"grouped in {time.perf_counter() - started - read_s:.0f} s ({pairs_checked} pairs)", file=sys.stderr)

    key_of = {i: n_ for n_, g in enumerate(key_groups) for i in g}
    word_of = {i: n_ for n_, g in enumerate(word_groups) for i in g}
    key_only = [g for g in key_groups if len({word_of.get(i, -1 - i) for i in g}) > 1]
    words_only = [g for g in word_groups if len({key_of.get(i, -1 - i) for i in g}) > 1]

    built = time.perf_counter()
    report_ = build_index([source], work / "index", workers=1)
    build_s = time.perf_counter() - built
    engine = Engine(work / "index", result_cache=0)
    shown_total = engine.search(SearchRequest(q="", per_page=1, with_facets=False)).total
    arrays = engine.arrays()
    shown = arrays.shown()
    with open_index(work / "index").reader() as reader:
        id_column = reader.column_reader("id")
        docnum = {id_column[d]: d for d in reader.all_doc_ids()}
    wrong = [g for g in key_groups if sum(bool(shown[docnum[ids[i]]]) for i in g) != 1]
    engine.close()
    shutil.rmtree(work, ignore_errors=True)  # the slice and the index: scratch, as large as the corpus
    indexed = report_.added
    collapsed = indexed - shown_total

    def example(group: list[int]) -> str:
        members = "; ".join(f"{ids[i]} “{titles[i][:60]}”" for i in group[:3])
        more = f" (+{len(group) - 3})" if len(group) > 3 else ""
        return f"{members}{more}: Jaccard {jaccard(sets[group[0]], sets[group[1]]):.2f}"

    figures = {
        "records": counts,
        "articles": n,
        "indexed": indexed,
        "shown": shown_total,
        "collapsed": collapsed,
        "key_groups": len(key_groups),
        "key_group_sizes": sizes(key_groups),
        "key_copies": sum(len(g) - 1 for g in key_groups),
        "key_groups_not_shown_once": len(wrong),
        "word_groups": len(word_groups),
        "word_group_sizes": sizes(word_groups),
        "word_copies": sum(len(g) - 1 for g in word_groups),
        "jaccard": args.jaccard,
        "key_only": len(key_only),
        "words_only": len(words_only),
        "key_only_examples": [example(g) for g in key_only[: args.examples]],
        "words_only_examples": [example(g) for g in words_only[: args.examples]],
        "build_s": round(build_s),
        "total_s": round(time.perf_counter() - started),
    }
    body = render(figures)
    print(body)
    if not args.no_report:
        report.save_json("duplicates", figures)
        report.update("duplicates", "Duplicates", body)


def render(f: dict) -> str:
    records = ", ".join(f"{name} {count:,}" for name, count in f["records"].items())
    lines = [
        f"Articles read: {f['articles']:,} ({records}: all of dantri, the first records of the others), "
        f"in {f['total_s']} s on one core (the index built with one worker in {f['build_s']} s)."
        + (f" {f['note']}" if f.get("note") else ""),
        "",
        report.table(
            [
                (
                    "the index's key (folded title + first 300 letters)",
                    f"{f['key_groups']:,}",
                    ", ".join(f"{k}: {v:,}" for k, v in f["key_group_sizes"].items()) or "–",
                    f"{f['key_copies']:,}",
                ),
                (
                    f"words: MinHash/LSH, shingle Jaccard ≥ {f['jaccard']}",
                    f"{f['word_groups']:,}",
                    ", ".join(f"{k}: {v:,}" for k, v in f["word_group_sizes"].items()) or "–",
                    f"{f['word_copies']:,}",
                ),
            ],
            ("grouped by", "groups", "groups by size (size: count)", "copies beyond the first"),
        ),
        "",
        f"The index holds {f['indexed']:,} articles and lists {f['shown']:,} (an empty query): it collapses "
        f"{f['collapsed']:,} copies; key groups not shown exactly once: {f['key_groups_not_shown_once']}.",
        f"Key groups the words do not join: {f['key_only']}; word groups the key does not join: {f['words_only']} "
        "(the shingle Jaccard of the first two of each example):",
    ]
    for name, label in (("key_only_examples", "Key only"), ("words_only_examples", "Words only")):
        for text in f[name]:
            lines.append(f"- {label}: {text}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
