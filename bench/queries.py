"""Query latency benchmark: p50/p95/p99 of the committed mix (bench/query_mix.tsv), cold and warm,
against a LIKE scan and Tantivy over the same documents and tokens (bench/baselines.py).

* warm: one untimed pass, then ``--rounds`` passes; in each pass every query runs on our
  searcher, on Tantivy and on the LIKE scan, one after the other, in the same process.
* cold: for each query, the index files are dropped from the page cache (posix_fadvise
  DONTNEED), our query-segmentation cache is cleared and the index is opened anew before the one
  timed run (pyvi stays loaded: a server loads it once). Tantivy likewise; the LIKE scan is in
  memory, so it has no cold figure.

Our time is ``Engine.search`` (result cache off) end to end (parse, pyvi on the query, Whoosh, facet counts,
highlighted snippets of the page). The index is the one bench/indexing.py built (built here,
untimed, when missing).

    python -m bench.queries --size 10000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qsl

import psutil
from werkzeug.datastructures import MultiDict

from bench import data, report
from bench.baselines import LikeScan, TantivyBaseline, build_tantivy, stored_docs
from bench.measure import Contention, summary_ms, wait_quiet

MIX = Path(__file__).resolve().parent / "query_mix.tsv"


@dataclass(frozen=True)
class Row:
    name: str
    q: str
    params: str
    facets: bool


def load_mix(path: Path = MIX) -> list[Row]:
    with open(path, encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    return [
        Row(r["name"], r["q"], r["params"], r["facets"] == "1")
        for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    ]


def to_request(row: Row):
    """The SearchRequest the web app would make of this row, canonicalised."""
    from search_app.web.params import request_from_args

    req = request_from_args(MultiDict([("q", row.q), *parse_qsl(row.params)]))
    return replace(req, with_facets=row.facets).canonical()


def evict(path: Path) -> None:
    """Drop the files under ``path`` from the page cache."""
    for root, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def ensure_index(size: int, seed: int) -> Path:
    index = data.index_dir(size, seed)
    from indexer.index.build import build_index, index_exists

    if not index_exists(index):
        source, _ = data.ensure_slice(size, seed)
        print(f"no index at {index}: building it (untimed)", flush=True)
        build_index([source], index, rebuild=True)
    return index


class Ours:
    """Our engine over the index, with the result cache off: every search is run."""

    def __init__(self, index: Path):
        from indexer.index.build import current_generation
        from search_app.engine import Engine

        self.index = index
        self.generation = current_generation(index)
        self.engine = Engine(index, result_cache=0)
        self.open()

    @property
    def searcher(self):
        return self.engine.searcher()

    def open(self) -> float:
        self.engine.close()
        started = time.perf_counter()
        self.engine.searcher()
        return (time.perf_counter() - started) * 1000

    def search(self, req) -> int:
        return self.engine.search(req).total


def timed(fn, req) -> tuple[float, float, int]:
    """Wall and CPU milliseconds (this thread) of one call: CPU time is what other processes cannot inflate."""
    started, cpu = time.perf_counter(), time.thread_time()
    total = fn(req)
    return (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000, total


def run(size: int, seed: int, rounds: int, cold_rounds: int, like: bool, with_tantivy: bool = True) -> dict:
    from indexer.text.analysis import clear_segment_cache, load_segmenter

    code = report.code_version()
    rows = load_mix()
    index = ensure_index(size, seed)
    load_segmenter()  # pyvi loads once per process, as in a server
    rss0 = psutil.Process().memory_info().rss
    ours = Ours(index)
    searcher_mb = (psutil.Process().memory_info().rss - rss0) / 2**20
    reader = ours.searcher.reader()
    docs = stored_docs(ours.searcher)
    doc_count = reader.doc_count()  # documents; the baselines hold each article once (stored_docs)
    tantivy_dir = data.bench_dir() / f"tantivy-{size}-s{seed}-{ours.generation.name}"
    engines = {"tracuu": ours.search}
    if with_tantivy:
        if not tantivy_dir.exists():
            print(f"building Tantivy index {tantivy_dir}", flush=True)
            print(f"  {build_tantivy(reader, docs, tantivy_dir):.1f} s", flush=True)
        engines["tantivy"] = TantivyBaseline(tantivy_dir).search
    if like:
        engines["like"] = LikeScan(docs).search
    del docs

    warm: dict[str, dict[str, list[float]]] = {e: {r.name: [] for r in rows} for e in engines}
    warm_cpu: dict[str, dict[str, list[float]]] = {e: {r.name: [] for r in rows} for e in engines}
    totals: dict[str, dict[str, int]] = {e: {} for e in engines}
    wait_quiet()
    with Contention() as contention:
        for n in range(rounds + 1):
            for row in rows:
                for engine, fn in engines.items():
                    ms, cpu_ms, total = timed(fn, to_request(row))
                    totals[engine][row.name] = total
                    if n:
                        warm[engine][row.name].append(ms)
                        warm_cpu[engine][row.name].append(cpu_ms)
        print("warm done", flush=True)
        # a query nobody asked since the server started: searcher open, postings not yet read
        first: dict[str, list[float]] = {r.name: [] for r in rows}
        for row in rows:
            ours.engine.clear_caches(postings_only=True)
            clear_segment_cache()
            first[row.name].append(timed(ours.search, to_request(row))[0])
        cold: dict[str, dict[str, list[float]]] = {e: {r.name: [] for r in rows} for e in engines if e != "like"}
        opens: list[float] = []
        for _ in range(cold_rounds):
            for row in rows:
                evict(ours.generation)
                ours.engine.clear_caches()
                clear_segment_cache()
                opens.append(ours.open())
                cold["tracuu"][row.name].append(timed(ours.search, to_request(row))[0])
                if with_tantivy:
                    evict(tantivy_dir)
                    cold["tantivy"][row.name].append(timed(TantivyBaseline(tantivy_dir).search, to_request(row))[0])
    return {
        "code": code,
        "size": size,
        "seed": seed,
        "docs": doc_count,
        "rounds": rounds,
        "cold_rounds": cold_rounds,
        "rows": [r.__dict__ for r in rows],
        "totals": totals,
        "warm": warm,
        "warm_cpu": warm_cpu,
        "cold": cold,
        "first": first,
        "open_ms": summary_ms(opens),
        "searcher_rss_mb": round(searcher_mb, 1),
        "contention": contention.as_dict(),
    }


def _all(samples: dict[str, list[float]], names: list[str] | None = None) -> list[float]:
    return [v for name, values in samples.items() if names is None or name in names for v in values]


def summarise(r: dict) -> dict:
    faceted = [row["name"] for row in r["rows"] if row["facets"]]
    out = {}
    for engine, samples in r["warm"].items():
        cpu = r["warm_cpu"][engine]
        out[engine] = {
            "warm": summary_ms(_all(samples)),
            "warm_facets": summary_ms(_all(samples, faceted)),
            "warm_cpu": summary_ms(_all(cpu)),
            "warm_cpu_facets": summary_ms(_all(cpu, faceted)),
        }
        if engine in r["cold"]:
            out[engine]["cold"] = summary_ms(_all(r["cold"][engine]))
        if engine == "tracuu" and "first" in r:
            out[engine]["first"] = summary_ms(_all(r["first"]))
    return out


def markdown(r: dict, s: dict) -> str:
    def fmt(d: dict | None) -> str:
        return f"{d['p50']:.1f} / {d['p95']:.1f} / {d['p99']:.1f}" if d else "n/a (in memory)"

    names = {"tracuu": "tracuu (Whoosh)", "tantivy": "Tantivy, same tokens", "like": "LIKE scan (SQLite)"}
    rows = [
        (names[e], fmt(v["warm"]), fmt(v["warm_facets"]), fmt(v["warm_cpu"]), fmt(v.get("cold")), v["warm"]["n"])
        for e, v in s.items()
    ]
    head = (
        f"### {r['docs']:,} documents (seed {r['seed']}): {len(r['rows'])} queries, "
        f"{r['rounds']} warm rounds, {r['cold_rounds']} cold; code {r['code']}\n\n"
    )
    text = head + report.table(
        rows, ("engine", "warm p50 / p95 / p99 ms", "warm, facet rows", "warm CPU time", "cold", "n warm")
    )
    if "first" in s["tracuu"]:
        text += (
            "\n\nA query seen for the first time (searcher open and files in the page cache, its postings not yet "
            f"read into arrays): p50 / p95 / p99 **{fmt(s['tracuu']['first'])} ms**."
        )
    ours = s["tracuu"]
    ratios = []
    for e in [x for x in s if x != "tracuu"]:
        for kind in ("warm", "warm_cpu", "cold"):
            if kind in s[e]:
                ratio = " / ".join(f"{ours[kind][p] / max(s[e][kind][p], 1e-3):.1f}×" for p in ("p50", "p95", "p99"))
                ratios.append((f"tracuu ÷ {names[e]}", kind, ratio))
    text += "\n\nOur latency as a ratio to each baseline (p50 / p95 / p99):\n\n"
    text += report.table(ratios, ("ratio", "", "p50 / p95 / p99"))
    p95, p95_cpu = ours["warm_facets"]["p95"], ours["warm_cpu_facets"]["p95"]
    text += (
        f"\n\nTarget: p95 ≤ 30 ms with all facets at 100k documents; here (warm, facet rows) p95 = **{p95:.1f} ms** "
        f"({p95 / 30:.1f}× the target; in CPU time {p95_cpu:.1f} ms, {p95_cpu / 30:.1f}×). "
        f"Opening the index (cold): p50 {r['open_ms']['p50']:.0f} ms"
        + (f"; one open searcher adds {r['searcher_rss_mb']:,.0f} MiB of RSS. " if "searcher_rss_mb" in r else ". ")
        + f"Other processes used {r['contention']['others_cpu_share']:.0%} of the cores during the run.\n\n"
    )
    per_query = []
    for row in r["rows"]:
        name = row["name"]
        med = {e: statistics.median(r["warm"][e][name]) for e in r["warm"]}
        hits = " / ".join(str(r["totals"][e][name]) for e in r["totals"])
        meds = " / ".join(f"{med[e]:.1f}" for e in med)
        cold = statistics.median(r["cold"]["tracuu"][name])
        first = f"{r['first'][name][0]:.1f}" if "first" in r else ""
        params = row["params"].replace("|", "\\|")
        per_query.append(
            (
                name,
                f"`{row['q']}`" if row["q"] else "",
                params,
                "yes" if row["facets"] else "no",
                hits,
                meds,
                first,
                f"{cold:.0f}",
            )
        )
    engines = " / ".join(r["warm"])
    text += "<details><summary>Per query (medians)</summary>\n\n"
    text += report.table(
        per_query,
        ("query", "q", "params", "facets", f"hits {engines}", f"warm ms {engines}", "first ms", "cold ms"),
    )
    return text + "\n\n</details>"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5, help="timed warm passes over the mix")
    parser.add_argument("--cold-rounds", type=int, default=2)
    parser.add_argument("--no-like", action="store_true", help="skip the LIKE scan")
    parser.add_argument("--no-tantivy", action="store_true", help="skip Tantivy (its index takes minutes at 100k)")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from bench/out/*.json")
    args = parser.parse_args(argv)
    if args.render:
        result = json.loads((report.OUT / f"queries-{args.size}.json").read_text())
        report.update(f"queries-{args.size}", "Queries", markdown(result, summarise(result)))
        return
    result = run(args.size, args.seed, args.rounds, args.cold_rounds, not args.no_like, not args.no_tantivy)
    summary = summarise(result)
    report.save_json(f"queries-{args.size}", result | {"summary": summary})
    print(markdown(result, summary))
    if not args.no_report:
        report.update_machine()
        report.update(f"queries-{args.size}", "Queries", markdown(result, summary))


if __name__ == "__main__":
    main()
