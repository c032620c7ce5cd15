"""Document numbers in every spelling members use, for every type code in the sample corpus."""

import pytest

from search_app.engine import SearchRequest


@pytest.mark.parametrize(
    "query, number",
    [
        ("hd 02", "02/HD-LĐLĐ"),
        ("HD 2", "02/HD-LĐLĐ"),
        ("02-HD", "02/HD-LĐLĐ"),
        ("hướng dẫn số 02", "02/HD-LĐLĐ"),
        ("huong dan 2", "02/HD-LĐLĐ"),
        ("nq 01", "01/NQ-ĐH"),
        ("45/NQ", "45/NQ-LĐLĐ"),
        ("nghị quyết 45", "45/NQ-LĐLĐ"),
        ("số 45/NQ", "45/NQ-LĐLĐ"),
        ("ct 01", "01/CT-LĐLĐ"),
        ("chỉ thị 01", "01/CT-LĐLĐ"),
        ("bc 08", "08/BC-LĐLĐTP"),
        ("báo cáo số 25", "25/BC-CĐKKT"),
        ("cv 156", "156/LĐLĐ-CSPL"),  # a công văn's number has no CV in it
        ("công văn 156", "156/LĐLĐ-CSPL"),
        ("tb 12", "12/TB-CĐYT"),
        ("kh 15", "15/KH-LĐLĐ"),
        ("ke hoach 190", "190/KH-LĐLĐ"),
        ("qd so 245", "245/QĐ-LĐLĐ"),
        ("quyết định 245", "245/QĐ-LĐLĐ"),
        ("15/ KH-LĐLĐ", "15/KH-LĐLĐ"),
    ],
)
def test_every_spelling_of_a_number_finds_that_document_first(sample_engine, query, number):
    hits = sample_engine.search(SearchRequest(q=query)).hits
    assert hits and hits[0].number == number, [(h.number, h.title[:40]) for h in hits[:3]]


def test_a_number_that_does_not_exist_is_searched_as_words(sample_engine):
    result = sample_engine.search(SearchRequest(q="nghị quyết 99"))
    assert result.total > 0 and result.hits[0].type == "nghị quyết"
    # no plan is numbered 9999: none is offered as if it were
    missing = sample_engine.search(SearchRequest(q="kh 9999"))
    assert missing.relaxed or missing.total == 0
