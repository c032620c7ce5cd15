"""Typed relations between documents read from their text (căn cứ, thực hiện, hướng dẫn, thay thế,
sửa đổi, bãi bỏ), shown both ways on the document page and in the API; and the signer of an
official document as a field: stored, searchable, a filter, shown."""

import re

import pytest
from jsonschema import Draft202012Validator

from indexer.documents.extract import read_sources
from indexer.documents.relations import find_relations
from indexer.index.build import build_index
from search_app import create_app

from conftest import CORPUS, settings_for, write_doc


def found(title: str, paragraphs: list[str], own: str | None = None, official: bool = True) -> list[tuple]:
    return [(r.kind, r.number) for r in find_relations(title, paragraphs, own, official)]


@pytest.mark.parametrize(
    "title, paragraph, expected",
    [
        ("", "Căn cứ Nghị quyết số 45/NQ-LĐLĐ ngày 18/12/2019 của Ban Chấp hành;", [("based_on", "45/NQ-LĐLĐ")]),
        ("", "Căn cứ Kế hoạch số 15/KH-LĐLĐ ngày 21/3/2017 của Ban Thường vụ", [("based_on", "15/KH-LĐLĐ")]),
        ("", "Thực hiện Kế hoạch số 15/ KH-LĐLĐ, ngày 21/3/2017 của LĐLĐ tỉnh", [("implements", "15/KH-LĐLĐ")]),
        ("", "Hướng dẫn thực hiện Nghị quyết số 01/NQ-ĐH như sau:", [("guides", "01/NQ-ĐH")]),
        ("Hướng dẫn thực hiện Nghị quyết 01/NQ-ĐH", "Các cấp công đoàn triển khai.", [("guides", "01/NQ-ĐH")]),
        ("Kế hoạch thực hiện Chỉ thị số 01/CT-LĐLĐ", "Các cấp công đoàn triển khai.", [("implements", "01/CT-LĐLĐ")]),
        ("", "Quyết định này thay thế Quyết định số 86/QĐ-LĐLĐ ngày 15/3/2018.", [("replaces", "86/QĐ-LĐLĐ")]),
        ("", "Sửa đổi, bổ sung Điều 3 Quy chế ban hành kèm theo Quyết định số 86/QĐ-LĐLĐ.", [("amends", "86/QĐ-LĐLĐ")]),
        ("", "Bãi bỏ Thông báo số 12/TB-LĐLĐ ngày 02/3/2021.", [("repeals", "12/TB-LĐLĐ")]),
        ("", "- Căn cứ Bộ luật Lao động số 45/2019/QH14;", [("based_on", "45/2019/QH14")]),
    ],
)
def test_each_kind_is_read_from_its_set_phrase(title, paragraph, expected):
    assert found(title, [paragraph], own="07/HD-LĐLĐ") == expected


def test_a_clause_cites_the_numbers_joined_to_its_first_never_those_of_the_main_clause():
    paragraph = (
        "Căn cứ Nghị quyết số 45/NQ-LĐLĐ ngày 18/12/2019 và Kế hoạch số 12/KH-LĐLĐ ngày 02/01/2020; "
        "căn cứ Hướng dẫn số 01/HD-HĐQLQ về thực hiện Quỹ Xã hội, Ban Thường vụ ban hành Quyết định "
        "số 99/QĐ-LĐLĐ về khen thưởng."
    )
    assert found("", [paragraph]) == [
        ("based_on", "45/NQ-LĐLĐ"),
        ("based_on", "12/KH-LĐLĐ"),
        ("based_on", "01/HD-HĐQLQ"),
    ]
    (relation,) = find_relations("", ["Thực hiện Kế hoạch số 15/KH-LĐLĐ. Ngày 8/6, hội nghị diễn ra."])
    assert relation.sentence == "Thực hiện Kế hoạch số 15/KH-LĐLĐ."  # the sentence it came from


def test_never_the_document_itself_and_never_a_mention_without_a_number():
    own = ["Thực hiện Kế hoạch số 05/KH-LĐLĐ của Ban Thường vụ, các cấp công đoàn báo cáo."]
    assert found("", own, own="5/KH-LĐLĐ") == []  # its own number, written another way
    news = [
        "Các cấp công đoàn thực hiện tốt Nghị quyết Đại hội XVII Công đoàn tỉnh.",
        "Thực hiện Nghị quyết Đại hội, năm 2024 toàn tỉnh phát triển 2.000 đoàn viên.",
        "Công ty thay thế Quyết định số 12/QĐ-CT về tiền lương bằng quy chế mới.",  # a news story, not our act
    ]
    assert found("Công đoàn thực hiện tốt Nghị quyết 01/NQ-ĐH", news, official=False) == []
    # passive: two other documents, neither this one
    assert found("", ["Quyết định số 86/QĐ-LĐLĐ đã được thay thế bởi Quyết định số 245/QĐ-LĐLĐ."]) == []


