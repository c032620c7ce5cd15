"""Long-tail benchmark (issue 15): distinct realistic queries, each sent once to a fresh server.

The 27-query mix of bench/queries.py repeats the same few terms, whose postings stay in the
server's cache; members' queries are long-tail. This benchmark draws ``--queries`` distinct
queries (default 300) with a fixed seed from the articles of the bench slice (``../shared/corpus``
records, see bench/data.py): spans of 2-6 words of a title or a body, half of them with the
diacritics removed (``fold_accents``) and about a fifth with a facet filter (the year, unit or
type of the article the span came from, each a value the index holds).

For each size, a freshly started ``tracuu serve`` (gunicorn, as bench/web.py starts it, result
cache off: ``TRACUU_RESULT_CACHE=0``) gets the whole stream once (first pass), then again (second
pass), from one client, one request at a time, on ``/api/search``: p50/p95/p99 latency, the
server tree's CPU time per query and its PSS after each pass. In the same run Tantivy over the
same tokens (bench/baselines.py), in a fresh process, gets the same stream twice. With
``--seconds`` > 0, locust then loads the server with ``--users`` users sending the stream
(bench/locustfile.py, BENCH_URLS) for requests/s under load.

``--profile`` instead runs the stream in this process, each query seen for the first time, under
pyinstrument (bench/out/profile-longtail-N.txt and -flat.txt).

    nice python -m bench.longtail --size 10000
    python -m bench.longtail --size 10000 --profile
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import psutil

from bench import data, report
from bench.measure import Contention, summary_ms, wait_quiet

SEED = 15  # the number: the stream is the same on every run and at every size
SOURCE_SIZE = 10000  # queries come from the 10k slice, which every larger slice contains
WORD = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)*", re.UNICODE)


# --- the stream ---------------------------------------------------------------------------------


def make_stream(index: Path, count: int = 300, seed: int = SEED) -> list[dict]:
    """``count`` distinct requests as {"q", "params"}, drawn by seed from the 10k slice's articles."""
    from indexer.index.build import open_index
    from indexer.text.normalise import fold_accents

    source, _ = data.ensure_slice(SOURCE_SIZE, 1)
    records = list(data.read_slice(source))
    rng = random.Random(seed)
    stream: list[dict] = []
    seen: set[tuple] = set()
    with open_index(index).searcher() as searcher:
        reader = searcher.reader()
        while len(stream) < count:
            record = rng.choice(records)
            text = record.get("title") if rng.random() < 0.5 else record.get("body")
            words = WORD.findall(text or "")
            width = rng.randint(2, 6)
            if len(words) < width:
                continue
            start = rng.randrange(len(words) - width + 1)
            q = " ".join(words[start : start + width]).lower()
            if sum(ch.isdigit() for ch in q) > len(q) // 3:
                continue  # mostly numbers: a document-number query, not a long-tail one
            if rng.random() < 0.5:
                q = fold_accents(q)
            params: list[tuple[str, str]] = []
            if rng.random() < 0.2:
                field = rng.choice(["year", "unit", "type"])
                value = (record.get("date") or "")[:4] if field == "year" else record.get(field)
                if value and (field, value) in reader:
                    params.append((field, value))
            key = (q, tuple(params))
            if key in seen:
                continue
            seen.add(key)
            stream.append({"q": q, "params": params})
    return stream


def params_of(request: dict) -> list[tuple[str, str]]:
    return [(name, value) for name, value in request["params"]]  # pairs come back from JSON as lists


def url_of(request: dict) -> str:
    return "/api/search?" + urlencode([("q", request["q"]), *params_of(request)])


# --- the server ---------------------------------------------------------------------------------


