"""Guard: search quality per query class must not fall below the level it has reached.

Runs the judged queries whose relevant documents are all in corpus/ (bench/eval/queries.tsv,
column fast=1) on a fresh corpus-only index. Levels are nDCG@10 as measured, minus a margin
(bench/QUALITY.md); raise them when ranking improves, never lower them to make a change pass.
"""

import pytest

from bench.quality import evaluate, load_queries, subset
from indexer.index.build import build_index
from search_app.engine import Engine

from conftest import CORPUS

LEVELS = {
    "accented": 0.93,
    "unaccented": 0.94,
    "nfd": 0.92,
    "tone": 0.85,
    "upper": 0.94,
    "abbrev": 0.97,
    "expansion": 0.85,
    "docnum": 0.97,
    "phrase": 0.94,
    "misspelled": 0.93,
    "unit_topic": 0.92,
    "overall": 0.92,
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("quality") / "index"
    build_index([CORPUS], index_dir)
    queries = subset(load_queries(), None, fast_only=True)
    return evaluate(Engine(index_dir, result_cache=0), queries)


@pytest.mark.parametrize("cls", list(LEVELS))
def test_quality_class_stays_at_its_level(results, cls):
    assert results[cls]["n"] >= 5
    assert results[cls]["ndcg"] >= LEVELS[cls], f"{cls}: nDCG@10 {results[cls]['ndcg']:.3f} < {LEVELS[cls]}"
