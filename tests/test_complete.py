"""Autocomplete as a member types: numbers, units, known phrases and titles; the API and the
browser's search box (OpenSearch suggestions) answer the same."""

import pytest

from search_app.engine import SearchRequest


def labels(engine, text, kind=None):
    return [c.label for c in engine.complete(text) if kind is None or c.kind == kind]


@pytest.mark.parametrize(
    "typed, kind, expected",
    [
        ("15/", "number", "15/KH-LĐLĐ"),
        ("số 02", "number", "02/HD-LĐLĐ"),
        ("so 4", "number", "45/NQ-LĐLĐ"),
        ("cong doan vien c", "unit", "Công đoàn Viên chức tỉnh"),
        ("bao hiem", "phrase", "Bảo hiểm xã hội"),
        (
            "nghi quyet dai h",
            "title",
            "Nghị quyết Đại hội đại biểu Công đoàn tỉnh Lạng Sơn lần thứ XVII, nhiệm kỳ 2023-2028",
        ),
        (
            "tết sum v",
            "title",
            'Kế hoạch tổ chức chương trình "Tết Sum vầy" và chăm lo Tết Nguyên đán Ất Tỵ năm 2025',
        ),
    ],
)
def test_what_a_member_is_typing_is_completed(sample_engine, typed, kind, expected):
    found = labels(sample_engine, typed, kind)
    assert found and found[0].startswith(expected), labels(sample_engine, typed)


def test_titles_offered_are_those_the_search_finds(sample_engine):
    titles = labels(sample_engine, "mai am cong doan", "title")
    hits = [h.title for h in sample_engine.search(SearchRequest(q="mai am cong doan", per_page=20)).hits]
    assert titles and set(titles) <= set(hits)


def test_too_little_or_nothing_known_gives_nothing(sample_engine):
    assert sample_engine.complete("") == [] and sample_engine.complete("x") == []
    assert sample_engine.complete("zqxw") == []
    assert len(sample_engine.complete("cong")) <= 8


def test_the_api_and_the_browsers_search_box(client):
    body = client.get("/api/suggest", query_string={"q": "nghi quyet dai h"}).get_json()
    assert body["q"] == "nghi quyet dai h" and body["suggestions"]
    first = body["suggestions"][0]
    assert first["kind"] == "title" and client.get(first["url"].split("localhost")[1]).status_code == 200
    box = client.get("/api/suggest", query_string={"q": "nghi quyet dai h", "format": "opensearch"})
    assert box.mimetype == "application/x-suggestions+json"
    typed, shown, descriptions, urls = box.get_json(force=True)
    assert typed == "nghi quyet dai h" and shown == [s["label"] for s in body["suggestions"]]
    assert len(descriptions) == len(urls) == len(shown)
    assert client.get("/api/suggest", query_string={"q": "x" * 300}).status_code == 400
    xml = client.get("/opensearch.xml").get_data(as_text=True)
    assert 'type="application/x-suggestions+json"' in xml and "/api/suggest?q={searchTerms}" in xml