def _get(url: str) -> tuple[float, dict]:
    """Milliseconds to the last byte of the answer, and what it says of the documents found."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as resp:
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{url}: {resp.status}")
    ms = (time.perf_counter() - started) * 1000
    answer = json.loads(body)
    return ms, {k: answer[k] for k in ("total", "complete", "relaxed", "corrected")}


def agreement(ours: list[dict], theirs: list[int]) -> dict:
    """How many queries Tantivy finds as many documents for as ours finds with every word.

    Ours also lists the documents missing one word of a long query (soft AND), and searches a
    spelling correction when the words as typed find nothing; Tantivy over the same query does
    neither, so those queries are counted apart."""
    out = {"same": 0, "corrected": 0, "only_missing_one": 0, "other": 0}
    for answer, total in zip(ours, theirs, strict=True):
        if answer["corrected"]:
            out["corrected"] += 1
        elif not answer["complete"] and answer["total"] and not answer["relaxed"]:
            out["only_missing_one"] += 1
        elif total == (answer["total"] if answer["relaxed"] else answer["complete"]):
            out["same"] += 1
        else:
            out["other"] += 1
    return out


def serve_passes(index: Path, stream: list[dict], workers: int, threads: int, users: int, seconds: int) -> dict:
    """The stream twice through a fresh ``tracuu serve``, then (optionally) under locust load."""
    from bench.web import (
        _tree_cpu,
        _tree_memory_mb,
        free_port,
        run_locust,
        server_tree,
        start_server,
        stop_server,
        tree_anon_pss_mb,
        wait_ready,
    )

    os.environ["TRACUU_RESULT_CACHE"] = "0"  # every request searches
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(index, port, workers, threads)
    out: dict = {"workers": workers, "threads": threads, "passes": []}
    try:
        wait_ready(base, server)
        procs = server_tree(server, workers)
        out["rss_ready_mb"], out["pss_ready_mb"] = _tree_memory_mb(procs)
        wait_quiet()
        for n in (1, 2):
            cpu0 = _tree_cpu(procs)
            with Contention(procs) as contention:
                timed = [_get(base + url_of(r)) for r in stream]
            latencies = [ms for ms, _answer in timed]
            out["answers"] = [answer for _ms, answer in timed]
            cpu = _tree_cpu(procs) - cpu0
            rss, pss = _tree_memory_mb(procs)
            figures = {
                "pass": n,
                "ms": summary_ms(latencies),
                "latencies": [round(v, 2) for v in latencies],
                "server_cpu_ms_per_query": round(cpu * 1000 / len(stream), 2),
                "rss_mb": rss,
                "pss_mb": pss,
                "pss_anon_mb": tree_anon_pss_mb(procs),
            } | contention.as_dict()
            out["passes"].append(figures)
            print(f"server pass {n}: {figures['ms']} cpu/query {figures['server_cpu_ms_per_query']} ms", flush=True)
        if seconds > 0:
            with tempfile.TemporaryDirectory(prefix="tracuu-longtail-") as tmp:
                urls = Path(tmp) / "urls.txt"
                urls.write_text("\n".join(url_of(r) for r in stream) + "\n", "utf-8")
                os.environ["BENCH_URLS"] = str(urls)
                wait_quiet()
                cpu0 = _tree_cpu(procs)
                with Contention(procs) as contention:
                    load = run_locust(base, "api", users, seconds, 10_000_000, Path(tmp))
                load["server_cores"] = round((_tree_cpu(procs) - cpu0) / seconds, 2)
                load |= contention.as_dict() | {"users": users, "seconds": seconds}
                load["rss_mb"], load["pss_mb"] = _tree_memory_mb(procs)
                load["pss_anon_mb"] = tree_anon_pss_mb(procs)
                out["load"] = load
                print("under load:", load, flush=True)
    finally:
        stop_server(server)
    return out


# --- Tantivy --------------------------------------------------------------------------------------


def tantivy_dir_for(index: Path, size: int, seed: int) -> Path:
    """The Tantivy index of bench/queries.py for this index generation, built (untimed) when missing."""
    from bench.baselines import build_tantivy, stored_docs
    from indexer.index.build import current_generation, open_index

    path = data.bench_dir() / f"tantivy-{size}-s{seed}-{current_generation(index).name}"
    if not path.exists():
        print(f"building Tantivy index {path}", flush=True)
        with open_index(index).searcher() as searcher:
            reader = searcher.reader()
            print(f"  {build_tantivy(reader, stored_docs(searcher), path):.1f} s", flush=True)
    return path


def tantivy_passes(path: Path, stream: list[dict]) -> dict:
    """Run in a fresh process (``--tantivy-child``): the stream twice, timed per request."""
    from bench.baselines import TantivyBaseline
    from bench.queries import Row, timed, to_request
    from indexer.text.analysis import load_segmenter

    load_segmenter()  # our query parsing runs pyvi, for Tantivy too; loading it is not a query
    engine = TantivyBaseline(path)
    requests = [to_request(Row("", r["q"], urlencode(params_of(r)), True)) for r in stream]
    out: dict = {"passes": []}
    for n in (1, 2):
        cpu0 = time.process_time()
        timings = [timed(engine.search, req) for req in requests]
        cpu = time.process_time() - cpu0
        latencies = [ms for ms, _cpu, _total in timings]
        out["totals"] = [total for _ms, _cpu, total in timings]
        out["passes"].append(
            {
                "pass": n,
                "ms": summary_ms(latencies),
                "latencies": [round(v, 2) for v in latencies],
                "cpu_ms_per_query": round(cpu * 1000 / len(stream), 2),
                "rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
            }
        )
    return out


def run_tantivy_child(path: Path, stream: list[dict]) -> dict:
    with tempfile.TemporaryDirectory(prefix="tracuu-longtail-") as tmp:
        stream_file, result_file = Path(tmp) / "stream.json", Path(tmp) / "result.json"
        stream_file.write_text(json.dumps(stream, ensure_ascii=False), "utf-8")
        cmd = [sys.executable, "-m", "bench.longtail", "--tantivy-child", str(path), str(stream_file)]
        subprocess.run([*cmd, str(result_file)], cwd=data.REPO, check=True)
        result = json.loads(result_file.read_text("utf-8"))
    for figures in result["passes"]:
        print(f"tantivy pass {figures['pass']}: {figures['ms']}", flush=True)
    return result


# --- profile ----------------------------------------------------------------------------------------


def profile(index: Path, stream: list[dict], size: int, top: int) -> None:
    """Every query of the stream seen for the first time in this process, under pyinstrument."""
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    from bench.queries import Row, to_request
    from search_app.engine import Engine

    engine = Engine(index, result_cache=0)
    engine.warm()
    engine.search(to_request(Row("", "test", "", True)))
    requests = [to_request(Row("", r["q"], urlencode(params_of(r)), True)) for r in stream]
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for req in requests:
            engine.search(req)
    print(f"{len(requests)} first-sight queries in {time.perf_counter() - started:.1f} s", flush=True)
    tree = profiler.output(ConsoleRenderer(show_all=False, time="percent_of_total"))
    flat = profiler.output(ConsoleRenderer(flat=True, time="percent_of_total"))
    report.OUT.mkdir(exist_ok=True)
    (report.OUT / f"profile-longtail-{size}.txt").write_text(tree)
    (report.OUT / f"profile-longtail-{size}-flat.txt").write_text(flat)
    print("\n".join(flat.splitlines()[: top + 8]))


# --- the report -------------------------------------------------------------------------------------


def run(size: int, seed: int, count: int, workers: int, threads: int, users: int, seconds: int, tantivy: bool) -> dict:
    from bench.queries import ensure_index

    index = ensure_index(size, seed)
    stream = make_stream(index, count)
    result: dict = {
        "code": report.code_version(),
        "size": size,
        "seed": seed,
        "queries": len(stream),
        "filtered": sum(1 for r in stream if r["params"]),
        "stream": stream,
    }
    result["tracuu"] = serve_passes(index, stream, workers, threads, users, seconds)
    report.save_json(f"longtail-{size}-partial", result)  # kept should the baseline fail
    if tantivy:
        result["tantivy"] = run_tantivy_child(tantivy_dir_for(index, size, seed), stream)
        result["agreement"] = agreement(result["tracuu"]["answers"], result["tantivy"]["totals"])
        print("documents found, Tantivy against ours:", result["agreement"], flush=True)
    return result


def _cell(p: dict) -> str:
    return f"{p['ms']['p50']:.1f} / {p['ms']['p95']:.1f} / {p['ms']['p99']:.1f}"


def markdown(results: list[dict], command: str) -> str:
    """One block per size: every run of it (e.g. before and after a change), newest last."""
    r = results[-1]
    lines = [
        f"### {r['size']:,} documents (seed {r['seed']}): {r['queries']} distinct long-tail queries, "
        f"each sent once to a fresh server, then again\n",
        "Commands: "
        + ", ".join(f"`{x.get('command', command)}`" for x in results)
        + ". Queries: spans of 2-6 words of real titles and bodies (the 10k slice of "
        f"`../shared/corpus`, seed {SEED}), half without diacritics, {r['filtered']} with a year, unit or type "
        f"filter. Our server: `tracuu serve` ({r['tracuu']['workers']} processes × {r['tracuu']['threads']} "
        "threads), `TRACUU_RESULT_CACHE=0`, `/api/search` with facets, one request at a time. Tantivy: the "
        "same requests over the same tokens (bench/baselines.py), in a fresh process. Milliseconds "
        "p50 / p95 / p99; server CPU per query summed over the server's processes; PSS of the server's "
        "tree after the pass (own: its anonymous memory; the rest is pages of mapped index files, the page cache's).\n",
    ]
    rows = []
    for run_ in results:
        label = run_.get("label") or "now"
        for p in run_["tracuu"]["passes"]:
            rows.append(
                (
                    f"tracuu, {label} (code {run_['code']})",
                    p["pass"],
                    f"**{_cell(p)}**",
                    f"{p['server_cpu_ms_per_query']:.1f}",
                    _memory(p),
                    f"{p['others_cpu_share']:.0%}",
                )
            )
        for p in run_.get("tantivy", {}).get("passes", []):
            rows.append(
                (f"Tantivy ({label} run)", p["pass"], _cell(p), f"{p['cpu_ms_per_query']:.1f}", "—", "—"),
            )
    lines.append(
        report.table(rows, ("engine", "pass", "p50 / p95 / p99 ms", "CPU ms per query", "server PSS", "others' CPU"))
    )
    now = r["tracuu"]["passes"]
    ratio = now[0]["ms"]["p95"] / now[1]["ms"]["p95"] if now[1]["ms"]["p95"] else float("nan")
    lines.append(
        f"\nTargets (issue 15): long-tail p95 ≤ 50 ms at 100k on both passes; here at {r['size']:,} "
        f"p95 {now[0]['ms']['p95']:.1f} / {now[1]['ms']['p95']:.1f} ms "
        f"({now[0]['ms']['p95'] / 50:.2f} / {now[1]['ms']['p95'] / 50:.2f} of it); the first pass's p95 is "
        f"{ratio:.2f}× the second's here (target at 10k: within 3×)."
    )
    if "agreement" in r:
        a = r["agreement"]
        lines.append(
            f"\nSame documents: Tantivy finds as many documents as ours finds with every word (or, where "
            f"none has them all, with any) for **{a['same']} of {r['queries']}** queries; ours searched a "
            f"spelling correction for {a['corrected']}, found only documents missing one word for "
            f"{a['only_missing_one']} (Tantivy has neither), and the counts differ for {a['other']}."
        )
    for run_ in results:
        load = run_["tracuu"].get("load")
        if load:
            lines.append(
                f"\nUnder load, {run_.get('label') or 'now'} ({load['users']} locust users sending the stream, "
                f"{load['seconds']} s): **{load['rps']:.0f} requests/s**, p50 / p95 / p99 {load['p50_ms']:.0f} / "
                f"{load['p95_ms']:.0f} / {load['p99_ms']:.0f} ms, {load['failures']} failures, server "
                f"{load['server_cores']:.2f} cores, PSS {_memory(load)} after, others' CPU "
                f"{load['others_cpu_share']:.0%} (target ≥ 100 long-tail requests/s at 100k; locust shares "
                "the 2 cores)."
            )
    return "\n".join(lines) + "\n"


def _memory(figures: dict) -> str:
    """PSS, and the anonymous part of it where measured (the rest is mapped index files: page cache)."""
    anon = figures.get("pss_anon_mb")
    return f"{figures['pss_mb']:.0f} MiB" + (f" ({anon:.0f} MiB own)" if anon is not None else "")


def render(size: int, command: str) -> None:
    runs = []
    for name in (f"longtail-{size}-before", f"longtail-{size}"):
        path = report.OUT / f"{name}.json"
        if path.exists():
            runs.append(json.loads(path.read_text("utf-8")))
    if runs:
        report.update(f"longtail-{size}", "Queries", markdown(runs, command))


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) == 5 and sys.argv[1] == "--tantivy-child":
        path, stream_file, result_file = map(Path, sys.argv[2:])
        result = tantivy_passes(path, json.loads(stream_file.read_text("utf-8")))
        result_file.write_text(json.dumps(result), "utf-8")
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, nargs="+", default=None, help="default: 10000, and 100000 if built")
    parser.add_argument("--seed", type=int, default=1, help="of the bench slice and index")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=0, help="locust load after the passes (0: none)")
    parser.add_argument("--no-tantivy", action="store_true")
    parser.add_argument("--label", default="", help="'before': kept beside the current run in the block")
    parser.add_argument("--profile", action="store_true", help="first-sight profile in this process instead")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from bench/out/*.json")
    args = parser.parse_args(argv)
    sizes = args.size or [10000] + ([100000] if data.index_dir(100000, args.seed).exists() else [])
    command = "python -m bench.longtail " + " ".join(sys.argv[1:] if argv is None else argv)
    for size in sizes:
        if args.render:
            render(size, command)
            continue
        if args.profile:
            from bench.queries import ensure_index

            index = ensure_index(size, args.seed)
            profile(index, make_stream(index, args.queries), size, args.top)
            continue
        result = run(
            size, args.seed, args.queries, args.workers, args.threads, args.users, args.seconds, not args.no_tantivy
        )
        result["label"] = args.label
        result["command"] = command
        name = f"longtail-{size}" + (f"-{args.label}" if args.label else "")
        report.save_json(name, result)
        (report.OUT / f"longtail-{size}-partial.json").unlink(missing_ok=True)
        if not args.no_report:
            render(size, command)


if __name__ == "__main__":
    main()
