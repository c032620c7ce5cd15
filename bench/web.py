"""Web benchmark: requests/s and latency of /api/search and the HTML page under concurrent load.

Starts the production server (``tracuu serve``: gunicorn, ``--workers`` processes of
``--threads`` threads) in a subprocess on 127.0.0.1 and a free port, warms it with every query
of the mix, then, for each endpoint, runs locust headless in a second process
(bench/locustfile.py: ``--users`` closed-loop users cycling through bench/query_mix.tsv,
stopping after ``--seconds`` or ``--max-requests``). Records the memory of the server's process
tree (PSS: pages the workers share with their parent count once) and its CPU use. Only
127.0.0.1 is ever contacted.

    python -m bench.web --size 10000 --seconds 60
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import psutil

from bench import data, report
from bench.measure import Contention, TreeMemory, wait_quiet
from bench.queries import MIX, ensure_index, load_mix

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(index: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    tracuu = shutil.which("tracuu")
    cmd = [tracuu] if tracuu else [sys.executable, "-c", "from search_app.cli import main; main()"]
    cmd += ["serve", "--index", str(index), "--host", HOST, "--port", str(port)]
    cmd += ["--workers", str(workers), "--threads", str(threads)]
    env = os.environ | {"TRACUU_DATA": str(data.bench_dir() / "data-home")}
    log = open(data.bench_dir() / f"server-{port}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_server(server: subprocess.Popen) -> None:
    """Ask the server to stop; kill it if it has not within 10 s."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def get(url: str, timeout: float = 60) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        resp.read()
        return resp.status


def wait_ready(base: str, server: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            if get(base + "/api/search?q=test") == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("server did not answer")


def run_locust(base: str, endpoint: str, users: int, seconds: int, max_requests: int, out: Path) -> dict:
    prefix = out / endpoint
    cmd = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py"))]
    cmd += ["--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base]
    cmd += ["--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"]
    env = os.environ | {"BENCH_ENDPOINT": endpoint, "BENCH_MAX_REQUESTS": str(max_requests), "PYTHONPATH": str(REPO)}
    subprocess.run(cmd, cwd=REPO, env=env, check=False, stdout=subprocess.DEVNULL, timeout=seconds + 120)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    pct = {p: float(row[f"{p}%"]) for p in ("50", "95", "99")}
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 1),
        "mean_ms": round(float(row["Average Response Time"]), 1),
        "p50_ms": pct["50"],
        "p95_ms": pct["95"],
        "p99_ms": pct["99"],
        "max_ms": float(row["Max Response Time"]),
    }


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    return [proc, *proc.children(recursive=True)]


def server_tree(server: subprocess.Popen, workers: int, timeout: float = 60) -> list[psutil.Process]:
    """The server's processes once all ``workers`` have started (the first answers before the last forks)."""
    deadline = time.monotonic() + timeout
    while True:
        procs = _tree(psutil.Process(server.pid))
        if len(procs) > workers or time.monotonic() > deadline:
            return procs
        time.sleep(0.2)


