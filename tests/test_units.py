"""Units, dates and types that are true: national news is never filed under the province's units.

Issue 13: the federation's site republishes national and other provinces' news every day, so a
generic phrase ("LĐLĐ tỉnh", "…/KH-LĐLĐ") means the configured province's unit only in the
federation's own documents or where the text names the province; dates come only from date
lines; a type only from the number, the title of a document, or its heading.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from indexer.documents import gazetteer
from indexer.documents.extract import read_sources
from indexer.index.build import build_index
from search_app.engine import Engine, SearchRequest
from search_app.settings import Settings, SettingsError

from conftest import write_doc, write_jsonl


@pytest.fixture(autouse=True)
def _lang_son():
    gazetteer.configure("Lạng Sơn")
    yield
    gazetteer.configure("Lạng Sơn")


def _news(rid: str, title: str, body: str, **extra) -> dict:
    return {"id": rid, "source": "test", "title": title, "lead": "", "body": body, **extra}


def _read(tmp_path, records):
    path = write_jsonl(tmp_path / "news.jsonl", records)
    return {a.id: a for a in read_sources([path])}


def test_other_provinces_federations_keep_their_own_names(tmp_path):
    found = _read(
        tmp_path,
        [
            _news("hcm", "LĐLĐ TP HCM trao quà Tết", "Sáng 20/1, LĐLĐ TP HCM trao 5.000 phần quà cho công nhân."),
            _news("tld", "Tổng Liên đoàn chỉ đạo", "Tổng Liên đoàn Lao động Việt Nam vừa ban hành chỉ thị về Tết."),
            _news("bg", "Công nhân Bắc Giang", "Liên đoàn Lao động tỉnh Bắc Giang tổ chức chương trình Tết sum vầy."),
        ],
    )
    assert found["hcm"].unit == "LĐLĐ thành phố Hồ Chí Minh"
    assert found["tld"].unit == "Tổng Liên đoàn Lao động Việt Nam"
    assert found["bg"].unit == "LĐLĐ tỉnh Bắc Giang"


def test_generic_phrases_in_national_news_are_no_unit_of_this_province(tmp_path):
    found = _read(
        tmp_path,
        [
            _news("a", "Chăm lo cho công nhân", "LĐLĐ tỉnh đã trao 300 suất quà. Công đoàn cơ sở các doanh nghiệp…"),
            _news("b", "Triển khai kế hoạch", "Thực hiện Kế hoạch số 15/KH-LĐLĐ, các cấp công đoàn tổ chức hội nghị."),
            _news("c", "Xây dựng nhà máy", "Công ty khởi công nhà máy mới, không nhắc tới tổ chức công đoàn."),
        ],
    )
    assert [found[k].unit for k in "abc"] == [None, None, None]


def test_a_national_article_that_names_the_province_gets_its_units(tmp_path):
    found = _read(
        tmp_path,
        [_news("ls", "Lạng Sơn: chăm lo Tết cho đoàn viên", "Tại Lạng Sơn, LĐLĐ tỉnh đã trao 300 suất quà.")],
    )
    assert found["ls"].unit == "LĐLĐ tỉnh Lạng Sơn"


def test_the_federations_own_documents_resolve_generic_phrases_and_codes(tmp_path):
    folder = tmp_path / "own"
    write_doc(
        folder,
        "kh.md",
        {"title": "Kế hoạch tổ chức Tháng Công nhân"},
        """
        LIÊN ĐOÀN LAO ĐỘNG TỈNH

        Số: 21/KH-LĐLĐ

        Thực hiện chương trình công tác năm, Ban Thường vụ Liên đoàn Lao động tỉnh ban hành kế hoạch.
        """,
    )
    write_doc(folder, "tin.md", {"title": "CĐVC tỉnh tập huấn"}, "Ngày 3/5/2024, CĐVC tỉnh tổ chức lớp tập huấn.")
    found = {a.id: a for a in read_sources([folder])}
    assert found["kh"].unit == "LĐLĐ tỉnh Lạng Sơn"
    assert found["kh"].type == "kế hoạch"
    assert found["tin"].unit == "Công đoàn Viên chức tỉnh"


def test_another_province_runs_the_service_by_changing_the_setting(tmp_path):
    gazetteer.configure("Bắc Ninh")
    folder = tmp_path / "own"
    write_doc(folder, "kh.md", {"title": "Kế hoạch số 3"}, "Số: 3/KH-LĐLĐ\n\nLĐLĐ tỉnh triển khai kế hoạch.")
    (only,) = read_sources([folder])
    assert only.unit == "LĐLĐ tỉnh Bắc Ninh"
    assert Settings.from_env({"TRACUU_PROVINCE": "Bac Ninh"}).province == "Bắc Ninh"


def test_an_unknown_province_setting_is_one_clear_error():
    with pytest.raises(SettingsError, match="TRACUU_PROVINCE.*Không tìm thấy"):
        Settings.from_env({"TRACUU_PROVINCE": "Tỉnh Không Có"})


def test_dates_only_from_date_lines_never_from_a_year_in_passing(tmp_path):
    found = _read(
        tmp_path,
        [
            _news("passing", "Nhìn lại chặng đường", "Công ty thành lập năm 1993, được khen thưởng ngày 17/4/2017."),
            _news("cited", "Triển khai", "Các đơn vị thực hiện Kế hoạch số 37/KH-CĐN ngày 17/4/2017 của ngành."),
            _news("lead", "Hội nghị", "Ngày 14/8/2017, công ty tổ chức hội nghị người lao động."),
            _news("meta", "Có ngày nguồn", "Ngày 14/8/2017, hội nghị.", date="2021-03-05"),
        ],
    )
    assert found["passing"].date is None
    assert found["cited"].date is None
    assert found["lead"].date == date(2017, 8, 14)
    assert found["meta"].date == date(2021, 3, 5)


def test_types_only_from_number_title_or_heading(tmp_path):
    found = _read(
        tmp_path,
        [
            _news("howto", "Hướng dẫn cách tra cứu quá trình đóng bảo hiểm xã hội", "Người lao động có thể…"),
            _news("plan", "Kế hoạch nghỉ Tết của công nhân", "Nhiều công nhân đã lên kế hoạch về quê."),
            _news("lawyer", "Luật sư tư vấn về hợp đồng lao động", "Luật sư cho biết…"),
            _news("nq", "Nghị quyết số 05/NQ-TLĐ", "TỔNG LIÊN ĐOÀN\n\nSố: 05/NQ-TLĐ\n\nNGHỊ QUYẾT\n\nVề công tác…"),
        ],
    )
    assert [found[k].type for k in ("howto", "plan", "lawyer")] == ["tin tức"] * 3
    assert found["nq"].type == "nghị quyết"
    assert found["nq"].unit == "Tổng Liên đoàn Lao động Việt Nam"


@pytest.fixture
def facet_engine(tmp_path):
    folder = tmp_path / "own"
    docs = {
        "binh-gia.md": ("LĐLĐ huyện Bình Gia", "2021-05-01"),
        "binh-gia-2.md": ("LĐLĐ huyện Bình Gia", "2022-05-01"),
        "cdcs.md": ("Công đoàn cơ sở", "2023-05-01"),
        "tinh.md": ("LĐLĐ tỉnh Lạng Sơn", "2024-05-01"),
        "hcm.md": ("LĐLĐ thành phố Hồ Chí Minh", "2024-06-01"),
    }
    for name, (unit, day) in docs.items():
        write_doc(
            folder, name, {"title": f"Hội nghị đoàn viên {name}", "unit": unit, "date": day}, "Hội nghị đoàn viên."
        )
    national = write_jsonl(
        tmp_path / "news.jsonl", [_news("undated", "Hội nghị đoàn viên toàn quốc", "Hội nghị đoàn viên, năm 2019.")]
    )
    build_index([folder, national], tmp_path / "index")
    return Engine(tmp_path / "index", result_cache=0)


def _facet(result, name):
    return {v.value: v for v in result.facets[name]}


def test_the_unit_facet_nests_districts_under_the_province_and_counts_them(facet_engine):
    result = facet_engine.search(SearchRequest(q="hội nghị đoàn viên"))
    units = _facet(result, "unit")
    province = units["LĐLĐ tỉnh Lạng Sơn"]
    assert province.count == 4 and province.depth == 0 and province.parent is None
    district = units["LĐLĐ huyện Bình Gia"]
    assert (district.count, district.parent, district.depth) == (2, "LĐLĐ tỉnh Lạng Sơn", 1)
    assert district.label == "LĐLĐ huyện Bình Gia (đến 30/06/2025)"  # dissolved with the districts
    assert units["LĐLĐ thành phố Hồ Chí Minh"].depth == 0
    order = [v.value for v in result.facets["unit"]]
    assert order.index("LĐLĐ huyện Bình Gia") == order.index("LĐLĐ tỉnh Lạng Sơn") + 1  # right under it
    assert units["khong-ro"].label == "Không rõ đơn vị" and units["khong-ro"].count == 1


def test_choosing_a_parent_unit_includes_its_children(facet_engine):
    result = facet_engine.search(SearchRequest(q="hội nghị đoàn viên", units=["LĐLĐ tỉnh Lạng Sơn"]))
    assert result.total == 4
    only = facet_engine.search(SearchRequest(q="hội nghị đoàn viên", units=["LĐLĐ huyện Bình Gia"]))
    assert only.total == 2


def test_undated_documents_sit_under_khong_ro_ngay(facet_engine):
    result = facet_engine.search(SearchRequest(q="hội nghị đoàn viên"))
    years = _facet(result, "date")
    assert "2019" not in years  # the year in passing is not a date
    assert years["khong-ro"].label == "Không rõ ngày" and years["khong-ro"].count == 1
    undated = facet_engine.search(SearchRequest(q="hội nghị đoàn viên", years=["khong-ro"]))
    assert [h.id for h in undated.hits] == ["undated"]
    unknown_unit = facet_engine.search(SearchRequest(q="hội nghị đoàn viên", units=["khong-ro"]))
    assert [h.id for h in unknown_unit.hits] == ["undated"]


def test_staff_choose_a_unit_from_their_province_first_then_national_then_other_provinces(tmp_path):
    from test_staff import make_staff_app, signed_in

    client = signed_in(make_staff_app(tmp_path))
    html = client.get("/quan-tri/tai-lieu/kh-15-2017-ldld/sua").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)">', html)
    assert groups == ["Tỉnh Lạng Sơn", "Toàn quốc", "Các tỉnh, thành phố khác"]
    own, national, others = re.split(r"<optgroup ", html.split('name="unit"', 1)[1].split("</select>", 1)[0])[1:]
    assert 'value="LĐLĐ tỉnh Lạng Sơn" selected' in own  # the document's own unit, chosen
    assert ">LĐLĐ huyện Bình Gia (đến 30/06/2025)<" in own
    assert 'value="Tổng Liên đoàn Lao động Việt Nam"' in national
    assert ">LĐLĐ tỉnh Hà Giang (đến 30/06/2025)<" in others and "Lạng Sơn" not in others
