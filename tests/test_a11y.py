"""The pages for everyone, in headless Chromium: axe-core on every page at a desktop's and a phone's
width, a walk with the keyboard only, the phone's screen (nothing scrolls sideways, fingers hit
their targets), and pages that say things as members read them."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

# the browser, the member app's server and the staff app's server, one of each for this module
from test_browser import CHROMIUM, base_url, browser, staff_url  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]

SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
PHONE_WIDTH = 390
TAP = 44  # px, WCAG 2.5.5

MEMBER_PAGES = {
    "home": ("/", 200),
    "results with a filter": ("/?q=cong+doan&year=2024", 200),
    "no results": ("/?q=qqqzzzxxxwww", 200),
    "unknown document": ("/tai-lieu/khong-co", 404),
    "bad parameter": ("/?page=abc", 400),
    "document": ("/tai-lieu/kh-15-2017-ldld?q=dai+hoi", 200),
}
STAFF_USER, STAFF_PASSWORD = "bientap", "mat-khau-rat-dai-2024"
EDITED_DOCUMENT = "kh-15-2017-ldld"


@pytest.fixture(params=SCREENS)
def screen(request, browser):  # noqa: F811
    context = browser.new_context(locale="vi-VN", **SCREENS[request.param])
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(locale="vi-VN", **SCREENS["phone"])
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):  # noqa: F811
    context = browser.new_context(locale="vi-VN", **SCREENS["desktop"])
    yield context.new_page()
    context.close()


def axe_findings(page) -> list[str]:
    """axe-core's violations on the page as it is now, one readable line per rule.

    Axe().run injects axe-core with page.evaluate, which goes through the DevTools protocol:
    the page's Content-Security-Policy (script-src 'self') does not apply to it."""
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {'; '.join(' '.join(map(str, n['target'])) for n in v['nodes'])}"
        for v in violations
    ]


def visit(page, url: str, status: int = 200):
    response = page.goto(url)
    assert response.status == status, url
    return page


def staff_pages(page, staff_url: str, upload: Path):  # noqa: F811
    """Show the staff pages one after the other: the name of each once it is on screen."""
    visit(page, staff_url + "/quan-tri/dang-nhap")
    yield "sign-in"
    page.fill('input[name="name"]', STAFF_USER)
    page.fill('input[name="password"]', STAFF_PASSWORD)
    page.click('main button:has-text("Đăng nhập")')
    page.wait_for_selector('input[type="file"]')
    yield "staff home"
    page.set_input_files('input[type="file"]', str(upload))
    page.click("text=Tải lên và kiểm tra")
    page.wait_for_selector("text=Kiểm tra thông tin trước khi lưu")
    yield "review of an upload"
    visit(page, f"{staff_url}/quan-tri/tai-lieu/{EDITED_DOCUMENT}/sua")
    yield "edit"


@pytest.fixture
def upload(tmp_path) -> Path:
    article = tmp_path / "hoi-thao-an-toan-lao-dong.md"
    article.write_text(
        "---\ntitle: Hội thảo an toàn, vệ sinh lao động năm 2025\ndate: 2025-05-12\n---\n"
        "Ngày 12/5/2025, LĐLĐ huyện Cao Lộc tổ chức Hội thảo an toàn, vệ sinh lao động.\n",
        encoding="utf-8",
    )
    return article


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_pages_have_no_axe_violations(screen, base_url, name):  # noqa: F811
    url, status = MEMBER_PAGES[name]
    visit(screen, base_url + url, status)
    findings = axe_findings(screen)
    assert not findings, f"{name} ({url}):\n" + "\n".join(findings)


def test_staff_pages_have_no_axe_violations(screen, staff_url, upload):  # noqa: F811
    findings = [f"{name}: {line}" for name in staff_pages(screen, staff_url, upload) for line in axe_findings(screen)]
    assert not findings, "\n".join(findings)


def focused(page) -> dict:
    """What has the keyboard focus: its tag, id, classes, data-focus name, text and aria-current."""
    return page.evaluate(
        """() => { const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), id: e.id, classes: [...e.classList], focus: e.dataset.focus || null,
                text: e.innerText.trim(), current: e.getAttribute('aria-current'),
                hit: !!e.closest('.hit h3')}; }"""
    )


def press_until(page, key: str, wanted, most: int) -> int:
    """Press a key until the focus is on what `wanted` accepts; how many presses that took."""
    for presses in range(1, most + 1):
        page.keyboard.press(key)
        if wanted(focused(page)):
            return presses
    raise AssertionError(f"{most} × {key} never reached it; the focus is on {focused(page)}")