def _tree_cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            total += sum(p.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total


def tree_anon_pss_mb(procs: list[psutil.Process]) -> float | None:
    """The PSS of the processes' anonymous memory (their own; mapped index files are page cache), MiB."""
    total = 0
    for p in procs:
        try:
            rollup = Path(f"/proc/{p.pid}/smaps_rollup").read_text()
        except OSError:
            return None
        found = re.search(r"^Pss_Anon:\s+(\d+) kB", rollup, re.MULTILINE)
        if found is None:
            return None
        total += int(found.group(1))
    return round(total / 1024, 1)


def _tree_memory_mb(procs: list[psutil.Process]) -> tuple[float, float]:
    """(sum of RSS, sum of PSS) of the processes, in MiB."""
    rss = pss = 0
    for p in procs:
        info = p.memory_full_info()
        rss, pss = rss + info.rss, pss + info.pss
    return round(rss / 2**20, 1), round(pss / 2**20, 1)


def run(
    size: int, seed: int, seconds: int, users: int, max_requests: int, endpoints: list[str], workers: int, threads: int
) -> dict:
    index = ensure_index(size, seed)
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = start_server(index, port, workers, threads)
    proc = psutil.Process(server.pid)
    results: dict = {
        "code": report.code_version(),
        "size": size,
        "seed": seed,
        "seconds": seconds,
        "users": users,
        "workers": workers,
        "threads": threads,
        "endpoints": {},
    }
    try:
        wait_ready(base, server)

        for row in load_mix():  # warm: every query once on each endpoint
            for path in ("/api/search", "/"):
                get(base + path + "?" + urlencode([("q", row.q), *parse_qsl(row.params)]))
        procs = _tree(proc)
        results["rss_after_warmup_mb"], results["pss_after_warmup_mb"] = _tree_memory_mb(procs)
        memory = TreeMemory(server.pid)
        memory.start()
        with tempfile.TemporaryDirectory(prefix="tracuu-web-") as tmp:
            for endpoint in endpoints:
                wait_quiet()
                cpu0 = _tree_cpu(procs)
                with Contention(procs) as contention:
                    figures = run_locust(base, endpoint, users, seconds, max_requests, Path(tmp))
                server_cpu = _tree_cpu(procs) - cpu0
                figures["server_cores"] = round(server_cpu / seconds, 2)
                figures |= contention.as_dict()
                results["endpoints"][endpoint] = figures
                print(endpoint, figures, flush=True)
        results |= memory.stop()
    finally:
        stop_server(server)
    return results


def markdown(r: dict) -> str:
    names = {"api": "`/api/search` (JSON)", "html": "`/` (HTML page)"}
    rows = [
        (
            names[e],
            f"**{f['rps']:.0f}**",
            f"{f['p50_ms']:.0f} / {f['p95_ms']:.0f} / {f['p99_ms']:.0f}",
            f"{f['requests']:,}",
            f["failures"],
            f"{f['server_cores']:.2f}",
            f"{f['others_cpu_share']:.0%}",
        )
        for e, f in r["endpoints"].items()
    ]
    server = (
        f"gunicorn (`tracuu serve`, {r['workers']} processes × {r['threads']} threads)"
        if "workers" in r
        else "waitress (`tracuu serve`, 8 threads)"
    )
    head = (
        f"### {r['size']:,} documents: {server}, {r['users']} locust users, "
        f"{r['seconds']} s per endpoint; code {r['code']}\n\n"
    )
    text = head + report.table(
        rows,
        ("endpoint", "requests/s", "p50 / p95 / p99 ms", "requests", "failures", "server CPU (cores)", "others' CPU"),
    )
    best = max(f["rps"] for f in r["endpoints"].values())
    if "pss_after_warmup_mb" in r:
        memory = (
            f"PSS of the process tree {r['pss_after_warmup_mb']:.0f} MiB after warm-up (RSS summed over the "
            f"processes {r['rss_after_warmup_mb']:.0f} MiB, counting shared pages once per process), peak PSS "
            f"{r['peak_tree_pss_mb']:.0f} MiB under load"
        )
    else:
        memory = f"RSS {r['rss_after_warmup_mb']:.0f} MiB after warm-up, peak {r['peak_rss_mb']:.0f} MiB under load"
    return text + (
        f"\n\nServer memory: {memory} (target < 500 MiB at 100k documents). Target ≥ 300 requests/s on 2 cores: "
        f"best here "
        f"{best:.0f} requests/s ({best / 300:.2f} of the target). The load generator shares the 2 cores "
        f"with the server. Query mix: `{MIX.name}`, every row cycled in order.\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=200_000, help="per endpoint; the run stops at this")
    parser.add_argument("--endpoints", nargs="+", default=["api", "html"], choices=["api", "html"])
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    parser.add_argument("--label", default="", help="suffix of the report block, to keep several configurations")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from bench/out/*.json")
    args = parser.parse_args(argv)
    if args.render:
        result = json.loads((report.OUT / f"web-{args.size}{args.label}.json").read_text())
        report.update(f"web-{args.size}{args.label}", "Web", markdown(result))
        return
    result = run(
        args.size, args.seed, args.seconds, args.users, args.max_requests, args.endpoints, args.workers, args.threads
    )
    report.save_json(f"web-{args.size}{args.label}", result)
    print(markdown(result))
    if not args.no_report:
        report.update_machine()
        report.update(f"web-{args.size}{args.label}", "Web", markdown(result))


if __name__ == "__main__":
    main()
