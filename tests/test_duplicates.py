"""The same article stored under two sources is shown once; different articles never merge."""

import hashlib
import shutil

from hypothesis import given
from hypothesis import strategies as st

from indexer.documents.article import Article
from indexer.index.build import build_index, duplicate_key
from indexer.text.normalise import fold_accents
from search_app.engine import SearchRequest

from conftest import engine_for, write_doc

BODY = (
    "Sáng ngày 12/12/2024, Liên đoàn Lao động tỉnh tổ chức hội nghị tổng kết công tác công đoàn năm 2024 "
    "và triển khai nhiệm vụ năm 2025. Dự hội nghị có 200 đại biểu là chủ tịch công đoàn cơ sở, cán bộ "
    "công đoàn chuyên trách các huyện, thành phố. Hội nghị đã đánh giá kết quả thực hiện các chỉ tiêu, "
    "nhiệm vụ trọng tâm, biểu dương các tập thể và cá nhân có thành tích xuất sắc trong phong trào."
)


def test_one_article_from_two_sources_shows_once_and_the_other_copy_takes_over(tmp_path):
    corpus = tmp_path / "corpus"
    title = "Hội nghị tổng kết công tác công đoàn năm 2024"
    write_doc(corpus / "trang-tinh", "tong-ket.md", {"title": title, "date": "2024-12-12"}, BODY)
    # republished elsewhere: another file, another id, the title's case and the spacing changed
    write_doc(corpus / "bao", "tong-ket.md", {"title": title.upper(), "date": "2024-12-12"}, "  " + BODY + "\n")
    write_doc(corpus, "khac.md", {"title": title, "date": "2024-12-13"}, "Một bài khác hẳn, cùng tiêu đề.")
    build_index([corpus], tmp_path / "index")
    engine = engine_for(tmp_path / "index")
    result = engine.search(SearchRequest(q="hoi nghi tong ket cong tac"))
    assert result.total == 2 and len({h.title.lower() for h in result.hits}) == 1
    assert sum(v.count for v in result.facets["date"]) == 2  # counted once too
    shown = {h.id for h in result.hits}

    copy = next(i for i in shown if i != "khac")
    folder = corpus / copy.split("-tong-ket")[0]
    shutil.rmtree(folder)
    build_index([corpus], tmp_path / "index")
    after = engine.search(SearchRequest(q="hoi nghi tong ket cong tac"))
    assert after.total == 2 and copy not in {h.id for h in after.hits}


def test_the_shown_copy_lists_where_else_it_was_published_and_related_never_lists_a_copy(tmp_path):
    from search_app import create_app

    from conftest import settings_for

    corpus = tmp_path / "corpus"
    title = "Hội nghị tổng kết công tác công đoàn năm 2024"
    write_doc(corpus / "a", "tong-ket.md", {"title": title, "url": "https://ldldlangson.org.vn/tin/a.html"}, BODY)
    write_doc(corpus / "b", "tong-ket.md", {"title": title, "url": "https://baolangson.vn/tong-ket-2024.html"}, BODY)
    write_doc(corpus, "gan.md", {"title": "Tổng kết công tác công đoàn năm 2023"}, BODY.replace("2024", "2023")[:300])
    build_index([corpus], tmp_path / "index")
    client = create_app(settings_for(tmp_path / "data", tmp_path / "index"), {"TESTING": True}).test_client()
    search = client.get("/api/search?q=tong+ket+cong+tac+cong+doan").get_json()
    ids = [h["id"] for h in search["hits"]]
    shown = next(i for i in ids if i != "gan")
    other = "b-tong-ket" if shown == "a-tong-ket" else "a-tong-ket"
    assert other not in ids
    document = client.get(f"/api/documents/{shown}").get_json()
    assert [c["id"] for c in document["copies"]] == [other]
    page = client.get(f"/tai-lieu/{shown}").get_data(as_text=True)
    section = page.split("Bài này còn được đăng tại", 1)[1].split("</section>", 1)[0]
    host = "baolangson.vn" if other == "b-tong-ket" else "ldldlangson.org.vn"
    assert f">{host}</a>" in section
    related = page.split("Tài liệu liên quan", 1)[1] if "Tài liệu liên quan" in page else ""
    assert other not in related and shown not in related.split("</section>")[0]


@given(st.text(alphabet="Đặng Thị Hoà bảo hiểm xã hội 2024 ,.-–\n!?\u0301\u0323", max_size=3000))
def test_the_copy_key_of_an_indexed_article_never_changes_with_how_much_text_is_folded(body):
    # an index keeps the keys it was written with: the key must be the first 300 folded letters
    article = Article(id="a", title="Hội nghị", body=body)

    def letters(text: str) -> str:
        return "".join(ch for ch in fold_accents(text).lower() if ch.isalnum())

    digest = hashlib.blake2b((letters("Hội nghị") + "|" + letters(body)[:300]).encode(), digest_size=8)
    assert duplicate_key(article) == ((int.from_bytes(digest.digest(), "big") >> 1) or 1)
