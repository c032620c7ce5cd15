"""Profiles (pyinstrument) of the slowest part of each benchmark, in one process so every frame shows.

* ``indexing``: ``--docs`` articles of the slice read, prepared (``prepare``: pyvi, metadata)
  and added to a fresh Whoosh index in this process (the build does the same with the
  preparation spread over worker processes);
* ``queries``: ``--rounds`` warm passes of the query mix over the index of ``--size``;
* ``web``: the same mix through the Flask app's test client, JSON API and HTML page (waitress
  left out: it only hands requests to the app).

Each writes bench/out/profile-KIND.txt (call tree) and profile-KIND-flat.txt (functions by own
time), and prints the top of the flat profile.

    python -m bench.profiling indexing queries web --size 10000
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer

from bench import data, report
from bench.queries import ensure_index, load_mix, to_request


def profile_indexing(size: int, seed: int, docs: int) -> Profiler:
    from whoosh import index as whoosh_index

    from indexer.documents.extract import read_sources
    from indexer.index.build import POOL_MB, prepare
    from indexer.index.schema import build_schema
    from indexer.index.workers import segment_writer
    from indexer.text.analysis import load_segmenter

    source, _ = data.ensure_slice(size, seed)
    load_segmenter()
    with tempfile.TemporaryDirectory(prefix="tracuu-prof-") as tmp:
        ix = whoosh_index.create_in(tmp, build_schema())
        profiler = Profiler(interval=0.001)
        with profiler:
            writer = segment_writer(ix, POOL_MB)
            for article in itertools.islice(read_sources([source]), docs):
                writer.add_document(**prepare(article))
            writer.commit()
    return profiler


def profile_queries(size: int, seed: int, rounds: int) -> Profiler:
    from search_app.engine import Engine

    engine = Engine(ensure_index(size, seed), result_cache=0)
    rows = load_mix()
    engine.warm()
    for row in rows:
        engine.search(to_request(row))
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(rounds):
            for row in rows:
                engine.search(to_request(row))
    return profiler


def profile_web(size: int, seed: int, rounds: int) -> Profiler:
    from urllib.parse import parse_qsl, urlencode

    from search_app import create_app
    from search_app.settings import Settings

    app = create_app(Settings.from_env(data=data.bench_dir() / "data-home", index=ensure_index(size, seed)))
    client = app.test_client()
    urls = [
        path + "?" + urlencode([("q", row.q), *parse_qsl(row.params)])
        for row in load_mix()
        for path in ("/api/search", "/")
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(rounds):
            for url in urls:
                client.get(url)
    return profiler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kinds", nargs="*", default=["indexing", "queries", "web"])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--docs", type=int, default=300, help="articles for the indexing profile")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    report.OUT.mkdir(exist_ok=True)
    for kind in args.kinds:
        if kind == "indexing":
            profiler = profile_indexing(args.size, args.seed, args.docs)
        elif kind == "queries":
            profiler = profile_queries(args.size, args.seed, args.rounds)
        else:
            profiler = profile_web(args.size, args.seed, args.rounds)
        tree = profiler.output(ConsoleRenderer(show_all=False, time="percent_of_total"))
        flat = profiler.output(ConsoleRenderer(flat=True, time="percent_of_total"))
        Path(report.OUT / f"profile-{kind}-{args.size}.txt").write_text(tree)
        Path(report.OUT / f"profile-{kind}-{args.size}-flat.txt").write_text(flat)
        print(f"== {kind} ({args.size} documents): functions by own time ==")
        print("\n".join(flat.splitlines()[: args.top + 8]))


if __name__ == "__main__":
    main()
