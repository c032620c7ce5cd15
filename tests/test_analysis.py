"""Vietnamese analysis: pyvi words with numbers, dates and codes kept whole, offsets, analyzers."""

from indexer.text.analysis import ExactAnalyzer, FoldedAnalyzer, segment, segment_words


def test_pyvi_segments_words_but_document_numbers_and_dates_stay_whole():
    text = "Thực hiện Kế hoạch số 15/ KH-LĐLĐ, ngày 21/3/2017 của Liên đoàn Lao động tỉnh"
    words = segment_words(text)
    assert ("15/kh-lđlđ",) in words
    assert ("21/3/2017",) in words
    assert ("liên", "đoàn") in words
    assert ("kế", "hoạch") in words


def test_spaced_dates_ranges_and_codes_are_normalised():
    words = segment_words("ngày 17/ 4 /2017, nhiệm kỳ 2018 – 2023, Luật số 45/2019/QH14")
    assert ("17/4/2017",) in words
    assert ("2018-2023",) in words
    assert ("45/2019/qh14",) in words


def test_emails_and_urls_are_single_tokens():
    words = segment_words("Liên hệ bandientu@ldld.vn hoặc https://ldld.langson.gov.vn/tin-tuc/123.")
    assert ("bandientu@ldld.vn",) in words
    assert ("https://ldld.langson.gov.vn/tin-tuc/123",) in words


def test_offsets_point_at_the_original_text():
    text = "Công đoàn cơ sở (CĐCS) họp ngày 5/7/2017."
    for span in segment(text):
        assert (
            text[span.start : span.end].replace(" ", "") == "".join(span.syllables).replace(" ", "") or span.protected
        )


def test_analyzers_index_syllables_in_order_and_compounds_beside_them():
    tokens = [(t.text, t.pos) for t in ExactAnalyzer()("Nghị quyết Đại hội", positions=True)]
    syllables = [(t, p) for t, p in tokens if "_" not in t]
    assert syllables == [("nghị", 0), ("quyết", 1), ("đại", 2), ("hội", 3)]
    assert ("nghị_quyết", 0) in tokens
    folded = [t.text for t in FoldedAnalyzer()("Nghị quyết Đại hội")]
    assert "nghi_quyet" in folded and "dai" in folded


def test_text_fields_index_pre_segmented_words_exactly_as_their_analyzers_would():
    # the indexer's shortcut must give Whoosh the same terms, counts and positions
    from pathlib import Path

    from whoosh import fields

    from indexer.documents.extract import read_sources
    from indexer.index.schema import TEXT_FIELDS, build_schema
    from indexer.text.analysis import presegment

    schema = build_schema()
    corpus = Path(__file__).resolve().parent.parent / "corpus" / "van-ban"
    for article in list(read_sources([corpus]))[:3]:
        words = presegment(article.title + "\n" + article.body)
        for name in TEXT_FIELDS:
            field = schema[name]
            shortcut = sorted(field.index(words))
            assert shortcut
            assert shortcut == sorted(fields.TEXT.index(field, words))
