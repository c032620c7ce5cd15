"""What "right" is for the two real pages of ../shared/corpus/seeds."""

from datetime import date

import pytest

from indexer.documents.extract import read_sources

from conftest import SEEDS

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def listing():
    return [a for a in read_sources([SEEDS / "000_3c5ab307cfb9cbd9.txt"])]


@pytest.fixture(scope="module")
def article():
    (only,) = list(read_sources([SEEDS / "002_7ee00d353a7c5bc3.txt"]))
    return only


def test_listing_page_becomes_one_document_per_teaser(listing):
    assert len(listing) == 6
    assert len({a.id for a in listing}) == 6
    category = "Hướng tới Đại hội Công đoàn tỉnh Lạng Sơn lần thứ XVI và Đại hội Công đoàn Việt Nam lần thứ XII"
    assert all(a.tags == [category] for a in listing)
    # the banner and the category heading are not content
    assert not any("đổi mới nội dung, phương thức" in a.body for a in listing)


def test_each_teaser_is_dated_from_its_own_text(listing):
    assert [a.date for a in listing] == [
        None,  # no date in the text, only terms of office
        date(2017, 8, 14),  # "Ngày 14/8/2017, CĐCS trường ..." (not the cited plan's 17/4/2017)
        date(2017, 8, 12),  # "Sáng ngày 12/8/2017, ..."
        date(2017, 7, 5),  # "; ngày 05/7/2017 Công đoàn cơ sở ..." (not the cited plans' dates)
        date(2017, 5, 20),  # "Ngày 20/5/2017, tại Khách Sạn Mường Thanh, ..."
        date(2017, 3, 21),  # "Ngày 21 tháng 3 năm 2017, Ban thường vụ ..."
    ]


def test_teaser_units_numbers_and_terms(listing):
    assert [a.unit for a in listing] == [
        "LĐLĐ tỉnh Lạng Sơn",
        "Công đoàn cơ sở",
        "Công đoàn cơ sở",
        "Công đoàn cơ sở",
        "LĐLĐ thành phố Lạng Sơn",
        "LĐLĐ tỉnh Lạng Sơn",
    ]
    assert listing[1].numbers == ["37/KH-CĐN"]
    assert listing[3].numbers == ["15/KH-LĐLĐ", "53/KH-CĐVC"]  # "15/ KH-LĐLĐ" in the text
    assert listing[5].numbers == ["15/KH-LĐLĐ"]
    assert all(a.type == "tin tức" for a in listing)  # news about plans, not plans
    assert "2018-2023" in listing[0].terms and "Đại hội XVI" in listing[0].congresses


def test_teaser_titles_start_at_the_dated_sentence(listing):
    assert listing[4].title.startswith("Ngày 20/5/2017, tại Khách Sạn Mường Thanh")
    assert listing[3].title.startswith("Ngày 05/7/2017 Công đoàn cơ sở Trường Chính trị")


def test_article_page_metadata(article):
    assert article.title == (
        "Công đoàn Viên chức tỉnh tổ chức Hội nghị học tập, quán triệt Nghị quyết Đại hội XIII Công đoàn "
        "Việt Nam, Nghị quyết Đại hội XVII Công đoàn tỉnh Lạng Sơn nhiệm kỳ 2023-2028"
    )
    assert article.date == date(2024, 4, 27)  # the CMS line, not the event's 26/4
    assert article.unit == "Công đoàn Viên chức tỉnh"  # from the author line
    assert article.author == "Mai Khoa"
    assert article.type == "tin tức"
    assert article.numbers == ["01/HD-HĐQLQ"]
    assert article.terms == ["2023-2028"]
    assert article.congresses == ["Đại hội XIII", "Đại hội XVII"]


def test_article_page_drops_furniture_and_keeps_captions_apart(article):
    assert article.captions == [
        "Đồng chí Lương Chí Công – PCT LĐLĐ tỉnh, Chủ tịch CĐVC tỉnh phát biểu khai mạc Hội nghị",
        "Các đại biểu tham dự Hội nghị",
        "Đồng chí Lương Chí Công – PCT LĐLĐ tỉnh,Chủ tịch CĐVC tỉnh quán triệt các nội dung của Hội nghị",
    ]
    assert article.body.startswith("Chiều ngày 26/4/2024, Công đoàn Viên chức tỉnh tổ chức hội nghị")
    for furniture in ("Ảnh hoạt động", "Mai Khoa -", "HN quán triệt NQ XIII ĐHCĐ VN", "Thứ bảy, 27 Tháng 4"):
        assert furniture not in article.body
    assert not article.body.rstrip().endswith(":")