@pytest.mark.parametrize(
    "unit",
    [
        "thay thế Quyết định số 1/QĐ-LĐLĐ ",
        "Căn cứ Kế hoạch số 2/KH-LĐLĐ, Kế hoạch số 3/KH-LĐLĐ và ",
        "được sửa đổi, bổ sung bởi ",
        "Thực hiện; ",
        "bãi bỏ. ",
    ],
)
def test_relations_are_read_in_linear_work_whatever_the_text_repeats(unit):
    from test_limits import assert_linear

    assert_linear(lambda text: find_relations("Quyết định", [text]), lambda n: unit * (n // len(unit)), 100_000)


def test_the_relations_of_the_sample_documents():
    relations = {a.id: found_of(a) for a in read_sources([CORPUS]) if hasattr(a, "relations")}
    assert relations["kh-37-2017-cdn"] == [("based_on", "15/KH-LĐLĐ")]
    assert relations["kh-53-2017-cdvc"] == [("implements", "15/KH-LĐLĐ")]
    assert relations["ctr-03-2023-ldld"] == [("based_on", "01/NQ-ĐH")]
    assert relations["kh-28-2024-ldld"] == [("based_on", "03/CTr-LĐLĐ")]
    assert relations["qd-245-2020-ldld"] == [("based_on", "86/QĐ-LĐLĐ"), ("based_on", "02/TB-HĐTĐKT")]
    assert relations["dinh-kem-hd-02-2021-ldld"] == [("based_on", "45/NQ-LĐLĐ")]
    assert relations["tt-2017-dai-hoi-cdcs-tp"] == [("implements", "15/KH-LĐLĐ")]  # news opening "Thực hiện …"
    assert relations["kh-15-2017-ldld"] == relations["nq-01-2023-dh"] == []  # "Căn cứ Điều lệ …": no number
    assert relations["tt-2024-hoc-tap-nq-bac-son"] == []


def found_of(article) -> list[tuple]:
    return [(r["kind"], r["number"]) for r in article.relations]


def section(html: str, label: str) -> str | None:
    """The list under one label of the page's relations section."""
    m = re.search(rf"<h3>{re.escape(label)}</h3>\s*<ul>(.*?)</ul>", html, re.S)
    return m.group(1) if m else None


def relations_section(html: str) -> str:
    m = re.search(r'<section class="relations".*?</section>', html, re.S)
    return m.group(0) if m else ""


def test_the_sample_plans_link_to_each_other_both_ways(client):
    html = client.get("/tai-lieu/kh-15-2017-ldld").get_data(as_text=True)
    assert 'href="/tai-lieu/kh-37-2017-cdn"' in section(html, "Được làm căn cứ cho")
    implementing = section(html, "Văn bản thực hiện văn bản này")
    assert 'href="/tai-lieu/kh-53-2017-cdvc"' in implementing and "(53/KH-CĐVC)" in implementing
    assert "kh-15-2017-ldld" not in relations_section(html)
    html = client.get("/tai-lieu/kh-37-2017-cdn").get_data(as_text=True)
    assert 'href="/tai-lieu/kh-15-2017-ldld"' in section(html, "Căn cứ")
    # a typed relation is no longer among the other cited numbers
    cited = re.search(r"Văn bản liên quan</dt><dd>(.*?)</dd>", html)
    assert cited is None or "15/KH-LĐLĐ" not in cited.group(1)


DOCS = {
    "nq.md": (
        {"id": "nq-12", "title": "Nghị quyết về công tác nữ công", "number": "12/NQ-LĐLĐ", "type": "NQ"},
        "Ban Chấp hành Liên đoàn Lao động tỉnh quyết nghị nâng cao hiệu quả công tác nữ công.",
    ),
    "hd.md": (
        {"id": "hd-03", "title": "Hướng dẫn thực hiện Nghị quyết 12/NQ-LĐLĐ", "number": "03/HD-LĐLĐ", "type": "HD"},
        "Căn cứ Điều lệ Công đoàn Việt Nam; căn cứ Kế hoạch số 77/KH-TLĐ của Tổng Liên đoàn, Ban Thường vụ "
        "hướng dẫn các cấp công đoàn tổ chức thực hiện.",
    ),
    "qd-cu.md": (
        {"id": "qd-07", "title": "Quyết định ban hành Quy chế khen thưởng", "number": "07/QĐ-LĐLĐ", "type": "QĐ"},
        "Ban hành kèm theo Quyết định này Quy chế khen thưởng.",
    ),
    "qd-moi.md": (
        {"id": "qd-31", "title": "Quyết định ban hành Quy chế khen thưởng mới", "number": "31/QĐ-LĐLĐ", "type": "QĐ"},
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký và thay thế Quyết định số 07/QĐ-LĐLĐ; "
        "sửa đổi, bổ sung Quyết định số 99/QĐ-LĐLĐ. Quyết định số 31/QĐ-LĐLĐ được gửi các đơn vị.",
    ),
    "tin.md": (
        {"id": "tin-nu-cong", "title": "Công đoàn huyện thực hiện tốt Nghị quyết về nữ công", "date": "2024-05-02"},
        "Ngày 02/5/2024, các công đoàn cơ sở thực hiện tốt Nghị quyết 12/NQ-LĐLĐ về công tác nữ công.",
    ),
}


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("relations")
    for name, (front, body) in DOCS.items():
        write_doc(root / "corpus", name, front, body)
    report = build_index([root / "corpus"], root / "index")
    assert not report.errors
    return create_app(settings_for(root / "data", root / "index"), {"TESTING": True}).test_client()


def test_both_directions_are_shown_linked_when_held_and_plain_text_when_not(generated_client):
    page = generated_client.get("/tai-lieu/nq-12").get_data(as_text=True)
    assert 'href="/tai-lieu/hd-03"' in section(page, "Văn bản hướng dẫn văn bản này")
    assert "tin-nu-cong" not in relations_section(page)  # "thực hiện tốt" in news is no relation
    page = generated_client.get("/tai-lieu/hd-03").get_data(as_text=True)
    assert 'href="/tai-lieu/nq-12"' in section(page, "Hướng dẫn")
    unheld = section(page, "Căn cứ")
    assert "77/KH-TLĐ" in unheld and "<a" not in unheld  # we do not hold it: its number as plain text
    page = generated_client.get("/tai-lieu/qd-31").get_data(as_text=True)
    assert 'href="/tai-lieu/qd-07"' in section(page, "Thay thế")
    assert "99/QĐ-LĐLĐ" in section(page, "Sửa đổi, bổ sung") and "<a" not in section(page, "Sửa đổi, bổ sung")
    assert "qd-31" not in relations_section(page)  # never itself
    page = generated_client.get("/tai-lieu/qd-07").get_data(as_text=True)
    assert 'href="/tai-lieu/qd-31"' in section(page, "Bị thay thế bởi")


def test_the_api_gives_the_relations_both_ways_as_its_description_says(generated_client):
    spec = generated_client.get("/api/openapi.json").get_json()
    schema = Draft202012Validator({"$ref": "#/components/schemas/Document", "components": spec["components"]})
    answers = {}
    for doc_id in ("nq-12", "hd-03", "qd-31", "qd-07", "tin-nu-cong"):
        body = generated_client.get(f"/api/documents/{doc_id}").get_json()
        assert not [e.message for e in schema.iter_errors(body)], doc_id
        answers[doc_id] = {(r["direction"], r["kind"], r["number"], r["id"]) for r in body["relations"]}
    assert answers["nq-12"] == {("in", "guides", "03/HD-LĐLĐ", "hd-03")}
    assert answers["hd-03"] == {("out", "guides", "12/NQ-LĐLĐ", "nq-12"), ("out", "based_on", "77/KH-TLĐ", None)}
    assert answers["qd-31"] == {("out", "replaces", "07/QĐ-LĐLĐ", "qd-07"), ("out", "amends", "99/QĐ-LĐLĐ", None)}
    assert answers["qd-07"] == {("in", "replaces", "31/QĐ-LĐLĐ", "qd-31")}
    assert answers["tin-nu-cong"] == set()
    linked = generated_client.get("/api/documents/qd-07").get_json()["relations"][0]
    assert linked["label"] == "Bị thay thế bởi" and linked["page_url"].endswith("/tai-lieu/qd-31")


# --- the signer -----------------------------------------------------------------------------------


def test_the_signer_is_stored_searchable_a_filter_and_shown(client):
    doc = client.get("/api/documents/kh-15-2017-ldld").get_json()
    assert doc["signer"] == "Nông Văn Thắng"
    by_name = {h["id"] for h in client.get("/api/search?q=Nông Văn Thắng&per_page=50").get_json()["hits"]}
    signed = client.get("/api/search?signer=nong van thang&per_page=50").get_json()
    ids = {h["id"] for h in signed["hits"]}
    assert {"kh-15-2017-ldld", "qd-245-2020-ldld", "dinh-kem-nq-45-2019-ldld"} <= ids <= by_name
    assert {h["signer"] for h in signed["hits"]} == {"Nông Văn Thắng"}
    assert client.get("/api/search?signer=Nông Văn Thắng&per_page=50").get_json()["total"] == signed["total"]
    assert client.get("/api/search?signer=Không Ai Ký").get_json()["total"] == 0
    news = client.get("/api/documents/tt-2019-bhxh-chi-lang").get_json()
    assert news["signer"] is None
    # the document page links its signer to the filter; the filter is a removable chip
    page = client.get("/tai-lieu/kh-15-2017-ldld").get_data(as_text=True)
    link = re.search(r'<dt>Người ký</dt><dd><a href="([^"]+)"[^>]*>Nông Văn Thắng</a>', page).group(1)
    results = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Người ký: Nông Văn Thắng" in results and 'href="/tai-lieu/kh-15-2017-ldld' in results
