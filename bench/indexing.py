"""Indexing benchmark: documents/s and MiB/s against pyvi's own throughput, index size, peak memory, incremental.

For each size, on a seeded slice (bench/data.py):

1. ``build_index`` from scratch in a child process with ``--workers`` processes; its time, and the
   peak memory of the child (RSS of the writer process, PSS summed over it and its pool workers);
2. the ceiling: pyvi's ``ViTokenizer.tokenize`` alone on the same text (title, lead + body) of the
   same documents, in a pool of the same number of processes; for sizes above ``--ceiling-max`` a
   seeded sample of that many documents of the slice (throughput is a per-document average); and
   the same for our call of pyvi's model (``indexer.text.segmenter.tokenize``, pyvi's output in
   about two thirds of its time), what indexing itself runs;
3. the index size on disk against the raw text size (UTF-8 bytes of title, lead and body);
4. incremental: time to add ``--incremental`` new articles to the index, then to remove them again.

    python -m bench.indexing --sizes 1000 10000 100000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import data, report
from bench.measure import Contention, TreeMemory, dir_size, wait_quiet

REPO = Path(__file__).resolve().parent.parent


def _child_build(source: str, index: str, workers: int, rebuild: bool) -> None:
    """Runs in the child process: one build, its report as JSON on stdout."""
    from indexer.index.build import build_index

    rep = build_index([source], index, rebuild=rebuild, workers=workers)
    figures = {k: getattr(rep, k) for k in ("added", "updated", "removed", "unchanged", "seconds")}
    print(json.dumps(figures | {"errors": len(rep.errors)}))


def timed_build(source: Path, index: Path, workers: int, rebuild: bool, quiet: bool = True) -> dict:
    """Build in a child process; its BuildReport figures plus wall time and peak memory."""
    cmd = [sys.executable, "-m", "bench.indexing", "--child", str(source), str(index), str(workers)]
    if rebuild:
        cmd.append("--rebuild")
    if quiet:
        wait_quiet()
    with Contention() as contention:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
        memory = TreeMemory(proc.pid)
        memory.start()
        out, _ = proc.communicate()
        wall = time.monotonic() - started
    if proc.returncode:
        raise RuntimeError(f"build failed ({proc.returncode}): {' '.join(cmd)}")
    figures = json.loads(out.strip().splitlines()[-1]) | {"wall_s": round(wall, 2)}
    return figures | memory.stop() | contention.as_dict()


def _pyvi_doc(texts: tuple[str, str]) -> int:
    from pyvi import ViTokenizer

    return sum(len(ViTokenizer.tokenize(t)) for t in texts if t.strip())


def _our_doc(texts: tuple[str, str]) -> int:
    from indexer.text import segmenter

    return sum(len(segmenter.tokenize(t)) for t in texts if t.strip())


def ceiling(source: Path, size: int, workers: int, limit: int, seed: int, ours: bool = False) -> dict:
    """pyvi alone on the same texts, same number of processes (a seeded sample above ``limit``);
    ``ours``: our call of pyvi's model (``indexer.text.segmenter``, the same output) instead."""
    texts = [
        (r.get("title") or "", "\n\n".join(p for p in (r.get("lead"), r.get("body")) if p))
        for r in data.read_slice(source)
    ]
    if limit and len(texts) > limit:
        texts = random.Random(f"{seed}:ceiling").sample(texts, limit)
    nbytes = sum(len(t.encode("utf-8")) + len(b.encode("utf-8")) for t, b in texts)
    wait_quiet()
    with Contention() as contention:
        started = time.monotonic()
        segment = _our_doc if ours else _pyvi_doc
        if workers > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for _ in pool.imap(segment, texts, chunksize=8):
                    pass
        else:
            for t in texts:
                segment(t)
        seconds = time.monotonic() - started
    return {
        "docs": len(texts),
        "sampled": len(texts) < size,
        "seconds": round(seconds, 2),
        "docs_per_s": round(len(texts) / seconds, 1),
        "mb_per_s": round(nbytes / 2**20 / seconds, 3),
    } | contention.as_dict()


