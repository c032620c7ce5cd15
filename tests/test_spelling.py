"""Spelling: what a member meant when a word went wrong, from the index's own words (real pyvi, real indexes)."""

import pytest

from indexer.index.build import build_index
from indexer.text.normalise import fold_accents, has_diacritics
from search_app.engine import SearchRequest
from search_app.engine.spelling import accented_forms, speller_for, typed_syllable

from conftest import engine_for, write_doc

# typed, the correction a member reads (with marks only where they typed marks)
CORRECTED = [
    ("cong doaan", "cong doan"),  # a letter doubled
    ("công đoàng", "công đoàn"),  # a letter added, marks kept: not "công động"
    ("luong toi thiue", "luong toi thieu"),  # two letters swapped: not "toi the"
    ("congdoan", "cong doan"),  # typed together
    ("nghiquyet", "nghi quyet"),
    ("baohiemxahoi", "bao hiem xa hoi"),
    ("nghij quyeets", "nghị quyết"),  # Telex with the input method off
    ("nghi5 quye61t", "nghị quyết"),  # VNI
    ("Cong Doaan", "Cong Doan"),  # capitals as typed
    ("công doaan", "công doan"),  # each word keeps the way it was typed
]


def search(engine, q, **options):
    return engine.search(SearchRequest(q=q, **options))


@pytest.mark.parametrize("typed, meant", CORRECTED)
def test_a_mistyped_query_is_searched_as_meant_and_says_so(sample_engine, typed, meant):
    result = search(sample_engine, typed)
    assert (result.corrected, result.corrected_from) == (meant, typed)
    assert not result.relaxed and result.suggestion is None
    # the documents with every word of the correction, in the order searching it gives
    direct = search(sample_engine, meant)
    assert direct.corrected is None and not direct.relaxed and direct.total > 0
    assert result.total == direct.total
    assert [h.id for h in result.hits] == [h.id for h in direct.hits]


def test_a_correction_finds_the_documents_with_all_its_words_first(sample_engine):
    first = search(sample_engine, "baohiemxahoi").hits[0]
    assert "bao hiem xa hoi" in fold_accents(first.title.lower())
    first = search(sample_engine, "nghij quyeets").hits[0]
    assert "nghị quyết" in first.title.lower()


def test_a_slipped_tone_mark_is_offered_in_the_form_the_documents_use(sample_engine):
    result = search(sample_engine, "bảo hiễm")
    # the folded words already find the documents: no correction, a "did you mean" in the marks used
    assert result.suggestion == "bảo hiểm" and result.corrected is None
    assert "bảo hiểm" in result.hits[0].title.lower()


@pytest.mark.parametrize("q", ["công đoàn", "cong doan", "nghị quyết đại hội", "bảo hiểm xã hội", "CĐCS", "covid"])
def test_a_query_spelled_right_gets_no_correction(sample_engine, q):
    result = search(sample_engine, q)
    assert result.total > 0
    assert (result.corrected, result.corrected_from, result.suggestion) == (None, None, None)
    assert sample_engine.suggest(q) is None


def test_corrections_read_as_typed_never_with_the_index_underscores(sample_engine):
    for typed, _meant in CORRECTED:
        result = search(sample_engine, typed)
        shown = result.corrected or result.suggestion
        assert shown and "_" not in shown
        assert has_diacritics(shown) == has_diacritics(typed) or typed in ("nghij quyeets", "nghi5 quye61t")
        assert result.to_json()["corrected"] == shown and result.to_json()["corrected_from"] == typed


def test_a_word_that_is_no_typo_of_anything_gets_no_nonsense_correction(sample_engine):
    result = search(sample_engine, "xyzqv")
    assert (result.total, result.corrected, result.suggestion) == (0, None, None)
    # with a real word beside it: the words found some at a time, nothing made up
    result = search(sample_engine, "cong doan xyzqv")
    assert result.relaxed and result.corrected is None and result.suggestion is None


def test_exact_searches_the_words_as_typed_and_still_offers_the_correction(sample_engine):
    result = search(sample_engine, "cong doaan", exact=True)
    assert result.corrected is None and result.corrected_from is None
    assert result.relaxed and result.suggestion == "cong doan"


def test_a_quoted_phrase_is_meant_as_typed(sample_engine):
    result = search(sample_engine, '"cong doaan"')
    assert (result.total, result.corrected, result.suggestion) == (0, None, None)


def test_engine_suggest_answers_for_a_query(sample_engine):
    assert sample_engine.suggest("cong doam") == "cong doan"
    assert sample_engine.suggest("nghij quyeets") == "nghị quyết"
    assert sample_engine.suggest("cong doan") is None


