"""Search-quality evaluation: success@1/@10, MRR, nDCG@10 and recall@10 per query class, ours against plain Whoosh.

Two sets of judged queries, each a TSV of class, fast, query, relevant ids (a grade is written
``id:2``, plain ids are grade 1):

* ``bench/eval/queries.tsv``: how the text is written (accents or none, NFD, tone placement,
  capitals, abbreviations, numbers, phrases, a few misspellings, unit and topic). Queries of class
  ``nfd`` are stored NFC and turned into NFD here; ``upper`` queries are stored as typed.
* ``bench/eval/typing.tsv``: how members really type (a letter dropped, doubled or swapped, a wrong
  tone mark, Telex or VNI left unconverted, words run together, document numbers in their own
  spellings, ĐH/CĐ/TB with two meanings), stored exactly as typed.

Success@k is 1 when a document of the query's highest grade (the one it is after) is in the top k.

Two indexes are built once and cached under ``/tmp/tracuu-quality/`` (never in the repository),
keyed by a hash of their inputs (the documents and the index-time code of ``indexer/``):

* ``full``: ``corpus/`` + ``../shared/corpus/dantri.jsonl.gz`` + a fixed distractor slice, the
  first 5,000 lines of ``vietnews.jsonl.gz`` and the first 5,000 of ``baomoi.jsonl.gz``;
* ``corpus``: ``corpus/`` only, for the ``fast`` queries (all their relevant documents are there).

For each, a baseline index holds the same Articles (``indexer.documents.extract.read_sources``) in a plain
Whoosh schema (``title``/``body`` with ``StandardAnalyzer``); its queries go through
``MultifieldParser(["title", "body"])`` with AND, falling back to OR when AND finds nothing
(as ours does).

A change in how text becomes terms (``analysis.py``, ``normalise.py``, ``schema.py``) builds a new
index (about 7 minutes for ``full`` on 2 cores); any other change of ``indexer/`` or of the documents
updates it incrementally, by content hash (use ``--rebuild`` after changing what ``build.prepare``
puts in a field); query-time code (``query.py``, ``search.py``, the abbreviation table) needs
neither. The baseline is rebuilt only when the set of (id, content hash) changes.

    python bench/quality.py [--queries FILE ...] [--subset N] [--json] [--rebuild] [--fast-only]
                            [--details FILE] [--cache DIR]

Without ``--queries`` both sets are evaluated, each in its own tables (``--json``: a dict keyed by
the file's stem, ``queries`` and ``typing``, then by index, ``full`` and ``corpus``). ``--cache``
puts the indexes elsewhere, e.g. to measure another checkout without rebuilding this one's.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import fields, qparser  # noqa: E402
from whoosh import index as whoosh_index  # noqa: E402
from whoosh.analysis import StandardAnalyzer  # noqa: E402
from whoosh.searching import Searcher  # noqa: E402

from indexer.documents.article import Article  # noqa: E402
from indexer.documents.extract import read_sources  # noqa: E402
from indexer.index.build import build_index, open_index  # noqa: E402
from search_app.engine import Engine, QueryError, SearchRequest  # noqa: E402

CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared" / "corpus"
DANTRI = SHARED / "dantri.jsonl.gz"
SLICE = {"vietnews": 5000, "baomoi": 5000}  # first N lines of each file
QUERIES = Path(__file__).resolve().parent / "eval" / "queries.tsv"
TYPING = Path(__file__).resolve().parent / "eval" / "typing.tsv"
CACHE = Path("/tmp/tracuu-quality")
K = 10
QUERY_TIME = {"abbreviations.py", "abbreviations.tsv"}  # of indexer/; the read path is in search_app/
ANALYSIS = {"analysis.py", "normalise.py", "schema.py"}  # a change here means a new index
CODE_SUFFIXES = {".py", ".tsv", ".txt", ".yaml"}
METRICS = ("s1", "s10", "mrr", "ndcg", "recall")
METRIC_NAMES = {"s1": "S@1", "s10": "S@10", "mrr": "MRR", "ndcg": "nDCG@10", "recall": "R@10"}
# the columns of each set's tables: queries.tsv keeps the columns its published figures have
COLUMNS = {"queries": ("mrr", "ndcg", "recall")}
DEFAULT_COLUMNS = ("s1", "s10", "mrr", "ndcg")

Ranker = Callable[[object, str], list[str]]  # (our Engine or the baseline's searcher, query) -> ids


@dataclass(frozen=True)
class Query:
    cls: str
    text: str  # as stored in the file
    relevant: dict[str, int] = field(hash=False)
    fast: bool = False

    @property
    def typed(self) -> str:
        """The query as the member types it."""
        return unicodedata.normalize("NFD", self.text) if self.cls == "nfd" else self.text


def load_queries(path: str | Path = QUERIES) -> list[Query]:
    """Read the TSV: class, fast, query, relevant ids (``id`` or ``id:grade``, comma-separated)."""
    out = []
    for lineno, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 4 or cols[0] == "class":
            if cols[0] != "class":
                raise ValueError(f"{path}:{lineno}: expected 4 tab-separated columns")
            continue
        cls, fast, text, rel = (c.strip() for c in cols[:4])
        relevant = {}
        for item in filter(None, (r.strip() for r in rel.split(","))):
            doc_id, _, grade = item.partition(":")
            relevant[doc_id] = int(grade or 1)
        out.append(Query(cls, text, relevant, fast == "1"))
    return out


def subset(queries: Iterable[Query], n: int | None, fast_only: bool = False) -> list[Query]:
    """The first ``n`` queries of each class (all when ``n`` is None), optionally only fast ones."""
    seen: dict[str, int] = {}
    out = []
    for q in queries:
        if fast_only and not q.fast:
            continue
        if n is None or seen.get(q.cls, 0) < n:
            seen[q.cls] = seen.get(q.cls, 0) + 1
            out.append(q)
    return out


# --- metrics ------------------------------------------------------------------------------------


def scores(ranked: list[str], relevant: dict[str, int], k: int = K) -> dict[str, float]:
    """Success@1 and @k, reciprocal rank, nDCG (gain 2^grade - 1) and recall, all at ``k``.

    Success counts the documents of the highest grade the query has (``id:2``, the one it is
    after; its ``id:1`` documents when it has no other).
    """
    top = ranked[:k]
    best = max(relevant.values(), default=0)
    wanted = {d for d, g in relevant.items() if g == best}
    rr = next((1 / (i + 1) for i, d in enumerate(top) if d in relevant), 0.0)
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(top))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    found = sum(1 for d in top if d in relevant)
    return {
        "s1": float(bool(top) and top[0] in wanted),
        "s10": float(any(d in wanted for d in top)),
        "mrr": rr,
        "ndcg": dcg / idcg if idcg else 0.0,
        "recall": found / len(relevant) if relevant else 0.0,
    }


def ours(engine: Engine, text: str) -> list[str]:
    """Top ids from tracuu's own search, run as the pages and the API run it (with facets).

    Facets matter for the ranking too: with them Whoosh collects every match; without them it
    uses a top-N collector whose matcher pruning can drop a top document (see QUALITY.md).
    """
    try:
        result = engine.search(SearchRequest(q=text, per_page=K))
    except QueryError:
        return []
    return [h.id for h in result.hits]


def evaluate(
    source, queries: Iterable[Query], rank: Ranker = ours, details: list | None = None
) -> dict[str, dict[str, float]]:
    """Mean success@1/@10, MRR, nDCG@10, recall@10 per class and ``overall`` (mean over queries), plus ``n``.

    ``source`` is what ``rank`` searches: our Engine, or a Whoosh searcher for the baseline.
    """
    per_class: dict[str, list[dict[str, float]]] = {}
    for q in queries:
        ranked = rank(source, q.typed)
        s = scores(ranked, q.relevant)
        per_class.setdefault(q.cls, []).append(s)
        if details is not None:
            details.append({"class": q.cls, "query": q.text, "relevant": q.relevant, "ranked": ranked, **s})
    per_class["overall"] = [s for rows in list(per_class.values()) for s in rows]
    return {
        cls: {**{m: sum(r[m] for r in rows) / max(1, len(rows)) for m in METRICS}, "n": len(rows)}
        for cls, rows in per_class.items()
    }


# --- the plain Whoosh baseline ------------------------------------------------------------------


def baseline_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=StandardAnalyzer()),
        body=fields.TEXT(analyzer=StandardAnalyzer()),
    )


def build_baseline(articles: Iterable[Article], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(folder), baseline_schema())
    seen: set[str] = set()
    with ix.writer(limitmb=256) as writer:
        for a in articles:
            if isinstance(a, Article) and a.id not in seen:  # build_index also keeps the first of an id
                seen.add(a.id)
                writer.add_document(id=a.id, title=a.title, body=a.body)


def baseline(searcher: Searcher, text: str) -> list[str]:
    """Plain Whoosh: every word (AND), else any word (OR), over title and body."""
    for group in (qparser.AndGroup, qparser.OrGroup):
        parser = qparser.MultifieldParser(["title", "body"], searcher.schema, group=group)
        try:
            hits = searcher.search(parser.parse(text), limit=K)
        except Exception:  # the plain parser may choke on odd input; count it as no result
            return []
        if len(hits):
            return [h["id"] for h in hits]
    return []


# --- building and caching -----------------------------------------------------------------------


def distractor_slice(cache: Path = CACHE) -> Path:
    """The first lines of vietnews and baomoi as one JSON Lines file under the cache folder."""
    target = cache / ("slice-" + "-".join(f"{name}{n}" for name, n in SLICE.items()) + ".jsonl.gz")
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        for name, n in SLICE.items():
            with gzip.open(SHARED / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
                for i, line in enumerate(fh):
                    if i >= n:
                        break
                    out.write(line)
    tmp.rename(target)
    return target


def _digest(paths: Iterable[Path], contents: bool) -> str:
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        if contents:
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _code_digests() -> tuple[str, str]:
    """(analysis code, all index-time code) of ``indexer/``, hashed."""
    code = [p for p in sorted((ROOT / "indexer").rglob("*")) if p.suffix in CODE_SUFFIXES and p.name not in QUERY_TIME]
    return _digest([p for p in code if p.name in ANALYSIS], True), _digest(code, True)


# taken when this module loads, beside the imports of indexer/: a build uses the code it imported,
# so an edit of indexer/ during a long run must not be recorded as what the index was built with
CODE_DIGESTS = _code_digests()


def cache_keys(sources: list[Path]) -> tuple[str, str]:
    """(analysis key, input key).

    A change of the analysis key (how text becomes terms) means a new index; a change of only the
    input key (documents, extraction, metadata) is an incremental update, by content hash.
    """
    analysis, code = CODE_DIGESTS
    files = [p for s in sources for p in (sorted(s.rglob("*")) if s.is_dir() else [s]) if p.is_file()]
    return analysis, code + _digest(files, False)


def article_digest(index_dir: Path) -> str:
    """A hash of every (id, content hash) in our index: what the baseline must hold too."""
    with open_index(index_dir).reader() as reader:
        ids, hashes = reader.column_reader("id"), reader.column_reader("hash")
        pairs = sorted(f"{ids[n]}:{hashes[n]}" for n in reader.all_doc_ids())
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()


def indexes(name: str, sources: list[Path], rebuild: bool, cache: Path = CACHE) -> tuple[Path, Path]:
    """(our index folder, baseline folder) for ``sources``, built or brought up to date if needed."""
    analysis_key, input_key = cache_keys(sources)
    folder = cache / f"{name}-{analysis_key}"
    ours_dir, base_dir, marker = folder / "ours", folder / "baseline", folder / "inputs"
    if rebuild and folder.exists():
        shutil.rmtree(folder)
    for old in cache.glob(f"{name}-*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    if not marker.exists() or marker.read_text() != input_key:
        print(f"indexing {name} into {folder} ...", file=sys.stderr, flush=True)
        # the small corpus index is always built afresh (one segment), as a regression test builds it
        report = build_index(sources, ours_dir, rebuild=name == "corpus")
        print(
            f"  ours: {report.added} added, {report.updated} updated, {report.removed} removed, "
            f"{report.unchanged} unchanged, {report.seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        articles = article_digest(ours_dir)
        if not (base_dir / "articles").exists() or (base_dir / "articles").read_text() != articles:
            if base_dir.exists():
                shutil.rmtree(base_dir)
            build_baseline(read_sources(sources), base_dir)
            (base_dir / "articles").write_text(articles)
        marker.write_text(input_key)
    return ours_dir, base_dir


# --- report -------------------------------------------------------------------------------------


def run(
    name: str,
    sources: list[Path],
    query_sets: dict[str, list[Query]],
    rebuild: bool,
    details: list | None,
    cache: Path = CACHE,
) -> dict[str, dict]:
    """{set name: {"ours": per class, "baseline": per class}} for each set, on one index of ``sources``."""
    ours_dir, base_dir = indexes(name, sources, rebuild, cache)
    engine = Engine(ours_dir, result_cache=0)
    out: dict[str, dict] = {}
    with whoosh_index.open_dir(str(base_dir)).searcher() as s:
        for set_name, queries in query_sets.items():
            rows: list | None = None if details is None else []
            out[set_name] = {
                "ours": evaluate(engine, queries, ours, rows),
                "baseline": evaluate(s, queries, baseline, None if details is None else []),
            }
            if details is not None:
                details.extend({"set": set_name, "index": name, **row} for row in rows)
    return out


def table(title: str, result: dict, columns: tuple[str, ...] = DEFAULT_COLUMNS) -> str:
    names = [METRIC_NAMES[c] for c in columns]
    head = "| class | n | " + " | ".join(names + [f"base {n}" for n in names]) + " |"
    head += "\n|" + "---|" * (2 + 2 * len(columns))
    rows = []
    for cls, m in result["ours"].items():
        b = result["baseline"][cls]
        cells = [f"{m[k]:.3f}" for k in columns] + [f"{b[k]:.3f}" for k in columns]
        name = f"**{cls}**" if cls == "overall" else cls
        rows.append(f"| {name} | {m['n']} | " + " | ".join(cells) + " |")
    return f"{title}\n\n{head}\n" + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=Path, nargs="+", default=[QUERIES, TYPING], help="query files (default: both)")
    ap.add_argument("--subset", type=int, default=None, help="first N queries of each class")
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached indexes")
    ap.add_argument("--fast-only", action="store_true", help="only the corpus-only index and fast queries")
    ap.add_argument("--details", type=Path, help="write each query's ranking to this JSON file")
    ap.add_argument("--cache", type=Path, default=CACHE, help=f"where the indexes are kept (default {CACHE})")
    args = ap.parse_args(argv)

    sets = {path.stem: load_queries(path) for path in args.queries}
    details: list | None = [] if args.details else None
    by_index: dict[str, dict] = {}
    if not args.fast_only:
        full = [CORPUS, DANTRI, distractor_slice(args.cache)]
        chosen = {name: subset(queries, args.subset) for name, queries in sets.items()}
        by_index["full"] = run("full", full, chosen, args.rebuild, details, args.cache)
    chosen = {name: subset(queries, args.subset, fast_only=True) for name, queries in sets.items()}
    by_index["corpus"] = run("corpus", [CORPUS], chosen, args.rebuild, details, args.cache)
    results = {name: {index: by_index[index][name] for index in by_index} for name in sets}
    if args.details:
        args.details.write_text(json.dumps(details, ensure_ascii=False, indent=1), "utf-8")
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    for name, result in results.items():
        columns = COLUMNS.get(name, DEFAULT_COLUMNS)
        if "full" in result:
            print(table(f"{name}: all queries, corpus + dantri + 10k distractors", result["full"], columns))
        title = f"{name}: fast queries (relevant docs all in corpus/), corpus-only index"
        print(table(title, result["corpus"], columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