def incremental(size: int, index: Path, workers: int, count: int, seed: int) -> dict:
    """Add ``count`` new articles to the index, then remove them (the file emptied), each timed."""
    path, _stats = data.write_extra(size, count, seed)
    added = timed_build(path, index, workers, rebuild=False)
    path.write_text("")
    removed = timed_build(path, index, workers, rebuild=False, quiet=False)
    path.unlink()
    return {"add": added, "remove": removed}


def run_size(size: int, workers: int, seed: int, ceiling_max: int, extra: int) -> dict:
    code = report.code_version()
    source, stats = data.ensure_slice(size, seed)
    index = data.index_dir(size, seed)
    shutil.rmtree(index, ignore_errors=True)
    print(f"[{size}] building {source} -> {index} with {workers} workers", flush=True)
    build = timed_build(source, index, workers, rebuild=True)
    mb = stats["text_bytes"] / 2**20
    build |= {"docs_per_s": round(stats["docs"] / build["seconds"], 1), "mb_per_s": round(mb / build["seconds"], 3)}
    print(f"[{size}] build {build}", flush=True)
    on_disk = dir_size((index / "current").resolve())
    parts = disk_parts((index / "current").resolve())
    ceil = ceiling(source, size, workers, ceiling_max, seed)
    print(f"[{size}] pyvi ceiling {ceil}", flush=True)
    ours = ceiling(source, size, workers, ceiling_max, seed, ours=True)
    print(f"[{size}] our segmenter alone {ours}", flush=True)
    result = {
        "code": code,
        "size": size,
        "workers": workers,
        "seed": seed,
        "text_mb": round(mb, 2),
        "index_mb": round(on_disk / 2**20, 2),
        "index_to_text": round(on_disk / stats["text_bytes"], 2),
        "build": build,
        "ceiling": ceil,
        "segmenter": ours,
        "ratio_to_ceiling": round(build["docs_per_s"] / ceil["docs_per_s"], 3),
        "segments": parts.pop("segments"),
        "disk_parts": parts,
    }
    if extra:
        result["incremental"] = incremental(size, index, workers, extra, seed)
        print(f"[{size}] incremental {result['incremental']}", flush=True)
    return result


def disk_parts(generation: Path) -> dict:
    """What the index's bytes are: Whoosh's files by kind, and the packed files by field."""
    from indexer.index.packed import EXTENSION, PackedSegment

    kinds: dict[str, int] = {}
    fields: dict[str, int] = {}
    segments = 0
    for path in generation.iterdir():
        if path.suffix == EXTENSION:
            segments += 1
            for name, sizes in PackedSegment(path).field_sizes().items():
                fields[name] = fields.get(name, 0) + sizes["bytes"]
        kind = {".pst": "Whoosh postings (.pst)", ".trm": "Whoosh terms (.trm)", EXTENSION: "packed (.tpk)"}.get(
            path.suffix, "Whoosh columns and stored fields (.col, .seg, .toc)"
        )
        kinds[kind] = kinds.get(kind, 0) + path.stat().st_size
    return {"segments": segments, "files": kinds, "packed_fields": fields}


def parts_markdown(r: dict, text_bytes: float) -> str:
    parts = r.get("disk_parts")
    if not parts:
        return ""
    rows = [(kind, f"{size / 2**20:,.1f} MiB", f"{size / text_bytes:.2f} ×") for kind, size in parts["files"].items()]
    text_fields = sorted(
        (name for name in parts["packed_fields"] if name.endswith(("_exact", "_folded"))),
        key=lambda name: -parts["packed_fields"][name],
    )
    rows += [(f"packed: {name}", f"{parts['packed_fields'][name] / 2**20:,.1f} MiB", "") for name in text_fields]
    rest = sum(v for k, v in parts["packed_fields"].items() if k not in text_fields)
    rows.append(("packed: every other field", f"{rest / 2**20:,.1f} MiB", ""))
    return f"\n\nOn disk, {r['segments']} segments:\n\n" + report.table(rows, ("part", "size", "× raw text"))


