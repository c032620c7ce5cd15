"""Every corpus format the indexer reads, and files it cannot read."""

import gzip
import json
import re
from datetime import date

import docx

from indexer.documents.extract import read_sources
from indexer.text.normalise import normalise

OFFICIAL = [
    "LIÊN ĐOÀN LAO ĐỘNG TỈNH LẠNG SƠN",
    "Số: 02/HD-LĐLĐ",
    "Lạng Sơn, ngày 15 tháng 3 năm 2024",
    "HƯỚNG DẪN",
    "Tổ chức Tháng Công nhân năm 2024",
    "Căn cứ Kế hoạch số 10/KH-TLĐ của Tổng Liên đoàn Lao động Việt Nam;",
    "Ban Thường vụ Liên đoàn Lao động tỉnh hướng dẫn các cấp công đoàn tổ chức Tháng Công nhân.",
]


def one(path):
    (item,) = list(read_sources([path]))
    return item


def test_front_matter_wins_and_the_text_fills_the_gaps(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(
        "---\nid: tb-01\ntitle: Thông báo kết luận hội nghị\n---\n"
        "Số: 01/TB-CĐVC\n\nCông đoàn Viên chức tỉnh, ngày 3 tháng 2 năm 2023\n\nNội dung thông báo.\n",
        encoding="utf-8",
    )
    article = one(path)
    assert article.id == "tb-01"
    assert article.number == "01/TB-CĐVC"
    assert article.type == "thông báo"
    assert article.unit == "Công đoàn Viên chức tỉnh"
    assert article.date == date(2023, 2, 3)


def test_front_matter_fields_are_taken_as_given(tmp_path):
    path = tmp_path / "b.md"
    path.write_text(
        "---\ntitle: Kế hoạch Tháng Công nhân\ndate: 2024-04-02\nunit: CĐVC\ntype: KH\nnumber: 12/ KH-CĐVC\n"
        "url: https://example.vn/kh12\ntags: [tháng công nhân, an toàn]\n---\nNội dung.\n",
        encoding="utf-8",
    )
    article = one(path)
    assert article.id == "b"
    assert (article.unit, article.type, article.number) == ("Công đoàn Viên chức tỉnh", "kế hoạch", "12/KH-CĐVC")
    assert article.tags == ["tháng công nhân", "an toàn"] and article.url == "https://example.vn/kh12"


def test_docx_official_document(tmp_path):
    document = docx.Document()
    for line in OFFICIAL:
        document.add_paragraph(line)
    path = tmp_path / "hd.docx"
    document.save(path)
    article = one(path)
    assert article.title == "Hướng dẫn tổ chức Tháng Công nhân năm 2024"
    assert article.number == "02/HD-LĐLĐ"
    assert article.numbers == ["02/HD-LĐLĐ", "10/KH-TLĐ"]
    assert article.type == "hướng dẫn"
    assert article.unit == "LĐLĐ tỉnh Lạng Sơn"
    assert article.date == date(2024, 3, 15)


def test_html_page_saved_from_the_site(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        """<html><head><title>Trang</title><script>var x = 1;</script></head><body>
        <header><nav>Trang chủ | Tin tức</nav></header>
        <article><h1>LĐLĐ huyện Hữu Lũng trao Mái ấm Công đoàn</h1><time datetime="2023-10-05">05/10/2023</time>
        <p>Ngày 4/10/2023, LĐLĐ huyện Hữu Lũng trao nhà Mái ấm Công đoàn.</p>
        <figure><img alt="trao nha"><figcaption>Lãnh đạo trao quà</figcaption></figure>
        <p>Thu Hà - LĐLĐ huyện Hữu Lũng</p></article><footer>Bản quyền</footer></body></html>""",
        encoding="utf-8",
    )
    article = one(path)
    assert article.title == "LĐLĐ huyện Hữu Lũng trao Mái ấm Công đoàn"
    assert article.date == date(2023, 10, 5)
    assert article.unit == "LĐLĐ huyện Hữu Lũng" and article.author == "Thu Hà"
    assert article.captions == ["Lãnh đạo trao quà"]
    assert "var x" not in article.body and "Trang chủ" not in article.body and "Bản quyền" not in article.body


def test_json_lines_plain_and_gzipped(tmp_path):
    record = {
        "id": "d-1",
        "title": "Tin",
        "lead": "Mở đầu.",
        "body": "Thân bài.",
        "url": "https://x.vn/1",
        "date": "2020-05-06",
        "category": "xa-hoi",
    }
    plain = tmp_path / "a.jsonl"
    plain.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    zipped = tmp_path / "b.jsonl.gz"
    with gzip.open(zipped, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({**record, "id": "d-2"}, ensure_ascii=False) + "\n")
    articles = list(read_sources([plain, zipped]))
    assert [a.id for a in articles] == ["d-1", "d-2"]
    assert articles[0].date == date(2020, 5, 6) and articles[0].body == "Mở đầu.\n\nThân bài."
    assert articles[0].tags == ["xa-hoi"]


def test_unreadable_files_are_reported_by_name_and_the_run_goes_on(tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (tmp_path / "latin1.txt").write_bytes("Công đoàn".encode("utf-16"))
    (tmp_path / "bad.jsonl").write_text('{"id": "ok", "title": "Tốt", "body": "x"}\n{not json\n', encoding="utf-8")
    (tmp_path / "good.md").write_text("---\ntitle: Vẫn đọc được\n---\nNội dung.\n", encoding="utf-8")
    items = list(read_sources([tmp_path]))
    errors = {type(i).__name__ + ":" + i.path.rsplit("/", 1)[-1] for i in items if hasattr(i, "reason")}
    assert errors == {"ReadError:broken.docx", "ReadError:broken.pdf", "ReadError:latin1.txt", "ReadError:bad.jsonl:2"}
    titles = sorted(i.title for i in items if hasattr(i, "title"))
    assert titles == ["Tốt", "Vẫn đọc được"]


LISTS_MD = """---
title: Kế hoạch thử danh sách
---
I. MỤC ĐÍCH

1. Đánh giá đúng kết quả thực hiện nghị quyết.

2. Bầu ra ban chấp hành đủ phẩm chất.
   - tổ chức dân chủ;
   - tiết kiệm, tránh hình thức.

3) Giữ nguyên cách đánh số như văn bản viết.

| Đơn vị | Số đại hội |
|---|---|
| LĐLĐ huyện Bắc Sơn | 12 |
"""

LISTS_HTML = """<html><body><article><h1>Kế hoạch thử danh sách</h1>
<p>I. MỤC ĐÍCH</p>
<ol><li><p>Đánh giá đúng kết quả thực hiện nghị quyết.</p></li><li><p>Bầu ra ban chấp hành đủ phẩm chất.</p>
<ul><li>tổ chức dân chủ;</li><li>tiết kiệm, tránh hình thức.</li></ul></li></ol>
<p>3) Giữ nguyên cách đánh số như văn bản viết.</p>
<table><tr><th>Đơn vị</th><th>Số đại hội</th></tr><tr><td>LĐLĐ huyện Bắc Sơn</td><td>12</td></tr></table>
</article></body></html>"""

LISTS_EXPECTED = [
    "I. MỤC ĐÍCH",
    "1. Đánh giá đúng kết quả thực hiện nghị quyết.",
    "2. Bầu ra ban chấp hành đủ phẩm chất.",
    "- tổ chức dân chủ;",
    "- tiết kiệm, tránh hình thức.",
    "3) Giữ nguyên cách đánh số như văn bản viết.",
    "Đơn vị | Số đại hội",
    "LĐLĐ huyện Bắc Sơn | 12",
]


def test_list_items_once_with_their_numbers_and_table_rows_in_markdown_and_html(tmp_path):
    (tmp_path / "kh.md").write_text(LISTS_MD, "utf-8")
    (tmp_path / "kh.html").write_text(LISTS_HTML, "utf-8")
    for article in read_sources([tmp_path]):
        paragraphs = [p for p in article.body.split("\n") if p.strip()]
        assert paragraphs == LISTS_EXPECTED, article.source


def test_no_paragraph_of_the_sample_corpus_is_doubled():
    from conftest import CORPUS

    for article in read_sources([CORPUS]):
        if not hasattr(article, "body"):
            continue
        paragraphs = [p for p in article.body.split("\n") if len(p) > 40]
        doubled = {p for p in paragraphs if paragraphs.count(p) > 1}
        assert not doubled, (article.id, sorted(doubled)[:1])


def _attachment_sources():
    import importlib.util

    from conftest import CORPUS

    spec = importlib.util.spec_from_file_location("make_attachments", CORPUS / "tools" / "make_attachments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pdf_and_docx_of_the_sample_read_back_paragraph_for_paragraph():
    """The attachments are made from paragraphs in corpus/tools/make_attachments.py: the PDF's
    lines joined back and the Word file's paragraphs give exactly those, in order, once each."""
    from conftest import CORPUS

    sources = _attachment_sources()
    for name, paragraphs in (("nq-45-2019-ldld.pdf", sources.NGHI_QUYET), ("hd-02-2021-ldld.docx", sources.HUONG_DAN)):
        (article,) = read_sources([CORPUS / "dinh-kem" / name])
        assert [p for p in article.body.split("\n") if p.strip()] == [text for _kind, text in paragraphs], name


def test_lines_wrapped_at_any_width_join_back_into_their_paragraphs():
    import textwrap

    from indexer.documents.extract import reflow

    sources = _attachment_sources()
    law = [
        "Điều 5. Quyền và nghĩa vụ của người lao động",
        "1. Người lao động có các quyền sau đây:",
        "a) Làm việc; tự do lựa chọn việc làm, nơi làm việc, nghề nghiệp, học nghề, nâng cao trình độ chuyên môn,"
        " nghề nghiệp; không bị phân biệt đối xử, cưỡng bức lao động, quấy rối tình dục tại nơi làm việc;",
        "b) Hưởng lương phù hợp với trình độ, kỹ năng nghề trên cơ sở thỏa thuận với người sử dụng lao động;",
        "- được bảo hộ lao động, làm việc trong điều kiện bảo đảm về an toàn, vệ sinh lao động;",
    ]
    for document in ([text for _kind, text in sources.NGHI_QUYET], [text for _kind, text in sources.HUONG_DAN], law):
        for width in (70, 85, 100):
            lines = [line for paragraph in document for line in textwrap.wrap(paragraph, width)]
            assert reflow(lines) == document, width


_INLINE = [
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"(?<!\*)\*(?!\*)(.+?)\*"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]+\)"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
]


def _paragraphs_as_written(markdown: str) -> list[str]:
    """A Markdown text's paragraphs as its author wrote them: blocks between blank lines, each list
    item and heading on its own, soft line breaks as spaces, the inline markup dropped."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        current: list[str] = []
        for line in (line.strip() for line in block.splitlines() if line.strip()):
            if re.match(r"^(?:[-*+]\s+|\d+[.)]\s+|#{1,6}\s+)", line) and current:
                out.append(" ".join(current))
                current = []
            line = re.sub(r"^[*+]\s+", "- ", re.sub(r"^#{1,6}\s+", "", line))
            current.append(line)
        if current:
            out.append(" ".join(current))
    for pattern, replacement in _INLINE:
        out = [pattern.sub(replacement, p) for p in out]
    return [normalise(" ".join(p.split())) for p in out]


def test_every_markdown_file_of_the_sample_reads_back_paragraph_for_paragraph():
    """Nothing doubled, nothing lost, in order: what the page shows of each Markdown document of
    corpus/ is its paragraphs as written (with one tone placement, as everything is indexed)."""
    import frontmatter

    from conftest import CORPUS

    files = [f for f in sorted(CORPUS.rglob("*.md")) if f.name != "README.md" and "tools" not in f.parts]
    assert len(files) >= 30
    for path in files:
        (article,) = read_sources([path])
        shown = [p for p in article.body.split("\n") if p.strip()]
        assert shown == _paragraphs_as_written(frontmatter.load(path).content), path.name
