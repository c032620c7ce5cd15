"""Packed postings files: written with every segment, read in place, the same answers as Whoosh's.

Each segment a commit names gets a ``.tpk`` file beside Whoosh's, which the server maps instead
of decoding Whoosh's blocks; it alone holds the text fields' positions. These tests hold it to
Whoosh's own reading, term by term and position by position, of a twin index keeping the
positions in Whoosh too (same documents, several segments with deletions); check that searches
answer as the twin read through Whoosh does; that an index of that older layout without packed
files still answers and gets them at its next commit; that a merge carries positions over and
leaves no stale file; and that a damaged file is refused rather than misread, and rebuilt.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_evaluate import QUERIES

from indexer import whoosh_w3
from indexer.index.build import OLDER, build_index, current_generation, open_index
from indexer.index.packed import EXTENSION, PackedSegment, packed_path
from indexer.index.schema import TEXT_FIELDS
from search_app.engine import SearchRequest
from search_app.engine.arrays import ArrayStore

from conftest import engine_for, write_doc


def _statistics(info) -> tuple:
    return (
        info.weight(),
        info.doc_frequency(),
        info.min_length(),
        info.max_length(),
        info.max_weight(),
        info.min_id(),
        info.max_id(),
    )


def _leaves(searcher):
    return [leaf for leaf, _offset in searcher.reader().leaf_readers()]


def test_every_segment_of_a_build_has_its_packed_file(big_index):
    with open_index(big_index).searcher() as searcher:
        store = ArrayStore()
        assert len(_leaves(searcher)) == 4
        assert store.unpacked_segments(searcher) == 0
    files = sorted(p.name for p in current_generation(big_index).iterdir() if p.suffix == EXTENSION)
    assert len(files) == 4


def test_packed_postings_and_positions_are_whooshs_for_every_term(big_index, big_reference):
    checked = positional = 0
    with open_index(big_index).searcher() as ours, open_index(big_reference).searcher() as searcher:
        assert ours.schema["body_folded"].format.supports("positions") is False  # Whoosh keeps none
        for leaf, twin in zip(_leaves(ours), _leaves(searcher), strict=True):
            packed = PackedSegment(packed_path(whoosh_w3.segment_folder(leaf), leaf.segment()))
            assert packed.doc_count == leaf.doc_count_all() == twin.doc_count_all()
            assert packed.terms == sum(1 for _ in leaf.all_terms())
            deleted = whoosh_w3.deleted_docs(leaf)
            for fieldname, term in twin.all_terms():
                if fieldname in ("added", "changed", "source"):  # when and from where each twin was built
                    continue
                n = packed.find(fieldname, term)
                assert n is not None, (fieldname, term)
                with_positions = searcher.schema[fieldname].format.supports("positions")
                # Whoosh's public matcher: the live documents only (the engine masks deleted ones)
                ids, weights, values = whoosh_w3.read_postings(twin, fieldname, term, with_positions, fast=False)
                ours_ids, ours_weights = packed.postings(n)
                live = ~np.isin(ours_ids, deleted)
                assert ours_ids[live].tolist() == ids.tolist()
                assert ours_weights[live].tolist() == pytest.approx(weights.tolist())
                # Whoosh's own term table in our index: the twin's statistics (what idf, BM25F's
                # lengths and "more like this" read); the postings of the text fields in the packed file only
                mine, theirs = leaf.term_info(fieldname, term), twin.term_info(fieldname, term)
                assert _statistics(mine) == _statistics(theirs), (fieldname, term)
                mine = whoosh_w3.read_postings(leaf, fieldname, term, fast=False)
                if fieldname in TEXT_FIELDS:
                    assert len(mine[0]) == 0
                else:
                    assert mine[0].tolist() == ids.tolist() and mine[1].tolist() == pytest.approx(weights.tolist())
                checked += 1
                if with_positions and len(ids) and checked % 5 == 0:
                    counts, flat = whoosh_w3.decode_positions(values)
                    ours_counts, ours_flat = packed.positions(n, ids)
                    assert ours_counts.tolist() == counts.tolist()
                    assert ours_flat.tolist() == flat.tolist()
                    for rows in (np.arange(len(ids))[::3], np.arange(len(ids))[1::4], np.arange(len(ids))[-1:]):
                        ours_counts, ours_flat = packed.positions(n, ids[rows])
                        expected = [flat[counts[:r].sum() : counts[: r + 1].sum()].tolist() for r in rows]
                        starts = np.concatenate(([0], np.cumsum(ours_counts)))
                        assert [ours_flat[a:b].tolist() for a, b in zip(starts, starts[1:], strict=False)] == expected
                    positional += 1
            assert packed.find("body_folded", b"khongcotu") is None
            assert packed.find("no_such_field", b"x") is None
    assert checked > 20_000 and positional > 1_000


@pytest.mark.parametrize(
    ("fieldname", "prefix"), [("body_folded", "th"), ("title_exact", "công"), ("body_exact", "zz")]
)
def test_a_prefix_lists_the_terms_and_document_counts_whoosh_keeps(big_index, fieldname, prefix):
    with open_index(big_index).searcher() as ours:
        for leaf in _leaves(ours):
            packed = PackedSegment(packed_path(whoosh_w3.segment_folder(leaf), leaf.segment()))
            expected = [(t.decode(), info.doc_frequency()) for t, info in leaf.iter_prefix(fieldname, prefix)]
            assert packed.prefix_counts(fieldname, prefix, 10_000) == expected
            assert packed.prefix_counts(fieldname, prefix, 3) == expected[:3]


@pytest.mark.parametrize("text", QUERIES)
def test_searches_answer_as_the_twin_read_through_whoosh_does(big_index, big_reference, text):
    packed = engine_for(big_index)
    unpacked = engine_for(big_reference, packed_reads=False)
    for request in (
        SearchRequest(q=text, per_page=20),
        SearchRequest(q=text, per_page=20, sort="newest", years=("2020",)),
    ):
        ours, theirs = packed.search(request), unpacked.search(request)
        assert ours.total == theirs.total
        assert [(h.id, h.score) for h in ours.hits] == [(h.id, h.score) for h in theirs.hits]
        assert ours.facets == theirs.facets


def _older(folder, index_dir):
    """Build ``index_dir`` in the layout keeping positions in Whoosh (as indexes did before packed files)."""
    return build_index([folder], index_dir, whoosh_positions=True)


def _corpus(folder, names, body="Tổ chức Tháng Công nhân năm 2024 tại công đoàn cơ sở"):
    for n in names:
        write_doc(
            folder,
            f"kh-{n}.md",
            {"id": f"kh-{n}", "title": f"Kế hoạch số {n}", "date": "2024-05-05", "type": "kế hoạch"},
            f"{body} số {n}.",
        )


def test_an_index_without_packed_files_answers_the_same_and_gets_them_at_its_next_commit(tmp_path):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    _corpus(folder, range(6))
    _older(folder, index_dir)
    queries = ("thang cong nhan", "th*", "cong nh*")  # prefixes: their commonest terms, read from Whoosh
    before = [engine_for(index_dir).search(SearchRequest(q=q)) for q in queries]
    for path in current_generation(index_dir).glob(f"*{EXTENSION}"):
        path.unlink()  # as an index written before packed files existed
    old = engine_for(index_dir)
    assert old.arrays_store.unpacked_segments(old.searcher()) == 1
    for q, then in zip(queries, before, strict=True):
        answer = old.search(SearchRequest(q=q))
        assert answer.total == then.total > 0, q
        assert [(h.id, h.score) for h in answer.hits] == [(h.id, h.score) for h in then.hits], q
    _corpus(folder, [6])
    _older(folder, index_dir)
    fresh = engine_for(index_dir)
    assert fresh.arrays_store.unpacked_segments(fresh.searcher()) == 0
    assert fresh.search(SearchRequest(q="thang cong nhan")).total == 7


def test_a_merge_leaves_no_packed_file_of_the_segments_it_merged(tmp_path):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    for n in range(6):  # one small commit each: the merge policy merges them past four
        _corpus(folder, [n])
        build_index([folder], index_dir)
    generation = current_generation(index_dir)
    with open_index(index_dir).searcher() as searcher:
        leaves = _leaves(searcher)
        assert len(leaves) < 6
        expected = {leaf.segment().make_filename(EXTENSION) for leaf in leaves}
    assert {p.name for p in generation.glob(f"*{EXTENSION}")} == expected
    assert not [p for p in generation.iterdir() if p.name.startswith(".packing-")]
    assert engine_for(index_dir).search(SearchRequest(q="kế hoạch số 3")).hits[0].id == "kh-3"


def test_a_damaged_packed_file_of_the_older_layout_is_refused_and_whooshs_postings_are_read(tmp_path, caplog):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    _corpus(folder, range(4))
    _older(folder, index_dir)
    expected = engine_for(index_dir, packed_reads=False).search(SearchRequest(q="cong doan co so"))
    (path,) = current_generation(index_dir).glob(f"*{EXTENSION}")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    engine = engine_for(index_dir)
    answer = engine.search(SearchRequest(q="cong doan co so"))
    assert engine.arrays_store.unpacked_segments(engine.searcher()) == 1
    assert [(h.id, h.score) for h in answer.hits] == [(h.id, h.score) for h in expected.hits]
    assert answer.total == 4
    assert "unusable" in caplog.text


def test_an_upgraded_segment_with_deleted_documents_counts_them_as_whoosh_does(tmp_path):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    _corpus(folder, range(6))
    _older(folder, index_dir)
    _corpus(folder, [1, 2], body="Hội nghị tổng kết công tác công đoàn cơ sở")  # replaced: deleted in the first segment
    _older(folder, index_dir)
    for path in current_generation(index_dir).glob(f"*{EXTENSION}"):
        path.unlink()
    _corpus(folder, [6])
    _older(folder, index_dir)  # its commit writes the missing files, read back from Whoosh
    with open_index(index_dir).searcher() as searcher:
        leaves = _leaves(searcher)
        assert any(leaf.has_deletions() for leaf in leaves)
        for leaf in leaves:
            packed = PackedSegment(packed_path(whoosh_w3.segment_folder(leaf), leaf.segment()))
            for fieldname, term in leaf.all_terms():
                assert packed.count(packed.find(fieldname, term)) == leaf.doc_frequency(fieldname, term)
    for text in ("cong doan co so", "tháng công nhân", "hội nghị tổng kết"):
        ours = engine_for(index_dir).search(SearchRequest(q=text))
        theirs = engine_for(index_dir, packed_reads=False).search(SearchRequest(q=text))
        assert ours.total == theirs.total > 0
        assert [(h.id, h.score) for h in ours.hits] == [(h.id, h.score) for h in theirs.hits]


@pytest.mark.parametrize("refused", [0, 1])
def test_a_phrase_over_segments_with_and_without_packed_files_answers_as_whoosh(tmp_path, refused):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    _corpus(folder, range(4))
    _older(folder, index_dir)
    _corpus(folder, range(4, 8))
    _older(folder, index_dir)
    with open_index(index_dir).searcher() as searcher:
        leaves = _leaves(searcher)
        assert len(leaves) == 2
        packed_path(whoosh_w3.segment_folder(leaves[refused]), leaves[refused].segment()).unlink()
    engine = engine_for(index_dir)
    assert engine.arrays_store.unpacked_segments(engine.searcher()) == 1
    for text in ('"công đoàn cơ sở"', "thang cong nhan nam 2024"):
        ours = engine.search(SearchRequest(q=text))
        theirs = engine_for(index_dir, packed_reads=False).search(SearchRequest(q=text))
        assert ours.total == theirs.total == 8
        assert [(h.id, h.score) for h in ours.hits] == [(h.id, h.score) for h in theirs.hits]


def test_a_damaged_packed_file_loses_no_document_and_the_next_build_rebuilds_the_index(tmp_path, caplog):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    _corpus(folder, range(4))
    build_index([folder], index_dir)
    (path,) = current_generation(index_dir).glob(f"*{EXTENSION}")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    engine = engine_for(index_dir)
    # the file alone held the words' postings: none found in that segment, and the log says what to do
    assert engine.search(SearchRequest(q="thang cong nhan")).total == 0
    assert "tracuu index --rebuild" in caplog.text
    # its documents are all there: listed by filters, each page shown
    assert engine.search(SearchRequest(q="", types=("kế hoạch",))).total == 4
    assert engine.document("kh-2")["title"] == "Kế hoạch số 2"
    damaged = current_generation(index_dir)
    report = build_index([folder], index_dir)  # no change to the sources: the index is rebuilt all the same
    assert report.added == 4 and current_generation(index_dir) != damaged
    assert "hỏng tệp vị trí" in report.rebuilt and path.name in report.rebuilt
    assert build_index([folder], index_dir).rebuilt is None
    assert engine_for(index_dir).search(SearchRequest(q='"tháng công nhân"')).total == 4


def test_a_merge_carries_the_positions_over_from_the_packed_files(tmp_path):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    for n in range(6):  # one small commit each: the merge policy merges them past four
        _corpus(folder, [n], body=f"Hội nghị công đoàn cơ sở lần {n}, tổng kết Tháng Công nhân")
        build_index([folder], index_dir)
    with open_index(index_dir).searcher() as searcher:
        assert len(_leaves(searcher)) < 6
    engine = engine_for(index_dir)
    assert engine.search(SearchRequest(q='"tháng công nhân"')).total == 6
    assert engine.search(SearchRequest(q='"hội nghị công đoàn"')).total == 6
    assert engine.search(SearchRequest(q='"công nhân tháng"')).total == 0


def test_a_packed_file_of_another_version_is_refused_and_the_next_build_rebuilds(tmp_path, caplog):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    _corpus(folder, range(3))
    build_index([folder], index_dir)
    (path,) = current_generation(index_dir).glob(f"*{EXTENSION}")
    path.write_bytes(path.read_bytes().replace(b'"version": 2', b'"version": 1', 1))
    engine = engine_for(index_dir)
    assert engine.arrays_store.unpacked_segments(engine.searcher()) == 1
    assert engine.search(SearchRequest(q="thang cong nhan")).total == 0  # the file alone held them
    assert "another version of tracuu (1)" in caplog.text and "tracuu index --rebuild" in caplog.text
    older = current_generation(index_dir)
    assert "hỏng tệp vị trí" in build_index([folder], index_dir).rebuilt
    assert current_generation(index_dir) != older
    fresh = engine_for(index_dir)
    assert fresh.arrays_store.unpacked_segments(fresh.searcher()) == 0
    assert fresh.search(SearchRequest(q='"tháng công nhân"')).total == 3


def test_an_index_of_the_older_layout_is_rebuilt_by_the_next_build_and_says_so(tmp_path):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    _corpus(folder, range(3))
    _older(folder, index_dir)  # positions in Whoosh's postings too, as indexes were written before
    older = current_generation(index_dir)
    report = build_index([folder], index_dir)
    assert report.rebuilt == OLDER and report.added == 3
    assert current_generation(index_dir) != older
    with open_index(index_dir).searcher() as searcher:
        assert not searcher.schema["body_folded"].format.supports("positions")  # the current layout
    assert engine_for(index_dir).search(SearchRequest(q='"tháng công nhân"')).total == 3


def test_an_index_whose_dates_are_searchable_terms_is_of_an_older_layout(tmp_path):
    from whoosh import index as whoosh_index

    from indexer.index.build import must_rebuild
    from indexer.index.schema import build_schema

    current, older = tmp_path / "current", tmp_path / "older"
    current.mkdir(), older.mkdir()
    whoosh_index.create_in(str(current), build_schema())
    assert must_rebuild(current) is None
    schema = build_schema()
    schema["date"].indexed = True  # as every index before dates were kept in their column only
    whoosh_index.create_in(str(older), schema)
    assert must_rebuild(older) == OLDER
