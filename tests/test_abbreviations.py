"""Abbreviations with several meanings: each is looked for, and the other words decide."""

import pytest

from indexer.text.abbreviations import abbreviations, meanings
from search_app.engine import SearchRequest

from conftest import engine_for, write_doc

DOCS = {
    "dh-qg": ("Sinh viên ĐH Quốc gia Hà Nội nhận học bổng", "Đại học Quốc gia Hà Nội trao học bổng cho sinh viên."),
    "dh-cd": ("ĐH Công đoàn tỉnh lần thứ XVII thành công tốt đẹp", "Đại hội Công đoàn tỉnh bầu Ban Chấp hành mới."),
    "cd-nghe": ("Trường CĐ nghề tuyển sinh", "Trường Cao đẳng nghề tuyển sinh năm học mới."),
    "cd-ks": ("CĐ Khách sạn Lạng Sơn thăm hỏi đoàn viên", "Công đoàn Khách sạn Lạng Sơn thăm hỏi đoàn viên ốm đau."),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("abbr")
    for n, (doc_id, (title, body)) in enumerate(DOCS.items()):
        write_doc(folder / "c", f"{doc_id}.md", {"id": doc_id, "title": title, "date": f"2024-01-0{n + 1}"}, body)
    from indexer.index.build import build_index

    build_index([folder / "c"], folder / "i")
    return engine_for(folder / "i")


def test_the_data_file_lists_alternatives_most_common_first():
    assert meanings()["dh"][1] == (("đại", "hội"), ("đại", "học"))
    assert abbreviations()["dh"] == ("đh", ("đại", "hội"))  # the one meaning, where one is needed


@pytest.mark.parametrize(
    "query, first",
    [
        ("ĐH quốc gia", "dh-qg"),
        ("dh cong doan", "dh-cd"),
        ("đại học quốc gia", "dh-qg"),
        ("CĐ nghề", "cd-nghe"),
        ("cao dang nghe", "cd-nghe"),
        ("cd khach san", "cd-ks"),
    ],
)
def test_each_meaning_is_found_and_the_context_picks(engine, query, first):
    hits = engine.search(SearchRequest(q=query)).hits
    assert hits and hits[0].id == first, [h.id for h in hits]


def test_an_abbreviation_alone_finds_every_meaning(engine):
    assert {h.id for h in engine.search(SearchRequest(q="ĐH")).hits} == {"dh-qg", "dh-cd"}
    assert {h.id for h in engine.search(SearchRequest(q="cđ")).hits} >= {"cd-nghe", "cd-ks"}
