"""Positions are decoded only where a phrase is checked, and answer as Whoosh's own do.

A term's position lists are kept undecoded after its postings are read
(``whoosh_w3.pack_positions``) and decoded for the documents asked for only
(``unpack_positions``). These tests hold the packed form to Whoosh's own decoding on every
positional term of an index in several segments with deletions, the words-together bonus and
phrases with slop to Whoosh's matchers inside the documents they are checked in, and count,
through ``ArrayStore.positions_decoded``, that the bonus decodes the lists of the documents it
re-scores and no others.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import query as Q

from indexer import whoosh_w3
from indexer.index.build import open_index
from search_app.engine import SearchRequest
from search_app.engine.arrays import ArrayStore
from search_app.engine.evaluate import evaluate
from search_app.engine.query import TEXT_FIELDS, build_query, parse, phrase_bonus_query
from search_app.engine.ranking import RESCORE_WINDOW, rank_by_score

from conftest import engine_for

# queries of several words with well over RESCORE_WINDOW matches in the generated index, and
# no phrase but the bonus (no abbreviation spelled out)
BROAD = ["to chuc hoat dong", "tổ chức hoạt động", "hội nghị tổng kết năm", "thuc hien nhiem vu"]
# and some whose words stand together in some of the best documents
TOGETHER = ["to chuc hoat dong", "tổ chức hoạt động", "nâng cao chất lượng", "can bo cong chuc"]


@pytest.fixture(scope="module")
def searcher(big_reference):
    """Whoosh's own searcher over the twin keeping positions in Whoosh's postings (the reference)."""
    with open_index(big_reference).searcher() as s:
        yield s


@pytest.fixture(scope="module")
def ours(big_index):
    """The searcher our evaluator reads, over the index as ``tracuu index`` builds it (same documents)."""
    with open_index(big_index).searcher() as s:
        yield s


def _terms(leaf, fieldname: str, every: int = 7) -> list[str]:
    terms = [t.decode("utf-8") if isinstance(t, bytes) else t for t in leaf.lexicon(fieldname)]
    return terms[::every]


def test_packed_positions_decode_as_whoosh_does_for_every_row_and_any_rows(searcher):
    rng = random.Random(15)
    checked = 0
    for leaf in searcher.reader().leaf_readers():
        leaf = leaf[0]
        for fieldname in (*TEXT_FIELDS[False], *TEXT_FIELDS[True]):
            for text in _terms(leaf, fieldname):
                _ids, _weights, values = whoosh_w3.read_postings(leaf, fieldname, text, with_values=True)
                matcher = leaf.postings(fieldname, text)
                whooshs = []
                while matcher.is_active():
                    whooshs.append(matcher.value_as("positions"))
                    matcher.next()
                rows, offsets = whoosh_w3.pack_positions(values)
                counts, flat = whoosh_w3.unpack_positions(rows, offsets, np.arange(len(values)))
                starts = np.concatenate(([0], np.cumsum(counts)))
                assert [flat[starts[i] : starts[i + 1]].tolist() for i in range(len(values))] == whooshs
                wanted = np.array(sorted(rng.sample(range(len(values)), min(5, len(values)))), dtype=np.int64)
                counts, flat = whoosh_w3.unpack_positions(rows, offsets, wanted)
                assert flat.tolist() == [p for i in wanted for p in whooshs[i]]
                assert counts.tolist() == [len(whooshs[i]) for i in wanted]
                checked += 1
    assert checked > 500


def test_values_of_every_shape_pickle_writes_are_packed_and_decoded():
    lists = [[0], [1, 5], [], list(range(0, 2500, 2)), list(range(1001)), [3, 70_000, 2**20 + 5]]
    values = [whoosh_w3.encode_positions(p) for p in lists]
    values.append(values[1][:-1])  # a value written without its STOP, as older code did
    lists.append(lists[1])
    rows, offsets = whoosh_w3.pack_positions(values)
    counts, flat = whoosh_w3.unpack_positions(rows, offsets, np.arange(len(values)))
    assert counts.tolist() == [len(p) for p in lists]
    assert flat.tolist() == [p for positions in lists for p in positions]
    reference_counts, reference = whoosh_w3.decode_positions(values)
    assert counts.tolist() == reference_counts.tolist() and flat.tolist() == reference.tolist()
    counts, flat = whoosh_w3.unpack_positions(rows, offsets, np.array([5, 6]))
    assert flat.tolist() == [3, 70_000, 2**20 + 5, 1, 5]


@pytest.mark.parametrize("text", TOGETHER)
def test_the_bonus_in_the_rescored_documents_is_whooshs(searcher, ours, text):
    arrays = ArrayStore().arrays(ours)
    parsed = parse(text)
    main = evaluate(build_query(parsed, expand_prefix=arrays.prefix_expander(), phrase_bonus=False), arrays)
    matched = main.mask & arrays.live
    assert matched.sum() > RESCORE_WINDOW
    ranked, scores = rank_by_score(arrays, parsed, main.scores, matched, RESCORE_WINDOW)
    window = ranked[:RESCORE_WINDOW]
    # the reference: each re-scored document's score plus Whoosh's own phrase matchers' bonus
    bonus = {hit.docnum: hit.score for hit in searcher.search(phrase_bonus_query(parsed), limit=None)}
    assert set(bonus) & set(window.tolist()), "the bonus should apply to some of the best documents"
    expected = {int(d): float(main.scores[d]) + bonus.get(int(d), 0.0) for d in window}
    assert [float(s) for s in scores[:RESCORE_WINDOW]] == pytest.approx([expected[int(d)] for d in window], rel=1e-4)
    assert np.all(np.diff(scores[:RESCORE_WINDOW]) <= 0)


@pytest.mark.parametrize(
    "fieldname, words, slop",
    [
        ("body_folded", ["cong", "doan"], 1),
        ("body_folded", ["nguoi", "lao", "dong"], 1),
        ("body_exact", ["lao", "động"], 3),
        ("body_exact", ["động", "lao"], 2),
        ("title_folded", ["cong", "doan", "co", "so"], 1),
        ("body_folded", ["lao", "lao"], 5),
    ],
)
def test_phrases_checked_within_some_documents_match_as_whoosh(searcher, ours, fieldname, words, slop):
    arrays = ArrayStore().arrays(ours)
    q = Q.Phrase(fieldname, words, slop=slop)
    theirs = {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}
    holding = np.flatnonzero(evaluate(Q.And([Q.Term(fieldname, w) for w in words]), arrays).mask & arrays.live)
    within = np.zeros(arrays.size, dtype=bool)
    within[random.Random(len(words) * slop).sample(holding.tolist(), min(150, len(holding)))] = True
    ours = evaluate(q, arrays, within)
    found = set(np.flatnonzero(ours.mask & within).tolist())
    assert found == {d for d in theirs if within[d]}
    assert found, "some of the sampled documents should hold the phrase"
    assert [float(ours.scores[d]) for d in sorted(found)] == pytest.approx([theirs[d] for d in sorted(found)], rel=1e-4)


@pytest.mark.parametrize("text", BROAD)
def test_a_search_decodes_positions_of_the_rescored_documents_only(big_index, text):
    engine = engine_for(big_index)
    store = engine.arrays_store
    before = store.positions_decoded
    result = engine.search(SearchRequest(q=text, per_page=10))
    decoded = store.positions_decoded - before
    assert result.total > RESCORE_WINDOW
    assert "Phrase" not in repr(build_query(parse(text), phrase_bonus=False))
    bonus = phrase_bonus_query(parse(text))
    phrases = list(bonus.subqueries)
    # at most every word of the bonus in every field, once per re-scored document
    assert 0 < decoded <= RESCORE_WINDOW * sum(len(p.words) for p in phrases)
    # where every position list of those words used to be decoded
    arrays = engine.arrays()
    every = sum(len(arrays.postings(p.fieldname, w).ids) for p in phrases for w in p.words)
    assert decoded < every / 3


def test_a_phrase_decodes_positions_only_in_the_documents_it_is_checked_in(ours):
    store = ArrayStore()
    arrays = store.arrays(ours)
    words = ["nguoi", "lao", "dong"]
    holding = np.flatnonzero(evaluate(Q.And([Q.Term("body_folded", w) for w in words]), arrays).mask)
    within = np.zeros(arrays.size, dtype=bool)
    within[holding[:20]] = True
    before = store.positions_decoded
    evaluate(Q.Phrase("body_folded", words, slop=1), arrays, within)
    assert 0 < store.positions_decoded - before <= 20 * len(words)
