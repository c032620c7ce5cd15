"""The server-rendered pages, the OpenSearch description and the Atom feed."""

import re
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

from indexer.index.build import build_index

from conftest import write_doc

ATOM = "{http://www.w3.org/2005/Atom}"


def page(client, url, status=200, **params):
    response = client.get(url, query_string=params)
    assert response.status_code == status
    return response.get_data(as_text=True)


def test_search_page_keeps_the_query_and_shows_counts_and_highlights(client):
    html = page(client, "/", q="nghi quyet dai hoi")
    assert 'value="nghi quyet dai hoi"' in html
    assert " kết quả" in html and " ms)" not in html  # no technical words for members
    assert "<mark>Nghị quyết Đại hội</mark>" in html
    assert 'lang="vi"' in html and 'name="viewport"' in html


def test_facet_links_toggle_values_and_active_filters_show_as_removable_chips(client):
    html = page(client, "/", q="cong doan", unit="LĐLĐ huyện Văn Quan")
    assert "Đơn vị: LĐLĐ huyện Văn Quan" in html
    assert 'title="Bỏ bộ lọc này"' in html
    assert 'aria-current="true"' in html
    assert "Xoá tất cả bộ lọc" in html


def test_no_results_says_so_and_suggests_dropping_filters(client):
    html = page(client, "/", q="mái ấm", unit="Công đoàn ngành Y tế", year="2017")
    assert "Không tìm thấy tài liệu nào" in html
    assert "bỏ các bộ lọc" in html


def test_suggestion_is_offered(client):
    html = page(client, "/", q="bảo hiễm")
    assert "Có phải bạn muốn tìm" in html and "bảo hiểm" in html


def test_corrected_results_say_so_and_the_typed_words_are_one_click_away(client):
    html = page(client, "/", q="cong doam")
    banner = re.search(r'<p class="suggestion corrected".*?</p>', html, re.S).group(0)
    assert "Đang hiển thị kết quả cho <strong>cong doan</strong>" in banner
    exact = re.search(r'href="([^"]+)"', banner).group(1).replace("&amp;", "&")
    assert "exact=1" in exact and "q=cong+doam" in exact
    assert 'class="suggestion corrected"' not in client.get(exact).get_data(as_text=True)
    assert 'value="cong doam"' in html  # the box keeps what was typed


def test_sort_and_pagination_links_carry_the_whole_state(client):
    html = page(client, "/", q="covid", unit="LĐLĐ tỉnh Lạng Sơn")
    assert "sort=newest" in html and "Trang sau" in html
    assert "unit=L%C4%90L%C4%90+t%E1%BB%89nh+L%E1%BA%A1ng+S%C6%A1n" in html


def test_bad_parameters_get_a_vietnamese_message_not_a_stack_trace(client):
    html = page(client, "/", status=400, q="covid", **{"from": "ngày mai"})
    assert "Ngày không hợp lệ" in html and "Traceback" not in html
    html = page(client, "/tai-lieu/khong-co-tai-lieu-nay", status=404)
    assert "Không tìm thấy tài liệu này" in html


def test_document_page_highlights_the_query_and_links_related_documents(client):
    html = page(client, "/tai-lieu/kh-15-2017-ldld", q="dai hoi")
    assert "<mark>Đại hội</mark>" in html
    assert "Số hiệu" in html and "15/KH-LĐLĐ" in html
    assert "Tài liệu liên quan" in html


def test_html_in_a_document_shows_as_text(client):
    html = page(client, "/tai-lieu/tt-2024-an-toan-thong-tin-cdvc")
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    results = page(client, "/", q="script alert")
    assert "<script>alert" not in results


def test_opensearch_description(client):
    xml = page(client, "/opensearch.xml")
    root = ET.fromstring(xml)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    assert root.tag == f"{ns}OpenSearchDescription"
    # the specification's limits, which browsers enforce
    assert 0 < len(root.find(f"{ns}ShortName").text) <= 16
    assert 0 < len(root.find(f"{ns}Description").text) <= 1024
    urls = {u.get("type"): u.get("template") for u in root.iter(f"{ns}Url")}
    assert urls["text/html"].startswith("http") and "q={searchTerms}" in urls["text/html"]
    assert "{searchTerms}" in urls["application/atom+xml"] and "{searchTerms}" in urls["application/json"]
    image = root.find(f"{ns}Image")
    assert client.get(urlsplit(image.text).path).status_code == 200
    # the templates answer
    html = urlsplit(urls["text/html"].replace("{searchTerms}", "nghi quyet").replace("{startPage?}", "1"))
    assert client.get(html.path + "?" + html.query).status_code == 200


