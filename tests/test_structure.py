"""The parts of an official document: letterhead, body, nơi nhận and signature, found in its
paragraphs; news has none. Snippets come from the body; the document page shows each part."""

import gzip
import json
import re
from pathlib import Path

import pytest

from indexer.documents.extract import read_sources
from indexer.documents.structure import parts
from search_app.engine import SearchRequest

from conftest import CORPUS


def paragraphs_of(doc_id: str) -> list[str]:
    article = next(a for a in read_sources([CORPUS]) if getattr(a, "id", None) == doc_id)
    return [p for p in article.body.split("\n") if p.strip()]


@pytest.mark.parametrize(
    "doc_id, first_of_body, last_of_body, signer, position",
    [
        (
            "kh-15-2017-ldld",
            "Căn cứ Điều lệ",
            "Trong quá trình thực hiện",
            "Nông Văn Thắng",
            "TM. BAN THƯỜNG VỤ CHỦ TỊCH",
        ),
        (
            "cv-156-2019-ldld",
            "Thực hiện chủ trương",
            "Liên đoàn Lao động tỉnh đề nghị",
            "Lăng Văn Phúc",
            "KT. CHỦ TỊCH",
        ),
        ("van-ban-bc-08-2019-ldldtp", "I. KẾT QUẢ HOẠT ĐỘNG", "4. Tiếp tục", "Nguyễn Thị Hồng Nhung", "TM."),
        ("qd-245-2020-ldld", "Căn cứ Điều lệ", "Quyết định có hiệu lực", "Nông Văn Thắng", "TM. BAN THƯỜNG VỤ"),
        ("dinh-kem-hd-02-2021-ldld", "Căn cứ Nghị quyết", "Ban Tổ chức", "Lăng Văn Phúc", "TM. BAN THƯỜNG VỤ"),
    ],
)
def test_the_parts_of_the_sample_documents(doc_id, first_of_body, last_of_body, signer, position):
    paragraphs = paragraphs_of(doc_id)
    found = parts(paragraphs)
    body = found.body(paragraphs)
    assert body[0].startswith(first_of_body) and body[-1].startswith(last_of_body)
    assert found.signer == signer and found.position.startswith(position)
    assert not any("CỘNG HÒA XÃ HỘI" in p or p.startswith("Nơi nhận") for p in body)


def test_every_official_document_of_the_sample_has_its_parts_and_news_has_none():
    for article in read_sources([CORPUS]):
        if not hasattr(article, "body"):
            continue
        paragraphs = [p for p in article.body.split("\n") if p.strip()]
        found = parts(paragraphs)
        if article.type == "tin tức":
            assert (found.head, found.tail, found.signer) == (0, len(paragraphs), None), article.id
        else:
            assert found.head >= 4 and found.signer and found.tail < len(paragraphs), article.id


def test_snippets_come_from_the_body_never_the_letterhead_or_recipients(sample_engine):
    for q in ("15/KH-LĐLĐ", "lạng sơn ngày 21 tháng 3 năm 2017", "thường trực tỉnh ủy"):
        for hit in sample_engine.search(SearchRequest(q=q)).hits:
            assert "CỘNG HÒA XÃ HỘI" not in hit.snippet and "Nơi nhận" not in hit.snippet, (q, hit.id)
    own = sample_engine.search(SearchRequest(q="15/KH-LĐLĐ")).hits[0]
    assert own.id == "kh-15-2017-ldld" and own.snippet.startswith("Căn cứ Điều lệ")


def test_the_document_page_shows_letterhead_body_closing_and_the_signer(client):
    html = client.get("/tai-lieu/kh-15-2017-ldld").get_data(as_text=True)
    letterhead = html.split('class="letterhead"')[1].split("</div>")[0]
    closing = html.split('class="closing"')[1].split("</div>")[0]
    assert "Số: 15/KH-LĐLĐ" in letterhead and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in letterhead
    assert "Nơi nhận" in closing and "Nông Văn Thắng" in closing
    assert re.search(r"<dt>Người ký</dt><dd><a [^>]+>Nông Văn Thắng</a>", html)
    news = client.get("/tai-lieu/tt-2019-lam-duong-van-quan").get_data(as_text=True)
    assert 'class="letterhead"' not in news and 'class="closing"' not in news


