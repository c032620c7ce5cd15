"""The array evaluator answers exactly as Whoosh's own matchers would, only faster.

Every query form is run both ways over the same index (the sample corpus and generated
documents, in several segments with deletions; and, marked ``shared``, real news from
../shared/corpus): the documents matched, their scores and their
order must agree. Reading postings through Whoosh's public API instead of decoding its blocks
gives the same answers. Facet counts must be what clicking the value shows, deleted documents
must never come back, and deep pages must continue the first ones.
"""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query as Q

from indexer.index.build import build_index, open_index
from search_app.engine import SearchRequest
from search_app.engine.arrays import ArrayStore
from search_app.engine.evaluate import evaluate
from search_app.engine.query import MAX_PREFIX_TERMS, build_query, parse

from conftest import engine_for, write_doc

QUERIES = [
    "công đoàn",
    "cong doan",
    "nghi quyet dai hoi",
    "Nghị quyết Đại hội",
    "hoà giải",
    "thuỷ lợi",
    "CĐCS",
    "công đoàn cơ sở",
    "BHXH",
    '"tai nạn giao thông"',
    '"bao hiem xa hoi"',
    '"người lao động và người sử dụng lao động"',
    '"lao động" "việc làm"',
    "15/KH-LĐLĐ",
    "kh 15",
    "giao thô*",
    "bóng đá -việt",
    "người lao động bị nợ lương kéo dài",
    "nghị quyết phát triển đoàn viên",
    "đường",
    "",
]


@pytest.fixture(scope="module", params=["generated", pytest.param("real", marks=pytest.mark.shared)])
def twins(request):
    """An index as ``tracuu index`` builds it, and its twin keeping positions in Whoosh too (the reference)."""
    names = ("big_index", "big_reference") if request.param == "generated" else ("real_index", "real_reference")
    return tuple(request.getfixturevalue(name) for name in names)


@pytest.fixture(scope="module")
def index_dir(twins):
    return twins[0]


@pytest.fixture(scope="module")
def engine(index_dir):
    return engine_for(index_dir)


@pytest.fixture(scope="module")
def searcher(twins):
    """Whoosh's own searcher, over the reference twin (Whoosh's phrase matchers need its positions)."""
    with open_index(twins[1]).searcher() as s:
        yield s


@pytest.fixture(scope="module")
def arrays(index_dir):
    with open_index(index_dir).searcher() as s:
        yield ArrayStore().arrays(s)


def test_the_generated_index_has_several_segments_and_deleted_documents(big_index):
    with open_index(big_index).searcher() as searcher:
        arrays = ArrayStore().arrays(searcher)
        assert len(arrays.leaves) >= 3
        assert 0 < int((~arrays.live).sum()) < arrays.size


@pytest.mark.parametrize("text", QUERIES)
def test_same_documents_scores_and_order_as_whoosh(searcher, arrays, text):
    q = build_query(parse(text), expand_prefix=arrays.prefix_expander())
    ours = evaluate(q, arrays)
    matched = ours.mask & arrays.live
    theirs = list(searcher.search(q, limit=None))
    if isinstance(q, Q.AndNot):
        # Whoosh's AndNot matcher lets through some documents its excluded part matches
        excluded = {hit.docnum for hit in searcher.search(q.b, limit=None)}
        theirs = [hit for hit in searcher.search(q.a, limit=None) if hit.docnum not in excluded]
    assert int(matched.sum()) == len(theirs)
    assert set(matched.nonzero()[0].tolist()) == {hit.docnum for hit in theirs}
    by_whoosh = sorted((-hit.score, hit.docnum) for hit in theirs)[:20]
    by_us = sorted((-float(ours.scores[d]), int(d)) for d in matched.nonzero()[0])[:20]
    assert [d for _s, d in by_us] == [d for _s, d in by_whoosh]
    if "Prefix(" not in repr(q):  # Whoosh drops a prefix's boost when it expands to one term
        assert [s for s, _d in by_us] == pytest.approx([s for s, _d in by_whoosh], rel=1e-4)


@pytest.mark.parametrize(
    "words, slop",
    [(["lao", "động"], 1), (["người", "lao", "động"], 3), (["lao", "lao"], 5), (["động", "lao"], 2)],
)
def test_phrases_with_slop_match_as_whoosh(searcher, arrays, words, slop):
    q = Q.Phrase("body_exact", words, slop=slop)
    ours = evaluate(q, arrays).mask & arrays.live
    theirs = {hit.docnum for hit in searcher.search(q, limit=None)}
    assert theirs
    assert set(ours.nonzero()[0].tolist()) == theirs


PHRASES = [["lao", "động"], ["người", "lao", "động"], ["lao", "lao"], ["công", "đoàn", "cơ", "sở"]]