def test_atom_feed_lists_what_was_added_last_first_dated_when_added_and_changed(tmp_path):
    from search_app import create_app

    from conftest import settings_for

    corpus = tmp_path / "corpus"
    write_doc(corpus, "a.md", {"id": "a", "title": "Kế hoạch hoạt động năm 2024", "date": "2024-01-05"}, "Nội dung.")
    build_index([corpus], tmp_path / "index")
    time.sleep(1.1)
    # an old resolution put online later: a reader of the feed must learn of it first
    write_doc(corpus, "b.md", {"id": "b", "title": "Kế hoạch số 15/KH-LĐLĐ", "date": "2017-03-21"}, "Nội dung.")
    build_index([corpus], tmp_path / "index")
    client = create_app(settings_for(tmp_path / "data", tmp_path / "index"), {"TESTING": True}).test_client()

    def entries():
        root = ET.fromstring(client.get("/feed?q=ke+hoach").get_data(as_text=True))
        found = {}
        for e in root.findall(f"{ATOM}entry"):
            key = e.find(f"{ATOM}id").text.rsplit("/", 1)[1]
            found[key] = (e.find(f"{ATOM}published").text, e.find(f"{ATOM}updated").text)
        return root, found

    root, found = entries()
    assert list(found) == ["b", "a"]
    assert found["a"][0] < found["b"][0]
    assert all(published == updated for published, updated in found.values())
    assert root.find(f"{ATOM}updated").text == found["b"][1]
    datetime.strptime(found["a"][0], "%Y-%m-%dT%H:%M:%SZ")

    time.sleep(1.1)
    write_doc(
        corpus, "a.md", {"id": "a", "title": "Kế hoạch hoạt động năm 2024 (sửa đổi)", "date": "2024-01-05"}, "Mới."
    )
    build_index([corpus], tmp_path / "index", rebuild=True)
    root, again = entries()
    # a change keeps its place and when it was added; only "updated" moves, also through a rebuild
    assert list(again) == ["b", "a"]
    assert again["a"][0] == found["a"][0] and again["a"][1] > found["a"][1]
    assert again["b"] == found["b"]
    assert root.find(f"{ATOM}updated").text == again["a"][1]


def test_new_commit_shows_up_without_restarting_the_app(tmp_path):
    from search_app import create_app

    from conftest import settings_for

    corpus = tmp_path / "corpus"
    write_doc(corpus, "a.md", {"id": "a", "title": "Hội nghị tổng kết năm"}, "Nội dung.")
    build_index([corpus], tmp_path / "index")
    app = create_app(settings_for(tmp_path / "data", tmp_path / "index"), {"TESTING": True})
    client = app.test_client()
    assert client.get("/api/search?q=mai+am").get_json()["total"] == 0
    write_doc(corpus, "b.md", {"id": "b", "title": "Mái ấm Công đoàn"}, "Trao nhà.")
    build_index([corpus], tmp_path / "index")
    assert client.get("/api/search?q=mai+am").get_json()["total"] == 1
    build_index([corpus], tmp_path / "index", rebuild=True)
    assert client.get("/api/search?q=mai+am").get_json()["total"] == 1
    write_doc(corpus, "b.md", {"id": "b", "title": "Mái ấm Công đoàn năm 2025"}, "Trao nhà.")
    build_index([corpus], tmp_path / "index")
    hits = client.get("/api/search?q=mai+am").get_json()["hits"]
    assert [h["title"] for h in hits] == ["Mái ấm Công đoàn năm 2025"]  # changed once, shown once


