"""The benchmarks' Tantivy baseline holds the same documents and tokens as our index.

``bench/baselines.build_tantivy`` reads each document's tokens back from our index (its packed
files: Whoosh keeps no positions of the text fields), so the long-tail and query benchmarks
compare the two engines over the same tokens. These tests build it from an index of several
segments with deleted documents, and from one of an article published twice: each term is in
exactly the live documents that hold it in ours, and our queries (phrases, folded words, filters)
translated for Tantivy find as many documents as our engine finds with every word.
"""

from __future__ import annotations

import numpy as np
import pytest
import tantivy
from test_duplicates import BODY
from test_evaluate import QUERIES

from bench.baselines import TantivyBaseline, build_tantivy, stored_docs
from indexer import whoosh_w3
from indexer.index.build import build_index, open_index
from indexer.index.packed import PackedSegment, packed_path
from search_app.engine import SearchRequest
from search_app.engine.facets import UNKNOWN

from conftest import engine_for, write_doc

PROVINCE = "LĐLĐ tỉnh Lạng Sơn"


@pytest.fixture(scope="module")
def tantivy_index(big_index, tmp_path_factory):
    path = tmp_path_factory.mktemp("tantivy") / "index"
    with open_index(big_index).searcher() as searcher:
        reader = searcher.reader()
        build_tantivy(reader, stored_docs(searcher), path)
    return path


def _live_frequencies(big_index, fieldname: str) -> dict[str, int]:
    """How many live documents hold each term of a field, read from the packed files."""
    out: dict[str, int] = {}
    with open_index(big_index).searcher() as searcher:
        for leaf, _offset in searcher.reader().leaf_readers():
            packed = PackedSegment(packed_path(whoosh_w3.segment_folder(leaf), leaf.segment()))
            deleted = whoosh_w3.deleted_docs(leaf)
            for term, ids, _counts, _flat in packed.field_terms(fieldname):
                live = int(np.count_nonzero(~np.isin(ids, deleted)))
                if live:
                    key = term.decode("utf-8")
                    out[key] = out.get(key, 0) + live
    return out


@pytest.mark.parametrize("fieldname", ["title_exact", "body_exact", "title_folded", "body_folded"])
def test_every_term_is_in_the_live_documents_that_hold_it(big_index, tantivy_index, fieldname):
    index = tantivy.Index.open(str(tantivy_index))
    searcher = index.searcher()
    ours = _live_frequencies(big_index, fieldname)
    assert len(ours) > 500
    # the documents a search lists: deleted ones and second copies of an article left out
    assert searcher.num_docs == engine_for(big_index).search(SearchRequest()).total
    wrong = {
        term: (count, searcher.doc_freq(fieldname, term))
        for term, count in ours.items()
        if searcher.doc_freq(fieldname, term) != count
    }
    assert not wrong, list(wrong.items())[:10]


# "hd 2": a number our index holds as "02/HD-LĐLĐ" and "hd 2"; "nq 999": no such number, so the words
@pytest.mark.parametrize("q", [q for q in QUERIES if q] + ["hd 2", "nq 999"])
def test_our_queries_find_as_many_documents_in_tantivy(big_index, tantivy_index, q):
    engine = engine_for(big_index)
    baseline = TantivyBaseline(tantivy_index)
    for request in (
        SearchRequest(q=q),
        SearchRequest(q=q, years=("2023",)),
        SearchRequest(q=q, types=("kế hoạch",), with_facets=True),
        SearchRequest(q=q, units=(PROVINCE,)),  # the federation and every union under it
        SearchRequest(q=q, units=(UNKNOWN,), years=(UNKNOWN,)),
    ):
        result = engine.search(request)
        if result.complete or result.relaxed or not result.total:
            # the documents with every word (ours lists those missing one after them; Tantivy
            # has no such soft AND), or, with none, the relaxed query both fall back to
            assert baseline.search(request) == (result.total if result.relaxed else result.complete), request
        else:  # only documents missing one word: Tantivy falls back to any of the words
            assert baseline.search(request) >= result.total, request


def test_an_article_published_twice_is_held_once_as_our_results_list_it(tmp_path):
    corpus = tmp_path / "corpus"
    title = "Hội nghị tổng kết công tác công đoàn năm 2024"
    write_doc(corpus / "trang-tinh", "tong-ket.md", {"title": title, "date": "2024-12-12"}, BODY)
    write_doc(corpus / "bao", "tong-ket.md", {"title": title.upper(), "date": "2024-12-12"}, BODY)
    write_doc(corpus, "khac.md", {"title": title, "date": "2024-12-13"}, "Một bài khác hẳn, cùng tiêu đề.")
    build_index([corpus], tmp_path / "index")
    with open_index(tmp_path / "index").searcher() as searcher:
        reader = searcher.reader()
        assert searcher.doc_count() == 3
        build_tantivy(reader, stored_docs(searcher), tmp_path / "tantivy")
    engine, baseline = engine_for(tmp_path / "index"), TantivyBaseline(tmp_path / "tantivy")
    for q in ("hoi nghi tong ket cong tac", "tổng kết", "đại biểu"):
        assert baseline.search(SearchRequest(q=q)) == engine.search(SearchRequest(q=q)).total > 0, q
