"""The unit facet in a real browser: a province with its districts nested under it, former units
marked with their last day, and choosing the province includes its districts; phone and desktop."""

import pytest
from test_browser import CHROMIUM, FLAGS, base_url, browser, total  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser]

PROVINCE = "LĐLĐ tỉnh Lạng Sơn"


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_unit_facet_is_a_tree_with_former_units(browser, base_url, width, height):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.goto(base_url + "/?q=c%C3%B4ng+%C4%91o%C3%A0n")
    if not page.locator(".facets details").evaluate("d => d.open"):  # folded on a phone
        page.locator(".facets summary").click()
    facet = page.locator('.facet[data-facet="unit"]')
    province = facet.locator(f'a[data-value="{PROVINCE}"]')
    district = facet.locator('a[data-value="LĐLĐ huyện Bình Gia"]')
    # the district is listed inside the province's item, indented under it, with its last day
    assert province.locator("xpath=..").locator('a[data-value="LĐLĐ huyện Bình Gia"]').count() == 1
    assert district.bounding_box()["x"] > province.bounding_box()["x"] + 8
    assert district.locator(".label").inner_text() == "LĐLĐ huyện Bình Gia (đến 30/06/2025)"
    children = sum(int(c) for c in province.locator("xpath=../ul/li/a/span[@class='count']").all_inner_texts())
    own_count = int(province.locator(".count").inner_text())
    assert own_count > children > 0  # the province counts its own documents and its districts'
    province.click()
    page.wait_for_selector(".chips")
    assert total(page) == own_count
    # the districts are still there to narrow further, and a district alone gives fewer
    district = page.locator('.facet[data-facet="unit"] a[data-value="LĐLĐ huyện Bình Gia"]')
    district_count = int(district.locator(".count").inner_text())
    page.goto(base_url + "/?q=c%C3%B4ng+%C4%91o%C3%A0n&unit=L%C4%90L%C4%90+huy%E1%BB%87n+B%C3%ACnh+Gia")
    assert total(page) == district_count < own_count
    context.close()
