"""The pages in a real browser: headless Chromium driven by Playwright, against the real app."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")  # a folder, e.g. docs/, to refresh the README's pictures


@pytest.fixture(scope="module")
def base_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def total(page) -> int:
    return int(page.locator("#total").inner_text().replace(".", ""))


def test_unaccented_query_shows_highlighted_accented_results(page, base_url):
    page.goto(base_url + "/")
    page.fill("#q", "nghi quyet dai hoi")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    marks = page.locator(".hit mark").all_inner_texts()
    assert "Nghị quyết Đại hội" in marks
    assert page.input_value("#q") == "nghi quyet dai hoi"
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "results.png"), full_page=False)


def test_clicking_a_unit_narrows_results_and_counts_follow(page, base_url):
    page.goto(base_url + "/?q=cong+doan")
    before = total(page)
    unit = page.locator('.facet[data-facet="unit"] a').first
    expected = int(unit.locator(".count").inner_text())
    unit.click()
    page.wait_for_selector(".chips")
    assert total(page) == expected < before
    assert page.locator('.facet[data-facet="unit"] [aria-current="true"]').count() == 1
    # the type facet now counts within that unit
    type_counts = sum(int(c) for c in page.locator('.facet[data-facet="type"] .count').all_inner_texts())
    assert type_counts == expected
    page.locator(".chips a").first.click()  # remove the chip
    page.wait_for_load_state()
    assert total(page) == before


def test_open_a_year_then_a_month(page, base_url):
    page.goto(base_url + "/?q=covid")
    page.locator('.facet[data-facet="date"] a[data-value="2020"]').click()
    months = page.locator('.facet[data-facet="date"] a[data-param="month"]')
    assert months.count() > 0
    month = months.first
    value, expected = month.get_attribute("data-value"), int(month.locator(".count").inner_text())
    month.click()
    page.wait_for_load_state()
    assert total(page) == expected
    dates = page.locator(".hit .date").all_inner_texts()
    year, mon = value.split("-")
    assert dates and all(d.endswith(f"/{mon}/{year}") for d in dates)
    page.go_back()
    assert page.locator('.facet[data-facet="date"] a[data-param="month"]').count() == months.count()


def test_open_a_document_from_the_results(page, base_url):
    page.goto(base_url + "/?q=mai+am+cong+doan")
    first = page.locator(".hit h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_selector("article.document")
    assert page.locator("article.document h1").inner_text() == title
    assert "Mái ấm Công đoàn" in page.locator("article.document mark").all_inner_texts()
    assert page.locator(".related li").count() > 0


def test_page_works_at_a_phone_width(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base_url + "/?q=th%C3%A1ng+c%C3%B4ng+nh%C3%A2n")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("#q").bounding_box()
    assert box["width"] > 200
    # on a phone the filters start folded, so the first result is on the first screen
    assert not page.locator('.facet[data-facet="unit"]').is_visible()
    assert page.locator(".hit").first.bounding_box()["y"] < 844
    page.locator(".facets summary").tap()
    assert page.locator('.facet[data-facet="unit"]').is_visible()
    page.locator(".hit h3 a").first.tap()
    page.wait_for_selector("article.document")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if SCREENSHOTS:
        page.goto(base_url + "/?q=th%C3%A1ng+c%C3%B4ng+nh%C3%A2n")
        page.screenshot(path=str(Path(SCREENSHOTS) / "results-phone.png"))
    context.close()


def test_script_in_a_document_is_shown_as_text_and_never_runs(page, base_url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base_url + "/tai-lieu/tt-2024-an-toan-thong-tin-cdvc")
    assert "<script>" in page.locator("article.document .body").inner_text()
    page.goto(base_url + "/?q=script+alert")
    page.goto(base_url + "/feed?q=script+alert")
    assert dialogs == []


@pytest.fixture(scope="module")
def staff_url(tmp_path_factory):
    import shutil

    from indexer.index.build import build_index
    from search_app.web import accounts, create_app

    from conftest import CORPUS, settings_for

    root = tmp_path_factory.mktemp("browser-staff")
    shutil.copytree(CORPUS, root / "corpus")
    build_index([root / "corpus"], root / "index")
    accounts.add_user(root / "data", "bientap", "mat-khau-rat-dai-2024")
    app = create_app(settings_for(root / "data", root / "index", corpus=root / "corpus"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_staff_sign_in_upload_review_and_find_the_new_document(page, staff_url, tmp_path):
    article = tmp_path / "hoi-thi-tieng-hat.md"
    article.write_text(
        "---\ntitle: Hội thi Tiếng hát công nhân lao động năm 2025\ndate: 2025-10-10\n---\n"
        "Ngày 9/10/2025, LĐLĐ huyện Hữu Lũng tổ chức Hội thi Tiếng hát công nhân lao động.\n",
        encoding="utf-8",
    )
    page.goto(staff_url + "/quan-tri/")
    page.fill('input[name="name"]', "bientap")
    page.fill('input[name="password"]', "mat-khau-rat-dai-2024")
    page.click('main button:has-text("Đăng nhập")')
    page.wait_for_selector('input[type="file"]')
    page.set_input_files('input[type="file"]', str(article))
    page.click("text=Tải lên và kiểm tra")
    page.wait_for_selector("text=Kiểm tra thông tin trước khi lưu")
    assert page.input_value('input[name="0-title"]') == "Hội thi Tiếng hát công nhân lao động năm 2025"
    assert page.input_value('select[name="0-unit"]') == "LĐLĐ huyện Hữu Lũng"
    page.select_option('select[name="0-type"]', "tin tức")
    page.click("text=Lưu và lập chỉ mục")
    page.wait_for_selector("text=Đã thêm và lập chỉ mục")
    page.goto(staff_url + "/?q=hoi+thi+tieng+hat")
    assert page.locator(".hit h3").first.inner_text() == "Hội thi Tiếng hát công nhân lao động năm 2025"
    assert page.locator(".hit h3 mark").all_inner_texts()[0] == "Hội thi Tiếng hát"


SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.mark.parametrize("size", SIZES)
def test_the_original_file_downloads_from_a_result_and_from_the_document_page(browser, base_url, size):
    from conftest import CORPUS

    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(base_url + "/?q=45/NQ-L%C4%90L%C4%90")
        link = page.locator(".hit").first.locator("a.original")
        assert link.inner_text() == "Tệp gốc (PDF)"
        with page.expect_download() as info:
            link.click()
        pdf = info.value
        assert pdf.suggested_filename == "dinh-kem-nq-45-2019-ldld.pdf"
        assert Path(pdf.path()).read_bytes() == (CORPUS / "dinh-kem" / "nq-45-2019-ldld.pdf").read_bytes()
        page.goto(base_url + "/tai-lieu/dinh-kem-hd-02-2021-ldld")
        link = page.locator("article.document a.original")
        assert link.inner_text().startswith("Tải về (DOCX, ")
        with page.expect_download() as info:
            link.click()
        word = info.value
        assert word.suggested_filename == "dinh-kem-hd-02-2021-ldld.docx"
        assert Path(word.path()).read_bytes() == (CORPUS / "dinh-kem" / "hd-02-2021-ldld.docx").read_bytes()
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_an_outline_entry_scrolls_its_part_into_view_and_sets_the_address(browser, base_url, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(base_url + "/tai-lieu/kh-15-2017-ldld")
        entries = page.locator('nav.contents a[href^="#"]')
        assert entries.count() >= 3
        for n in (entries.count() - 1, 1):  # the last part, then back up to an earlier one
            entry = entries.nth(n)
            anchor = entry.get_attribute("href")[1:]
            label = entry.inner_text()
            entry.click()
            page.wait_for_function(f"location.hash === '#{anchor}'")
            target = page.locator(f"[id='{anchor}']")
            assert target.inner_text().startswith(label.rstrip("…"))
            box = page.evaluate(
                "id => { const r = document.getElementById(id).getBoundingClientRect();"
                " return [r.top, r.bottom, window.innerHeight, window.scrollY]; }",
                anchor,
            )
            top, bottom, inner, scrolled = box
            assert -1 <= top and bottom <= inner + 1, (anchor, box)  # the heading is on screen (to a pixel)
            assert scrolled > 0, (anchor, box)  # and the page moved to it
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_printing_shows_the_text_and_letterhead_without_navigation_search_or_filters(browser, base_url, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(base_url + "/tai-lieu/kh-15-2017-ldld?q=dai+hoi")
        assert page.locator("#q").is_visible() and page.locator("header.site").is_visible()
        page.emulate_media(media="print")
        for hidden in ("header.site", "#q", "footer.site", ".document .back", ".related"):
            assert not page.locator(hidden).first.is_visible(), hidden
        assert page.locator(".document h1").is_visible()
        assert "LIÊN ĐOÀN LAO ĐỘNG TỈNH LẠNG SƠN" in page.locator(".letterhead").inner_text()
        assert page.locator(".letterhead").is_visible() and page.locator(".document .body p").first.is_visible()
        assert page.locator(".closing").is_visible()
        page.emulate_media(media="screen")
        page.goto(base_url + "/?q=dai+hoi")
        page.emulate_media(media="print")
        for hidden in ("header.site", "#q", ".facets", ".pager"):
            assert not page.locator(hidden).first.is_visible(), hidden
        assert page.locator(".hit").first.is_visible()
    finally:
        context.close()
