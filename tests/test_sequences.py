"""Abbreviations' meanings indexed as one term wherever they are written ("công đoàn cơ sở").

A query for a meaning then reads one term instead of checking the positions of its syllables in
every document that holds them all, the costly part of a search over a large index. The term must
find exactly the documents the phrase finds, and an index built before keeps answering by phrases.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import query as Q

from indexer.index import schema as schema_module
from indexer.index.build import build_index, open_index
from indexer.index.schema import TEXT_FIELDS, indexed_sequences
from indexer.text.abbreviations import meaning_sequences
from indexer.text.analysis import ExactAnalyzer, FoldedAnalyzer, SegmentedText, field_terms, presegment
from indexer.text.normalise import fold_accents
from search_app.engine import SearchRequest
from search_app.engine.query import build_query, parse

from conftest import engine_for, write_doc


def test_a_meaning_is_one_term_where_written_and_pyvi_compounds_are_not_counted_twice():
    words = presegment("Ban Chấp hành Công đoàn cơ sở họp; công đoàn viên chức và Công đoàn ngành").words
    exact, folded = field_terms(words, meaning_sequences())
    flat = [fold_accents(s) for w in words for s in w]
    starts = [n for n in range(len(flat)) if flat[n : n + 2] == ["cong", "doan"]]
    # every "công đoàn" once, whether pyvi made it a word, part of a longer one, or two syllables
    assert exact["công_đoàn"] == starts and folded["cong_doan"] == starts
    assert exact["công_đoàn_cơ_sở"] == [starts[0]] and folded["cong_doan_co_so"] == [starts[0]]
    assert folded["ban_chap_hanh"] == [0]
    # without sequences nothing but pyvi's words is joined
    plain = field_terms(words)[1]
    assert "cong_doan_co_so" not in plain and len(plain["cong_doan"]) < len(starts)


def test_every_meaning_finds_exactly_the_documents_its_phrase_finds(big_reference):
    """Whoosh's own phrase matcher against the one-term reading, for every meaning and text field
    (on the twin keeping positions in Whoosh: its phrase matcher needs them)."""
    compared = 0
    with open_index(big_reference).searcher() as searcher:
        assert indexed_sequences(searcher.schema) == meaning_sequences()
        forms = {f: _exact_forms(searcher, f) for f in TEXT_FIELDS if f.endswith("_exact")}
        for sequence in sorted(meaning_sequences()):
            for fieldname in TEXT_FIELDS:
                if fieldname.endswith("_folded"):
                    syllable_runs = [sequence]
                else:  # the exact forms the documents write this meaning in
                    syllable_runs = forms[fieldname].get(sequence, [])
                for syllables in syllable_runs:
                    phrase = {d for d in searcher.search(Q.Phrase(fieldname, list(syllables)), limit=None).docs()}
                    term = {d for d in searcher.search(Q.Term(fieldname, "_".join(syllables)), limit=None).docs()}
                    assert term == phrase, (fieldname, syllables)
                    compared += bool(phrase)
    assert compared > 40  # the generated documents write most meanings somewhere


def _exact_forms(searcher, fieldname) -> dict:
    """Folded sequence -> its accented spellings that are terms of an exact field."""
    forms: dict = {}
    for term in searcher.reader().lexicon(fieldname):
        text = term.decode("utf-8")
        if "_" in text:
            forms.setdefault(tuple(fold_accents(text).split("_")), []).append(tuple(text.split("_")))
    return forms


def test_a_query_for_a_meaning_reads_one_term_only_where_the_index_holds_it():
    parsed = parse("CĐCS")
    with_terms = str(build_query(parsed, phrase_bonus=False, sequences=meaning_sequences()))
    assert "cong_doan_co_so" in with_terms and '"' not in with_terms
    older = str(build_query(parsed, phrase_bonus=False))
    assert '"cong doan co so"' in older  # an older index: the phrase, checked against positions


DOCS = {
    "cdcs": ("Hội nghị Công đoàn cơ sở", "Ban Chấp hành CĐCS trường học họp."),
    "tach": ("Công đoàn và cơ sở vật chất", "Công đoàn trường bàn về cơ sở vật chất."),
    "nld": ("Chăm lo người lao động dịp Tết", "NLĐ khó khăn nhận quà."),
}


@pytest.fixture
def older_index(tmp_path, monkeypatch):
    """An index written by a tracuu that did not index meanings as one term."""
    for n, (doc_id, (title, body)) in enumerate(DOCS.items()):
        write_doc(tmp_path / "c", f"{doc_id}.md", {"id": doc_id, "title": title, "date": f"2024-02-0{n + 1}"}, body)
    with monkeypatch.context() as patch:
        patch.setattr(schema_module, "meaning_sequences", lambda: frozenset())
        build_index([tmp_path / "c"], tmp_path / "i")
    return tmp_path


def test_an_index_built_before_answers_meanings_by_phrase_and_keeps_its_terms_when_updated(older_index):
    engine = engine_for(older_index / "i")
    assert engine.arrays().sequences == frozenset()

    def ids(q):
        return [h.id for h in engine.search(SearchRequest(q=q)).hits]

    assert ids("CĐCS") == ["cdcs"] and ids("cong doan co so") == ["cdcs"]
    assert ids("người lao động")[:1] == ["nld"]
    # a document added later is analysed as the index was, and found the same way
    write_doc(
        older_index / "c", "moi.md", {"id": "moi", "title": "Tin mới", "date": "2024-03-01"}, "Công đoàn cơ sở mới."
    )
    build_index([older_index / "c"], older_index / "i")
    engine = engine_for(older_index / "i")
    assert engine.arrays().sequences == frozenset()
    assert sorted(ids("công đoàn cơ sở")) == ["cdcs", "moi"]


def test_a_meaning_and_its_abbreviation_find_the_same_documents_in_a_current_index(tmp_path):
    for n, (doc_id, (title, body)) in enumerate(DOCS.items()):
        write_doc(tmp_path / "c", f"{doc_id}.md", {"id": doc_id, "title": title, "date": f"2024-02-0{n + 1}"}, body)
    build_index([tmp_path / "c"], tmp_path / "i")
    engine = engine_for(tmp_path / "i")
    assert engine.arrays().sequences == meaning_sequences()

    def ids(q):
        return sorted(h.id for h in engine.search(SearchRequest(q=q)).hits)

    # "Công đoàn và cơ sở vật chất" holds the syllables, apart: not the meaning
    assert ids("CĐCS") == ids("công đoàn cơ sở") == ids('"cong doan co so"') == ["cdcs"]
    assert ids("NLĐ") == ids("nguoi lao dong") == ["nld"]


_SYLLABLES = ["công", "cộng", "cổng", "đoàn", "doãn", "viên", "cơ", "sở", "số", "người", "lao", "động", "xã", "hội"]
# words pyvi makes of a meaning's syllables, of part of them, or of more than them
_WORDS = [("công", "đoàn"), ("cộng", "đoàn"), ("công", "đoàn", "cơ", "sở"), ("người", "lao", "động"), ("lao", "động")]
_WORDS += [("đoàn", "viên"), ("đoàn", "viên", "công", "đoàn"), ("xã", "hội"), ("công", "đoàn", "cơ", "sở", "số")]


@given(
    st.lists(
        st.one_of(st.sampled_from(_WORDS), st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=3).map(tuple)),
        max_size=60,
    ),
    st.booleans(),
)
def test_the_writers_one_pass_gives_exactly_the_terms_and_positions_of_both_analyzers(words, with_sequences):
    """Exact and folded terms are worked out together (the folded ones by folding the exact): any
    words, including spellings that fold alike and meanings pyvi did or did not make one word, must
    give each field what its analyzer yields token by token."""
    sequences = meaning_sequences() if with_sequences else frozenset()
    text = SegmentedText(words)
    exact, folded = field_terms(text.words, sequences)
    for analyzer, terms in ((ExactAnalyzer(sequences), exact), (FoldedAnalyzer(sequences), folded)):
        expected: dict[str, list[int]] = {}
        for token in analyzer(text, positions=True):
            expected.setdefault(token.text, []).append(token.pos)
        assert terms == {term: sorted(found) for term, found in expected.items()}
        assert all(found == sorted(found) for found in terms.values())