def test_keyboard_only_from_the_search_box_to_a_filter_to_the_first_result(desktop, base_url):  # noqa: F811
    page = visit(desktop, base_url + "/?q=cong+doan")
    before = int(page.locator("#total").inner_text().replace(".", ""))
    page.focus("#q")
    press_until(page, "Tab", lambda f: f["focus"] and f["focus"].startswith("year="), most=6)
    year = focused(page)["focus"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    # the reload keeps the focus on the value just chosen, now marked as chosen
    assert focused(page)["focus"] == year and focused(page)["current"] == "true"
    assert int(page.locator("#total").inner_text().replace(".", "")) < before
    # a skip link close by jumps over the filters to the list
    presses = press_until(page, "Shift+Tab", lambda f: "skip" in f["classes"], most=4)
    assert page.locator("a.skip:focus").bounding_box()["width"] > 100  # it shows when it has the focus
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "ket-qua"
    presses += 1 + press_until(page, "Tab", lambda f: f["hit"], most=2)
    assert presses <= 6
    title = focused(page)["text"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("article.document h1").inner_text() == title


def test_skip_links_lead_to_the_results_and_the_main_content(desktop, base_url):  # noqa: F811
    page = visit(desktop, base_url + "/?q=cong+doan")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Bỏ qua đến kết quả"
    box = page.locator("a.skip:focus").bounding_box()
    assert box["y"] >= 0 and box["height"] >= TAP  # visible once focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["hit"]
    page = visit(desktop, base_url + "/tai-lieu/kh-15-2017-ldld")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Bỏ qua đến nội dung chính"
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "main"


def test_with_javascript_off_filters_and_the_skip_link_still_work(browser, base_url):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, **SCREENS["desktop"])
    page = visit(context.new_page(), base_url + "/?q=cong+doan")
    page.locator('.facet[data-facet="type"] a').first.click()
    page.wait_for_selector(".chips")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["hit"]
    context.close()


def test_the_sort_really_applied_is_marked_and_keeps_the_focus_when_changed(desktop, base_url):  # noqa: F811
    page = visit(desktop, base_url + "/")
    # with no words the newest come first, whatever the default sort is called
    assert page.locator('.sort a[aria-current="true"]').all_inner_texts() == ["Mới nhất"]
    # and "most relevant" is not offered where there is nothing to be relevant to
    assert "Liên quan nhất" not in page.locator(".sort").inner_text()
    visit(page, base_url + "/?q=cong+doan")
    assert page.locator('.sort a[aria-current="true"]').all_inner_texts() == ["Liên quan nhất"]
    page.focus('.sort a[data-focus="sort=oldest"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert focused(page)["focus"] == "sort=oldest" and focused(page)["current"] == "true"


def test_no_page_scrolls_sideways_on_a_phone(phone, base_url, staff_url, upload):  # noqa: F811
    too_wide = {}
    for name, (url, status) in MEMBER_PAGES.items():
        visit(phone, base_url + url, status)
        too_wide[name] = phone.evaluate("document.documentElement.scrollWidth")
    for name in staff_pages(phone, staff_url, upload):
        too_wide[name] = phone.evaluate("document.documentElement.scrollWidth")
    assert {name: width for name, width in too_wide.items() if width > PHONE_WIDTH} == {}


def small_targets(page, selector: str) -> list[str] | None:
    """The visible elements of `selector` smaller than a finger, as "text: width×height"; None if none shows."""
    boxes = page.locator(selector).evaluate_all(
        """els => els.filter(e => e.getClientRects().length).map(e => {
            const r = e.getBoundingClientRect();
            return [(e.innerText || e.name || e.tagName).trim().slice(0, 40), r.width, r.height]; })"""
    )
    return [f"{text}: {w:.0f}×{h:.0f}" for text, w, h in boxes if w < TAP or h < TAP] if boxes else None


MEMBER_TARGETS = {
    "results with a filter": [
        ".brand",
        "#q",
        ".searchbox button",
        ".facets summary",
        ".facet a",
        ".range input",
        ".range button",
        ".sort a",
        ".chips a",
        ".pager a",
        ".feed a",
    ],
    "document": [".back a"],
    "unknown document": [".notice a"],
}
STAFF_TARGETS = [
    ".staffnav a",
    ".staffnav button",
    "main button",
    "main input:not([type=hidden]):not([type=checkbox])",
    "main select",
    "main textarea",
    "main label.inline",
]


def test_fingers_can_hit_every_control_on_a_phone(phone, base_url, staff_url, upload):  # noqa: F811
    small, seen = {}, set()

    def measure(where: str, selectors: list[str]) -> None:
        for selector in selectors:
            found = small_targets(phone, selector)
            if found is not None:
                seen.add(selector)
            if found:
                small[f"{where}: {selector}"] = found

    for name, selectors in MEMBER_TARGETS.items():
        url, status = MEMBER_PAGES[name]
        visit(phone, base_url + url, status)
        if phone.locator(".facets summary").count():
            phone.locator(".facets summary").tap()  # the filters start folded on a phone
        measure(name, selectors)
    for name in staff_pages(phone, staff_url, upload):
        measure(name, STAFF_TARGETS)
    assert small == {}
    assert seen == {selector for selectors in MEMBER_TARGETS.values() for selector in selectors} | set(STAFF_TARGETS)


def test_the_search_box_placeholder_fits_on_a_phone(phone, base_url):  # noqa: F811
    page = visit(phone, base_url + "/")
    text_width, room = page.evaluate(
        """() => { const box = document.querySelector('#q'), style = getComputedStyle(box);
        const canvas = document.createElement('canvas').getContext('2d');
        canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        return [canvas.measureText(box.placeholder).width,
                box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)]; }"""
    )
    assert page.get_attribute("#q", "placeholder")
    assert text_width <= room


def test_the_months_of_a_chosen_year_are_listed_under_that_year(phone, base_url):  # noqa: F811
    page = visit(phone, base_url + "/?q=covid&year=2020")
    months = page.locator('.facet[data-facet="date"] a[data-param="month"]').evaluate_all(
        """links => links.map(a => {
            const year = a.closest('li').parentElement.closest('li');
            return [a.dataset.value, year ? year.querySelector(':scope > a').dataset.value : null]; })"""
    )
    assert months and all(month.startswith(f"{year}-") for month, year in months), months
    assert {year for _, year in months} == {"2020"}


def test_the_staff_log_shows_dates_as_members_read_them(desktop, staff_url, upload):  # noqa: F811
    for name in staff_pages(desktop, staff_url, upload):
        if name == "staff home":
            break
    time = desktop.locator("table.audit tbody tr").first.locator("time")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", time.inner_text()), time.inner_text()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", time.get_attribute("datetime"))
    assert not re.search(r"\d{4}-\d{2}-\d{2}", desktop.locator("table.audit tbody").inner_text())


def test_members_read_no_technical_words(desktop, base_url):  # noqa: F811
    page = visit(desktop, base_url + "/?q=cong+doan")
    text = page.locator("main").inner_text()
    assert " ms)" not in text and "(Atom)" not in text
    assert "Nhận tin mới qua RSS/Atom" in text


def test_suggestions_as_you_type_work_with_the_keyboard(screen, base_url):  # noqa: F811
    page = visit(screen, base_url + "/")
    page.focus("#q")
    page.keyboard.type("nghi quyet dai h", delay=15)
    options = page.locator("#q-goi-y [role=option]")
    options.first.wait_for()
    assert page.get_attribute("#q", "aria-expanded") == "true"
    assert not axe_findings(page)
    assert all(box["height"] >= TAP for box in (o.bounding_box() for o in options.all()))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#q", "aria-activedescendant") == "q-goi-y-1"
    page.keyboard.press("ArrowUp")
    chosen = options.nth(0)
    assert chosen.get_attribute("aria-selected") == "true"
    title = chosen.locator("span").first.inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#q-goi-y").is_hidden() and page.get_attribute("#q", "aria-expanded") == "false"
    assert page.input_value("#q") == "nghi quyet dai h"  # nothing typed is lost
    page.keyboard.press("Backspace")
    page.keyboard.type("h")
    options.first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tai-lieu/**")
    assert page.locator("h1").first.inner_text() == title


def test_a_document_prints_as_its_text_and_details_only(desktop, base_url):  # noqa: F811
    page = visit(desktop, base_url + "/tai-lieu/kh-15-2017-ldld?q=dai+hoi")
    assert page.locator("header.site").is_visible()
    page.emulate_media(media="print")
    for hidden in ("header.site", "footer.site", ".document .back", ".related"):
        assert page.locator(hidden).count() == 0 or not page.locator(hidden).first.is_visible(), hidden
    assert page.locator(".document h1").is_visible() and page.locator(".document .body p").first.is_visible()
    assert page.locator(".document dl.meta").is_visible()


def test_corrected_results_banner_with_the_keyboard(screen, base_url):  # noqa: F811
    page = visit(screen, base_url + "/?q=cong+doam")
    banner = page.locator(".suggestion.corrected")
    assert banner.is_visible() and "Đang hiển thị kết quả cho cong doan" in banner.inner_text()
    assert not axe_findings(page)
    exact = banner.locator("a")
    assert exact.bounding_box()["height"] >= TAP or screen.viewport_size["width"] > PHONE_WIDTH
    exact.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "exact=1" in page.url and page.locator(".suggestion.corrected").count() == 0
    assert "Có phải bạn muốn tìm: cong doan" in page.locator(".suggestion").inner_text()
