"""/api/search, /api/documents, /api/openapi.json over the sample corpus and generated documents."""

import pytest

from search_app.web.params import PARAMS

from conftest import GENERATED_COUNT

SAMPLE_IDS = {"kh-15-2017-ldld", "nq-01-2023-dh", "tt-2019-lam-duong-van-quan"}


def get(client, url, status=200, **params):
    response = client.get(url, query_string=params)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_search_shape(client):
    data = get(client, "/api/search", q="nghi quyet dai hoi")
    assert set(data) >= {"total", "page", "per_page", "took_ms", "hits", "facets", "suggestion"}
    assert set(data["facets"]) == {"date", "unit", "type"}
    hit = data["hits"][0]
    assert set(hit) >= {"id", "title", "date", "unit", "type", "numbers", "snippet", "url"}
    assert "<mark>" in hit["snippet"] and hit["url"]


def test_unaccented_query_finds_accented_documents(client):
    data = get(client, "/api/search", q="nghi quyet dai hoi xvii")
    assert data["hits"][0]["id"] in {"nq-01-2023-dh", "ctr-03-2023-ldld"}
    assert "Nghị quyết" in data["hits"][0]["snippet"] or "Nghị quyết" in data["hits"][0]["title"]


@pytest.mark.parametrize("q", ["15/KH-LĐLĐ", "15/ KH-LĐLĐ", "kh 15", "số 15/KH-LĐLĐ"])
def test_number_only_query_puts_that_document_first(client, q):
    assert get(client, "/api/search", q=q)["hits"][0]["id"] == "kh-15-2017-ldld"


def test_unit_filter_values_combine_with_or_and_facets_with_and(client):
    one = get(client, "/api/search", q="cong doan", unit="LĐLĐ huyện Văn Quan")
    two = get(client, "/api/search", q="cong doan", unit=["LĐLĐ huyện Văn Quan", "Công đoàn ngành Y tế"])
    assert 0 < one["total"] < two["total"]
    assert {h["unit"] for h in two["hits"]} <= {"LĐLĐ huyện Văn Quan", "Công đoàn ngành Y tế"}
    both = get(client, "/api/search", q="cong doan", unit="LĐLĐ huyện Văn Quan", type="tin tức")
    assert both["total"] <= one["total"] and all(h["type"] == "tin tức" for h in both["hits"])


def test_units_and_types_accept_abbreviations_and_slugs(client):
    by_name = get(client, "/api/search", q="", unit="Công đoàn Viên chức tỉnh")["total"]
    assert get(client, "/api/search", q="", unit="CĐVC")["total"] == by_name
    assert get(client, "/api/search", q="", unit="cong-doan-vien-chuc-tinh")["total"] == by_name
    by_type = get(client, "/api/search", q="", type="nghị quyết")["total"]
    assert get(client, "/api/search", q="", type="NQ")["total"] == by_type > 0


def test_each_facet_is_counted_under_the_other_filters_but_not_its_own(client):
    data = get(client, "/api/search", q="cong doan", type="kế hoạch", unit="LĐLĐ tỉnh Lạng Sơn")
    units = {v["value"]: v for v in data["facets"]["unit"]}
    assert units["LĐLĐ tỉnh Lạng Sơn"]["selected"]
    for value, facet in list(units.items())[:4]:
        alone = get(client, "/api/search", q="cong doan", type="kế hoạch", unit=value)
        assert facet["count"] == alone["total"], value
    types = {v["value"]: v["count"] for v in data["facets"]["type"]}
    for value, count in list(types.items())[:3]:
        assert count == get(client, "/api/search", q="cong doan", unit="LĐLĐ tỉnh Lạng Sơn", type=value)["total"]