def test_the_original_pdf_and_docx_are_downloaded_as_they_were_given(tmp_path):
    from test_staff import make_staff_app

    client = make_staff_app(tmp_path).test_client()
    corpus = tmp_path / "corpus" / "dinh-kem"
    for doc_id, name, mimetype in (
        ("dinh-kem-nq-45-2019-ldld", "nq-45-2019-ldld.pdf", "application/pdf"),
        ("dinh-kem-hd-02-2021-ldld", "hd-02-2021-ldld.docx", "wordprocessingml"),
    ):
        html = page(client, f"/tai-lieu/{doc_id}")
        link = re.search(r'class="original" href="([^"]+)"[^>]*>([^<]+)<', html)
        assert link and link.group(2).startswith(f"Tải về ({name.rsplit('.', 1)[1].upper()}, ")
        response = client.get(link.group(1))
        assert response.status_code == 200 and mimetype in response.mimetype
        assert response.headers["Content-Disposition"] == f"attachment; filename={doc_id}.{name.rsplit('.', 1)[1]}"
        assert response.data == (corpus / name).read_bytes()
    # a Markdown article has no file to download, and no link
    assert 'class="original"' not in page(client, "/tai-lieu/tt-2019-bhxh-chi-lang")
    assert client.get("/tep-goc/tt-2019-bhxh-chi-lang").status_code == 404
    assert client.get("/tep-goc/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_back_to_the_results_keeps_the_words_filters_sort_and_page(client):
    html = page(client, "/", q="cong doan", unit="LĐLĐ huyện Bắc Sơn", sort="newest", page="2")
    first = re.search(r'<h3><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "unit=" in first and "sort=newest" in first and "page=2" in first
    document = client.get(first).get_data(as_text=True)
    back = re.search(r'class="back"><a href="([^"]+)"', document).group(1).replace("&amp;", "&")
    assert "Trang 2" in client.get(back).get_data(as_text=True)
    assert back.startswith("/?") and "q=cong+doan" in back and "sort=newest" in back and "page=2" in back


def test_related_numbers_never_list_the_document_itself(client):
    html = page(client, "/tai-lieu/kh-15-2017-ldld")
    related = re.search(r"Văn bản liên quan</dt><dd>(.*?)</dd>", html)
    assert related is None or "15/KH-LĐLĐ" not in related.group(1)
    html = page(client, "/tai-lieu/dinh-kem-hd-02-2021-ldld")
    cited = re.search(r"Văn bản liên quan</dt><dd>(.*?)</dd>", html)
    based_on = re.search(r"<h3>Căn cứ</h3>\s*<ul>(.*?)</ul>", html, re.S)  # a typed relation, listed there once
    assert based_on and "45/NQ-LĐLĐ" in based_on.group(1) and (cited is None or "45/NQ-LĐLĐ" not in cited.group(1))
    assert "02/HD-LĐLĐ" not in based_on.group(1) + (cited.group(1) if cited else "")


def test_a_result_links_the_original_file(client):
    html = page(client, "/", q="45/NQ-LĐLĐ")
    first = html.split('<li class="hit">')[1].split("</li>")[0]
    link = re.search(r'class="original" href="([^"]+)"[^>]*>Tệp gốc \(PDF\)<', first)
    assert link and client.get(link.group(1)).mimetype == "application/pdf"
    news = page(client, "/", q="lam duong van quan").split('<li class="hit">')[1].split("</li>")[0]
    assert 'class="original"' not in news


def test_a_table_in_a_document_is_a_table_on_its_page_and_text_in_the_index(tmp_path):
    from search_app import create_app

    from conftest import settings_for

    corpus = tmp_path / "corpus"
    body = (
        "Kết quả đại hội công đoàn cơ sở năm 2023:\n\n"
        "| Đơn vị | Số công đoàn cơ sở | Đã đại hội |\n|---|---|---|\n"
        "| LĐLĐ huyện Bắc Sơn | 64 | 64 |\n| LĐLĐ huyện Bình Gia | 41 | 39 |\n\n"
        "Các đơn vị còn lại hoàn thành trong quý II."
    )
    write_doc(corpus, "bang.md", {"id": "bang", "title": "Tiến độ đại hội công đoàn cơ sở"}, body)
    build_index([corpus], tmp_path / "index")
    client = create_app(settings_for(tmp_path / "data", tmp_path / "index"), {"TESTING": True}).test_client()
    html = page(client, "/tai-lieu/bang")
    table = re.search(r"<table>.*?</table>", html, re.S).group(0)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", table) == ["Đơn vị", "Số công đoàn cơ sở", "Đã đại hội"]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert cells == ["LĐLĐ huyện Bắc Sơn", "64", "64", "LĐLĐ huyện Bình Gia", "41", "39"]
    assert html.index("Kết quả đại hội") < html.index("<table>") < html.index("Các đơn vị còn lại")
    assert client.get("/api/search?q=binh+gia+41").get_json()["hits"][0]["id"] == "bang"