@pytest.mark.parametrize(
    "typed, syllable",
    [
        ("nghij", "nghị"),
        ("quyeets", "quyết"),
        ("nguowif", "người"),
        ("truwowngf", "trường"),
        ("ddaij", "đại"),
        ("hoaf", "hòa"),  # the tone where normalise puts it
        ("nghi5", "nghị"),
        ("quye61t", "quyết"),
        ("ngu7o72i", "người"),
        ("d9a5i", "đại"),
        ("cong", None),  # nothing left of an input method
        ("covid19", None),
        ("xyzqv", None),
    ],
)
def test_telex_and_vni_keys_left_in_a_word_become_its_marks(typed, syllable):
    assert typed_syllable(typed) == syllable


def test_a_folded_syllable_has_only_the_marked_forms_vietnamese_writes():
    forms = accented_forms("doan")
    assert {"đoàn", "đoạn", "đoán", "doãn"} <= set(forms)
    assert accented_forms("quyet") == ("quyết", "quyệt")  # a syllable ending in t takes sắc or nặng
    assert accented_forms("gdoan") == ()


def test_the_dictionary_is_built_once_per_index_version_and_follows_new_words(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "a.md", {"id": "a", "title": "Hội nghị tổng kết năm"}, "Nội dung hội nghị tổng kết.")
    build_index([corpus], tmp_path / "index")
    engine = engine_for(tmp_path / "index")
    arrays = engine.arrays()
    assert speller_for(arrays).symspell is speller_for(engine.arrays()).symspell
    assert search(engine, "thoả ướcc").total == 0
    write_doc(corpus, "b.md", {"id": "b", "title": "Thỏa ước lao động tập thể"}, "Ký kết thỏa ước.")
    build_index([corpus], tmp_path / "index")
    result = search(engine, "thoả ướcc")
    assert speller_for(engine.arrays()).symspell is not speller_for(arrays).symspell
    assert result.corrected == "thỏa ước" and [h.id for h in result.hits] == ["b"]


def test_a_correction_whose_words_stand_together_beats_a_more_common_word(make_corpus, index_of):
    docs = {f"than-{n}.md": ({"id": f"than-{n}", "title": f"Hội thảo về than đá số {n}"}, "Mỏ than.") for n in range(5)}
    docs["thoa.md"] = ({"id": "thoa", "title": "Chương trình hè"}, "Buổi giao lưu: các cháu được thoa kem chống nắng.")
    engine = engine_for(index_of(make_corpus(docs)))
    # "thaa" is one letter from "than" (five documents) and from "thoa" (one): only "thoa" is found with "giao"
    result = search(engine, "giao thaa")
    assert result.corrected == "giao thoa" and [h.id for h in result.hits] == ["thoa"]


def test_a_rare_misspelling_found_in_a_document_still_gets_the_common_word_offered(make_corpus, index_of):
    docs = {f"dv-{n}.md": ({"id": f"dv-{n}", "title": f"Phát triển đoàn viên đợt {n}"}, "Kết nạp.") for n in range(12)}
    docs["typo.md"] = ({"id": "typo", "title": "Phát triển đoàn viêm"}, "Bài viết gõ sai.")
    engine = engine_for(index_of(make_corpus(docs)))
    result = search(engine, "doan viem")
    assert result.total == 1 and result.corrected is None  # found as typed: searched as typed
    assert result.suggestion == "doan vien"
    assert search(engine, "doan vien").suggestion is None


def test_marks_typed_choose_among_corrections_on_generated_documents(big_engine):
    # "doang" is one letter from "doan" and from "dong" (đồng, động: more common); the marks say "đoàn"
    assert search(big_engine, "công đoàng").corrected == "công đoàn"
    assert search(big_engine, "cong doaan").corrected == "cong doan"
    assert search(big_engine, "bảo hiễm").suggestion == "bảo hiểm"


def test_accented_forms_from_the_dictionary_are_those_the_index_gives(big_engine):
    """The speller lists each folded syllable's accented spellings when it is built; they and their
    counts must be what reading the index for every possible spelling finds (the other version's path)."""
    from dataclasses import replace

    speller = speller_for(big_engine.arrays())
    assert speller.accented
    compared = 0
    for folded in ["doan", "cong", "hoi", "nghi", "quyet", "lao", "dong", "tinh", "huong", "dan", "bao", "hiem"]:
        from_dictionary = speller.forms(folded)
        read = replace(speller, memo={}, accented=None).forms(folded)
        assert sorted(from_dictionary) == sorted(read), folded
        assert [n for _f, n in from_dictionary] == sorted((n for _f, n in read), reverse=True)
        compared += len(read)
    assert compared > 20