def test_years_then_months_of_a_year(client):
    data = get(client, "/api/search", q="covid")
    years = {v["value"]: v["count"] for v in data["facets"]["date"] if v["param"] == "year"}
    assert {"2020", "2021"} <= set(years)
    in_2020 = get(client, "/api/search", q="covid", year="2020")
    assert in_2020["total"] == years["2020"]
    assert all(h["date"].startswith("2020") for h in in_2020["hits"])
    months = [v for v in in_2020["facets"]["date"] if v["param"] == "month"]
    assert months and all(m["value"].startswith("2020-") for m in months)
    assert sum(m["count"] for m in months) == in_2020["total"]
    month = months[0]
    in_month = get(client, "/api/search", q="covid", year="2020", month=month["value"])
    assert in_month["total"] == month["count"]
    assert all(h["date"].startswith(month["value"]) for h in in_month["hits"])


def test_date_range_and_sorting(client):
    data = get(client, "/api/search", q="", **{"from": "2020-01-01", "to": "2020-03-31"}, sort="oldest", per_page=50)
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates) and dates[0] >= "2020-01-01" and dates[-1] <= "2020-03-31"
    newest = [h["date"] for h in get(client, "/api/search", q="cong doan", sort="newest", per_page=30)["hits"]]
    assert newest == sorted(newest, reverse=True)


def test_empty_query_browses_newest_documents(client, big_index):
    from indexer.index.build import open_index

    data = get(client, "/api/search", q="")
    with open_index(big_index).searcher() as s:
        assert data["total"] == s.doc_count() > GENERATED_COUNT
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)


def test_pagination_pages_do_not_overlap(client):
    first = get(client, "/api/search", q="covid", per_page=5, page=1)
    second = get(client, "/api/search", q="covid", per_page=5, page=2)
    assert (first["page"], second["page"], second["per_page"]) == (1, 2, 5)
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    assert first["total"] == second["total"]


def test_a_misspelt_query_is_answered_for_its_correction_unless_asked_exactly(client):
    data = get(client, "/api/search", q="cong doam")
    assert data["corrected"] == "cong doan" and data["corrected_from"] == "cong doam" and data["suggestion"] is None
    assert data["total"] == get(client, "/api/search", q="cong doan")["total"] > 0
    exact = get(client, "/api/search", q="cong doam", exact="1")
    assert exact["corrected"] is None and exact["suggestion"] == "cong doan"


@pytest.mark.parametrize(
    "params, message",
    [
        ({"from": "2020-13-45"}, "Ngày không hợp lệ"),
        ({"to": "hôm qua"}, "Ngày không hợp lệ"),
        ({"per_page": "500"}, "tối đa 100 kết quả"),
        ({"from": "31/02/2024"}, "Ngày không hợp lệ"),
        ({"per_page": "0"}, "Số kết quả mỗi trang"),
        ({"page": "abc"}, "Số trang phải là một số"),
        ({"page": "300", "q": "covid"}, "vượt quá"),
        ({"page": "99999"}, "Số trang phải"),
        ({"sort": "random"}, "sắp xếp"),
        ({"year": "20x0"}, "Năm không hợp lệ"),
        ({"month": "2020-13"}, "Tháng không hợp lệ"),
        ({"from": "2021-01-01", "to": "2020-01-01"}, "trước ngày kết thúc"),
        ({"q": "x" * 600}, "quá dài"),
    ],
)
def test_bad_parameters_get_400_with_a_message(client, params, message):
    data = get(client, "/api/search", status=400, **params)
    assert data["error"]["status"] == 400
    assert message.lower() in data["error"]["message"].lower()


def test_document_by_id(client):
    data = get(client, "/api/documents/kh-15-2017-ldld")
    assert data["number"] == "15/KH-LĐLĐ" and data["type"] == "kế hoạch" and "body" in data
    missing = get(client, "/api/documents/khong-co", status=404)
    assert missing["error"]["status"] == 404


def test_openapi_describes_the_search_parameters(client):
    spec = get(client, "/api/openapi.json")
    assert spec["openapi"].startswith("3.")
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert names == set(PARAMS)
    assert "/api/documents/{id}" in spec["paths"]


def test_unknown_api_path_is_json_404(client):
    data = get(client, "/api/khong-co", status=404)
    assert data["error"]["status"] == 404