def markdown(r: dict) -> str:
    b, c = r["build"], r["ceiling"]
    sample = f" (seeded sample of {c['docs']:,} of the {r['size']:,} documents)" if c["sampled"] else ""
    rows = [
        ("build time", f"{b['seconds']:.1f} s (child process wall {b['wall_s']:.1f} s)"),
        ("throughput", f"**{b['docs_per_s']:,.1f} docs/s, {b['mb_per_s']:.3f} MiB/s**"),
        (f"pyvi ceiling{sample}", f"{c['docs_per_s']:,.1f} docs/s, {c['mb_per_s']:.3f} MiB/s ({c['seconds']:.1f} s)"),
        ("ratio to ceiling (target ≥ 0.6, issue 15)", f"**{r['ratio_to_ceiling']:.2f}**"),
        ("raw text (title + lead + body, UTF-8)", f"{r['text_mb']:,.1f} MiB"),
        ("index on disk", f"{r['index_mb']:,.1f} MiB = **{r['index_to_text']:.2f} × raw text**"),
        ("peak memory", f"writer process RSS {b['peak_rss_mb']:,.0f} MiB; tree PSS {b['peak_tree_pss_mb']:,.0f} MiB"),
    ]
    ncpu = os.cpu_count() or 1
    build_cpu = b["own_cpu_share"] * b["wall_s"] * ncpu / b["added"] * 1000
    ceil_cpu = c["own_cpu_share"] * c["seconds"] * ncpu / c["docs"] * 1000
    rows.append(
        (
            "CPU time per document (robust to other load)",
            f"build {build_cpu:.0f} ms, pyvi {ceil_cpu:.0f} ms: CPU-work ratio **{ceil_cpu / build_cpu:.2f}**",
        )
    )
    if "segmenter" in r:
        o = r["segmenter"]
        ours_cpu = o["own_cpu_share"] * o["seconds"] * ncpu / o["docs"] * 1000
        rows.append(
            (
                "our call of pyvi's model alone (`segmenter.tokenize`, same output), same sample",
                f"{o['docs_per_s']:,.1f} docs/s ({o['seconds']:.1f} s), {ours_cpu:.1f} ms a document: "
                f"wall ratio {b['docs_per_s'] / o['docs_per_s']:.2f}, CPU-work ratio {ours_cpu / build_cpu:.2f}",
            )
        )
    rows.append(
        (
            "CPU used by other processes meanwhile (share of all cores)",
            f"build {b['others_cpu_share']:.0%}, ceiling {c['others_cpu_share']:.0%}",
        )
    )
    if "incremental" in r:
        add, rem = r["incremental"]["add"], r["incremental"]["remove"]
        added = f"**{add['seconds']:.1f} s** (wall {add['wall_s']:.1f} s)"
        rows.append((f"incremental: add {add['added']} new articles", added))
        rows.append(("incremental: remove them again", f"{rem['seconds']:.1f} s (wall {rem['wall_s']:.1f} s)"))
    head = f"### {r['size']:,} documents, {r['workers']} worker processes (seed {r['seed']}; code {r['code']})\n\n"
    return head + report.table(rows, ("measure", "value")) + parts_markdown(r, r["text_mb"] * 2**20)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ceiling-max", type=int, default=10000, help="sample size for the pyvi ceiling (0 = all)")
    parser.add_argument("--incremental", type=int, default=100, help="new articles to add (0 = skip)")
    parser.add_argument("--no-report", action="store_true", help="do not touch bench/RESULTS.md")
    parser.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from bench/out/*.json")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--rebuild", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child_build(args.child[0], args.child[1], int(args.child[2]), args.rebuild)
        return
    for size in args.sizes:
        if args.render:
            result = json.loads((report.OUT / f"indexing-{size}.json").read_text())
            report.update(f"indexing-{size}", "Indexing", markdown(result))
            continue
        result = run_size(size, args.workers, args.seed, args.ceiling_max, args.incremental)
        report.save_json(f"indexing-{size}", result)
        if not args.no_report:
            report.update_machine()
            report.update(f"indexing-{size}", "Indexing", markdown(result))


if __name__ == "__main__":
    main()