@pytest.mark.shared
def test_the_laws_parts_none_invented():
    laws = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "laws.jsonl.gz"
    with gzip.open(laws, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    assert len(records) == 2
    for record in records:
        paragraphs = [p for p in record["body"].split("\n") if p.strip()]
        found = parts(paragraphs)
        body = found.body(paragraphs)
        assert body[0].startswith("Căn cứ Hiến pháp") and body[-1].startswith(("Bộ luật này", "Luật này"))
        assert found.signer in {"Nguyễn Thị Kim Ngân", "Nguyễn Sinh Hùng"} and found.position == "CHỦ TỊCH QUỐC HỘI"


def test_the_outline_of_a_plan_and_of_a_decision():
    from indexer.documents.structure import outline

    plan = parts(paragraphs_of("kh-15-2017-ldld")).body(paragraphs_of("kh-15-2017-ldld"))
    sections = outline(plan)
    assert [s.anchor for s in sections if s.level == 2] == ["muc-i", "muc-ii", "muc-iii"]
    assert [s.anchor for s in sections if s.anchor.startswith("muc-ii-")] == ["muc-ii-1", "muc-ii-2", "muc-ii-3"]
    decision = outline(paragraphs_of("qd-15-2020-cdkkt"))
    assert [s.anchor for s in decision if s.level == 4] == ["dieu-1", "dieu-2", "dieu-3", "dieu-4"]
    assert [s.anchor for s in decision if s.level == 5] == ["dieu-2-khoan-1", "dieu-2-khoan-2", "dieu-2-khoan-3"]
    # a news article has no outline to invent
    assert outline(paragraphs_of("tt-2019-lam-duong-van-quan")) == []


def test_the_document_page_has_its_outline_with_anchors(client):
    html = client.get("/tai-lieu/qd-15-2020-cdkkt").get_data(as_text=True)
    contents = html.split('<nav class="contents"')[1].split("</nav>")[0]
    links = re.findall(r'href="#([^"]+)"', contents)
    assert links == ["dieu-1", "dieu-2", "dieu-3", "dieu-4"]
    for anchor in links:
        assert f'<p id="{anchor}"' in html


@pytest.mark.shared
def test_every_chuong_and_dieu_of_the_two_laws_in_order_none_invented():
    from indexer.documents.structure import outline

    laws = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "laws.jsonl.gz"
    with gzip.open(laws, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    expected = {"45/2019/QH14": (17, 220), "58/2014/QH13": (9, 125)}  # chương, điều, as the laws have them
    for record in records:
        paragraphs = [p for p in record["body"].split("\n") if p.strip()]
        number = next(k for k in expected if k in "\n".join(paragraphs[:8]))
        chapters, articles = expected[number]
        sections = outline(parts(paragraphs).body(paragraphs))
        roman = [s.anchor for s in sections if s.level == 2]
        assert len(roman) == chapters and roman[:3] == ["chuong-i", "chuong-ii", "chuong-iii"], number
        assert [s.anchor for s in sections if s.level == 4] == [f"dieu-{n}" for n in range(1, articles + 1)], number
        assert all(s.label.startswith("Chương ") for s in sections if s.level == 2)
        assert len({s.anchor for s in sections}) == len(sections)


def test_a_hit_in_a_long_document_names_and_links_the_part_it_is_from(tmp_path):
    from indexer.index.build import build_index

    from conftest import engine_for, write_doc

    articles = [f"Điều {n}. Quy định số {n}\n\nNội dung chung của điều {n} về công đoàn cơ sở." for n in range(1, 15)]
    articles[8] = "Điều 9. Quỹ xã hội\n\nHỗ trợ xây mới Mái ấm Công đoàn cho đoàn viên khó khăn."
    write_doc(
        tmp_path / "c",
        "quy-che.md",
        {"id": "quy-che", "title": "Quy chế thi đua khen thưởng", "type": "quyết định"},
        "\n\n".join(articles),
    )
    build_index([tmp_path / "c"], tmp_path / "index")
    hit = engine_for(tmp_path / "index").search(SearchRequest(q="mai am cong doan")).hits[0]
    assert hit.id == "quy-che" and hit.part == "Điều 9. Quỹ xã hội" and hit.anchor == "dieu-9"
    assert "<mark>Mái ấm Công đoàn</mark>" in hit.snippet
    short = engine_for(tmp_path / "index").search(SearchRequest(q="thi dua khen thuong")).hits[0]
    assert short.part is None  # nothing matched inside: no part to name