@pytest.mark.parametrize("words", PHRASES)
@pytest.mark.parametrize("size", [1, 40, 200, 1000])
def test_a_phrase_asked_about_a_few_documents_answers_as_whoosh_for_them(searcher, arrays, words, size):
    """The words-together bonus asks about its best 200 documents only: looked up, not read whole."""
    q = Q.Phrase("body_exact", words, slop=2)
    theirs = {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}
    rng = np.random.default_rng(size)
    within = np.zeros(arrays.size, dtype=bool)
    within[rng.integers(0, arrays.size, size)] = True
    within[list(theirs)[: size // 2]] = True  # some that hold the phrase, some that may not
    ours = evaluate(q, arrays, within)
    found = ours.mask & within & arrays.live
    assert set(np.flatnonzero(found).tolist()) == {d for d in theirs if within[d]}
    assert [float(ours.scores[d]) for d in np.flatnonzero(found)] == pytest.approx(
        [theirs[d] for d in np.flatnonzero(found)], rel=1e-4
    )


@pytest.mark.parametrize("text", QUERIES)
def test_reading_through_whooshs_public_api_gives_the_same_answers(engine, twins, text):
    slow = engine_for(twins[1], fast_reads=False)  # positions from Whoosh's postings: the reference twin
    fast_result = engine.search(SearchRequest(q=text, per_page=20))
    slow_result = slow.search(SearchRequest(q=text, per_page=20))
    assert slow_result.total == fast_result.total
    assert [(h.id, h.score) for h in slow_result.hits] == [(h.id, h.score) for h in fast_result.hits]
    assert slow_result.facets == fast_result.facets


@pytest.mark.parametrize(
    "text, filters",
    [
        ("công đoàn", {}),
        ("lao động", {"years": ["2020"]}),
        ("", {"types": ["kế hoạch"]}),
        ('"tai nạn giao thông"', {"units": ["LĐLĐ tỉnh Lạng Sơn"]}),
    ],
)
def test_a_facet_count_is_what_choosing_that_value_shows(engine, text, filters):
    result = engine.search(SearchRequest(q=text, **filters))
    checked = 0
    for name, param in (("unit", "units"), ("type", "types"), ("date", "years")):
        for value in result.facets[name]:
            if value.param != "year" and name == "date":
                continue
            if value.selected:
                continue
            narrowed = {**filters, param: [value.value]}
            assert engine.search(SearchRequest(q=text, **narrowed)).total == value.count, (name, value.value)
            checked += 1
            if checked > 12:
                return
    assert checked


def test_deep_pages_continue_the_first_ones(engine):
    seen: list[str] = []
    scores: list[float] = []
    total = None
    for page in (1, 2, 3, 4):
        result = engine.search(SearchRequest(q="nguoi dan", per_page=100, page=page))
        total = result.total
        seen += [h.id for h in result.hits]
        scores += [h.score for h in result.hits]
    assert total > 400
    assert len(seen) == len(set(seen)) == 400
    assert scores == sorted(scores, reverse=True)


def test_removed_and_changed_documents_never_come_back(tmp_path):
    folder = tmp_path / "corpus"
    for n in range(3):
        write_doc(
            folder,
            f"kh-{n}.md",
            {
                "id": f"kh-{n}",
                "title": f"Kế hoạch số {n}",
                "date": f"2024-0{n + 1}-05",
                "unit": "LĐLĐ tỉnh Lạng Sơn",
                "type": "kế hoạch",
            },
            "Tổ chức Tháng Công nhân",
        )
    index_dir = tmp_path / "index"
    build_index([folder], index_dir)
    (folder / "kh-1.md").unlink()
    write_doc(
        folder,
        "kh-2.md",
        {
            "id": "kh-2",
            "title": "Kế hoạch số 2",
            "date": "2024-03-05",
            "unit": "LĐLĐ tỉnh Lạng Sơn",
            "type": "kế hoạch",
        },
        "Tổ chức Đại hội",
    )
    build_index([folder], index_dir)
    engine = engine_for(index_dir)
    result = engine.search(SearchRequest(q="tháng công nhân"))
    assert [h.id for h in result.hits] == ["kh-0"]
    assert [(v.value, v.count) for v in result.facets["unit"]] == [("LĐLĐ tỉnh Lạng Sơn", 1)]
    browse = engine.search(SearchRequest(q=""))
    assert sorted(h.id for h in browse.hits) == ["kh-0", "kh-2"]
    assert browse.total == 2


def test_a_short_stem_means_the_words_most_documents_hold(arrays):
    """More words start with "th" than a query takes (64): it takes those most documents hold, so
    the commonest ("thực", folded "thuc") is never cut off by rarer words sorting ahead of it."""
    reader = arrays.searcher.reader()
    frequencies = {t.decode(): info.doc_frequency() for t, info in reader.iter_prefix("body_folded", "th")}
    assert len(frequencies) > MAX_PREFIX_TERMS
    chosen = arrays.common_terms("body_folded", "th", MAX_PREFIX_TERMS)
    assert len(chosen) == MAX_PREFIX_TERMS == len(set(chosen))
    assert min(frequencies[t] for t in chosen) >= max(f for t, f in frequencies.items() if t not in chosen)
    commonest = max(frequencies, key=frequencies.get)
    q = build_query(parse("th*"), expand_prefix=arrays.prefix_expander())
    assert ("body_folded", commonest) in set(q.iter_all_terms())
