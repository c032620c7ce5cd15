"""Round trips: the paragraphs a document page shows are its source's, in order, nothing doubled,
nothing lost. The scraped page texts and the saved HTML page of corpus/trang/ are read here as
corpus/README.md describes their layout (not by our extractor), the site's furniture set apart;
Word and PDF files are generated here from known paragraphs: headings, numbered and lettered
items, bullets, a table, long paragraphs that wrap over lines and pages.
(Every Markdown document and the two sample attachments: tests/test_extract.py.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.text.normalise import normalise
from search_app import create_app

from conftest import CORPUS, settings_for

FONTS = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core (.ci/run installs it)
BANNER = "Công đoàn tỉnh Lạng Sơn đổi mới nội dung, phương thức hoạt động công đoàn;"
CMS_DATE = re.compile(r"^(?:Thứ \S+|Chủ nhật), \d{1,2} Tháng \d{1,2} \d{4} \d{2}:\d{2}$")
BOILERPLATE = {"Ảnh hoạt động", ":"}
AUTHOR = re.compile(r"^[^.:;]{2,50} - [^.]{3,100}$")


class _Shown(HTMLParser):
    """The paragraphs of a document page in reading order: letterhead, body (a table row as its
    cells joined by " | ", as the text is indexed), closing; and the photo captions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.captions: list[str] = []
        self.depth = 0  # inside div.letterhead/body/closing: the div nesting
        self.caption = False
        self.text: list[str] | None = None
        self.row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and (self.depth or {"letterhead", "body", "closing"} & set(classes)):
            self.depth += 1
        elif tag == "section" and "captions" in classes:
            self.caption = True
        elif tag == "p" and self.depth or tag == "li" and self.caption or tag in ("td", "th") and self.depth:
            self.text = []
        elif tag == "tr" and self.depth:
            self.row = []

    def handle_endtag(self, tag):
        if tag == "div" and self.depth:
            self.depth -= 1
        elif tag == "section":
            self.caption = False
        elif tag in ("p", "li", "td", "th") and self.text is not None:
            text = " ".join("".join(self.text).split())
            if tag in ("td", "th"):
                self.row.append(text)
            else:
                (self.captions if tag == "li" else self.paragraphs).append(text)
            self.text = None
        elif tag == "tr" and self.row is not None:
            self.paragraphs.append(" | ".join(self.row))
            self.row = None

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


def shown(client, doc_id: str) -> tuple[list[str], list[str]]:
    """What the document page shows: its paragraphs and its captions; and checks that the API
    answers the same paragraphs."""
    response = client.get(f"/tai-lieu/{doc_id}")
    assert response.status_code == 200, doc_id
    parser = _Shown()
    parser.feed(response.get_data(as_text=True))
    body = client.get(f"/api/documents/{doc_id}").get_json()["body"]
    assert [p for p in body.split("\n") if p.strip()] == parser.paragraphs, doc_id
    return parser.paragraphs, parser.captions


# --- scraped pages, read as corpus/README.md lays them out -----------------------------------------


def page_as_written(text: str) -> tuple[str, list[str], list[str]]:
    """A saved page's title, article paragraphs and photo captions: without the banner, the CMS
    date line, the photo alt lines (a line that starts with a space or a no-break space; the
    next line is its caption), the closing "Name - Unit" author line and the boilerplate."""
    lines = [line for line in text.split("\n") if line.strip()]
    if lines[0].startswith(BANNER):
        lines = lines[1:]
    if CMS_DATE.match(lines[0]):
        lines = lines[1:]
    title, rest = lines[0].strip(), lines[1:]
    while rest and rest[-1].strip() in BOILERPLATE:
        rest = rest[:-1]
    assert AUTHOR.match(rest[-1]), rest[-1]
    rest = rest[:-1]
    paragraphs, captions = [], []
    alt = False
    for line in rest:
        if line[0].isspace():
            alt = True
        elif alt:
            captions.append(line.strip())
            alt = False
        else:
            paragraphs.append(line.strip())
    return title, [normalise(p) for p in paragraphs], [normalise(c) for c in captions]


PAGES = sorted(p.name for p in (CORPUS / "trang").glob("*.txt") if not p.name.startswith("danh-muc"))


@pytest.mark.parametrize("name", PAGES)
def test_a_saved_page_shows_its_article_paragraphs_and_captions_apart(client, name):
    title, paragraphs, captions = page_as_written((CORPUS / "trang" / name).read_text("utf-8"))
    doc_id = "trang-" + name.removesuffix(".txt")
    assert client.get(f"/api/documents/{doc_id}").get_json()["title"] == normalise(title)
    assert shown(client, doc_id) == (paragraphs, captions)


def test_a_listing_page_shows_each_teaser_as_an_article_of_its_own(client):
    lines = [
        line.strip() for line in (CORPUS / "trang" / "danh-muc-hoc-tap-nghi-quyet.txt").read_text("utf-8").split("\n")
    ]
    lines = [line for line in lines if line and line not in BOILERPLATE and not line.startswith(BANNER)]
    count = next(n for n, line in enumerate(lines) if re.search(r"\(\d+\)$", line))
    teasers = lines[count + 1 :]
    assert len(teasers) == int(re.search(r"\((\d+)\)$", lines[count]).group(1))
    for n, teaser in enumerate(teasers, start=1):
        assert shown(client, f"trang-danh-muc-hoc-tap-nghi-quyet-{n}") == ([normalise(teaser)], [])


class _SavedArticle(HTMLParser):
    """The <article> of a page saved from the site: its <p> paragraphs (not the author line) and
    its <figcaption>s; the title (<h1>) and date (<time>) are not paragraphs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.paragraphs: list[str] = []
        self.captions: list[str] = []
        self.target: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.inside = True
        elif self.inside and tag == "p" and dict(attrs).get("class") != "author":
            self.target, self.text = self.paragraphs, []
        elif self.inside and tag == "figcaption":
            self.target, self.text = self.captions, []

    def handle_endtag(self, tag):
        if tag == "article":
            self.inside = False
        elif tag in ("p", "figcaption") and self.target is not None:
            self.target.append(" ".join("".join(self.text).split()))
            self.target = None

    def handle_data(self, data):
        if self.target is not None:
            self.text.append(data)


def test_the_saved_html_page_shows_its_article_paragraphs_and_captions_apart(client):
    source = (CORPUS / "trang" / "2023-tap-huan-thoa-uoc-thanh-pho.html").read_text("utf-8")
    saved = _SavedArticle()
    saved.feed(source)
    assert len(saved.paragraphs) == 4 and len(saved.captions) == 2
    expected = ([normalise(p) for p in saved.paragraphs], [normalise(c) for c in saved.captions])
    assert shown(client, "trang-2023-tap-huan-thoa-uoc-thanh-pho") == expected
    assert "&amp;" in source and "tặng quà sinh nhật & ngày lễ" in expected[0][1]  # entities read once


# --- generated Word and PDF files ------------------------------------------------------------------

LETTERHEAD = [
    "LIÊN ĐOÀN LAO ĐỘNG TỈNH LẠNG SƠN",
    "Số: 07/HD-LĐLĐ",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Lạng Sơn, ngày 10 tháng 3 năm 2025",
    "HƯỚNG DẪN",
    "TỔ CHỨC HỘI THI AN TOÀN, VỆ SINH LAO ĐỘNG NĂM 2025",
]
LONG = (
    "Căn cứ Kế hoạch số 28/KH-LĐLĐ ngày 06/3/2024 của Ban Thường vụ Liên đoàn Lao động tỉnh về tổ chức "
    "Tháng Công nhân và Tháng hành động về an toàn, vệ sinh lao động; căn cứ tình hình thực tế tại các "
    "doanh nghiệp trên địa bàn tỉnh, Ban Thường vụ Liên đoàn Lao động tỉnh hướng dẫn các cấp công đoàn "
    "tổ chức hội thi an toàn, vệ sinh lao động năm 2025 như sau:"
)
CLOSING = [
    "Nơi nhận:",
    "- Các LĐLĐ huyện, thành phố;",
    "- Lưu VT.",
    "TM. BAN THƯỜNG VỤ",
    "CHỦ TỊCH",
    "Nông Văn Thắng",
]
TABLE = [
    ["Đơn vị", "Số đội dự thi", "Thời gian"],
    ["LĐLĐ huyện Hữu Lũng", "12", "Tháng 4/2025"],
    ["LĐLĐ huyện Chi Lăng", "9", "Tháng 5/2025"],
]


def test_a_generated_word_file_reads_back_paragraph_for_paragraph(tmp_path):
    import docx

    before = [
        LONG,
        "I. MỤC ĐÍCH, YÊU CẦU",  # a Word heading
        "1. Nâng cao nhận thức của người lao động và người sử dụng lao động về an toàn, vệ sinh lao động.",
        "2. Hội thi được tổ chức thiết thực, tiết kiệm, an toàn.",
        "II. NỘI DUNG VÀ HÌNH THỨC",
        "a) Phần thi lý thuyết: trả lời câu hỏi về pháp luật an toàn, vệ sinh lao động;",
        "b) Phần thi thực hành: xử lý tình huống sơ cứu, chữa cháy ban đầu.",
        "- Mỗi đội có 05 thành viên;",
        "- Mỗi đội có 01 thành viên là cán bộ công đoàn cơ sở.",
        "Số đội dự kiến của các đơn vị:",
    ]
    after = ["Các đơn vị đăng ký danh sách đội thi trước ngày 31/3/2025."]
    document = docx.Document()
    for text in LETTERHEAD:
        document.add_paragraph(text)
    for text in before:
        if text[:2] in ("I.", "II"):
            document.add_heading(text, level=2)
        else:
            document.add_paragraph(text, style="List Paragraph" if text[:2] in ("a)", "b)", "- ") else None)
    table = document.add_table(rows=len(TABLE) + 1, cols=3)
    for row, cells in zip(table.rows, TABLE, strict=False):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    total = table.rows[-1].cells
    total[0].merge(total[1]).text = "Tổng cộng"  # one cell over two columns: read once
    total[2].text = "21"
    for text in after + CLOSING:
        document.add_paragraph(text)
    document.add_paragraph("")  # an empty paragraph is no paragraph
    folder = tmp_path / "corpus"
    folder.mkdir()
    document.save(folder / "hd-07-2025.docx")

    client = _client_over(folder, tmp_path)
    expected = LETTERHEAD + before + [" | ".join(row) for row in TABLE] + ["Tổng cộng | 21"] + after + CLOSING
    assert shown(client, "hd-07-2025") == (expected, [])
    page = client.get("/tai-lieu/hd-07-2025").get_data(as_text=True)
    # the table stands where it was, as a table: between the paragraph before it and the one after
    assert page.index("Số đội dự kiến") < page.index("<table>") < page.index("Các đơn vị đăng ký")


def test_a_generated_pdf_reads_back_paragraph_for_paragraph(tmp_path):
    from fpdf import FPDF

    law = [
        "Điều 5. Quyền và nghĩa vụ của người lao động trong công tác an toàn, vệ sinh lao động tại nơi làm "
        "việc theo quy định của pháp luật và thỏa ước lao động tập thể",
        "1. Người lao động có các quyền sau đây:",
        "a) Được bảo đảm các điều kiện làm việc công bằng, an toàn, vệ sinh lao động; yêu cầu người sử dụng lao "
        "động có trách nhiệm bảo đảm điều kiện làm việc an toàn, vệ sinh lao động trong quá trình lao động, tại "
        "nơi làm việc; được cung cấp đầy đủ phương tiện bảo vệ cá nhân, được huấn luyện an toàn lao động;",
        "b) Được nhận thông tin đầy đủ về các yếu tố nguy hiểm, có hại tại nơi làm việc và những biện pháp "
        "phòng, chống;",
        "- Từ chối làm công việc hoặc rời bỏ nơi làm việc mà vẫn được trả đủ tiền lương và không bị coi là vi phạm "
        "kỷ luật lao động khi thấy rõ có nguy cơ xảy ra tai nạn lao động đe dọa nghiêm trọng tính mạng;",
        "2. Người lao động có các nghĩa vụ sau đây:",
        "a) Chấp hành nội quy, quy trình và biện pháp bảo đảm an toàn, vệ sinh lao động tại nơi làm việc;",
        "Điều 6. Quyền và nghĩa vụ của người sử dụng lao động",
        "Người sử dụng lao động có trách nhiệm xây dựng, tổ chức thực hiện và chủ động phối hợp với các cơ quan, "
        "tổ chức trong việc bảo đảm an toàn, vệ sinh lao động tại nơi làm việc thuộc phạm vi trách nhiệm của mình "
        "cho người lao động và những người có liên quan; đóng bảo hiểm tai nạn lao động, bệnh nghề nghiệp.",
    ]
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for text in LETTERHEAD:
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
    paragraphs = [LONG] + law * 3 + CLOSING[:3]  # three times: the text runs over to a second page
    for text in paragraphs:
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(width, 6, text, align="J" if len(text) > 120 else "L", new_x="LMARGIN", new_y="NEXT")
    for text in CLOSING[3:]:
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, text, align="R", new_x="LMARGIN", new_y="NEXT")
    folder = tmp_path / "corpus"
    folder.mkdir()
    pdf.output(str(folder / "luat-atvsld.pdf"))
    assert pdf.pages_count >= 2

    client = _client_over(folder, tmp_path)
    paragraphs_shown, _captions = shown(client, "luat-atvsld")
    assert paragraphs_shown == LETTERHEAD + paragraphs + CLOSING[3:]


def _client_over(folder: Path, tmp_path: Path):
    report = build_index([folder], tmp_path / "index")
    assert not report.errors, report.errors
    return create_app(settings_for(tmp_path / "data", tmp_path / "index"), {"TESTING": True}).test_client()


def test_the_page_reader_of_these_tests_sees_what_a_member_sees():
    """The parser above reads paragraphs, table rows and captions off a page, entities decoded."""
    parser = _Shown()
    parser.feed(
        '<div class="letterhead"><p>SỐ: 1</p></div><div class="body"><p>A &amp; <mark>b</mark></p>'
        '<div class="table"><table><tr><th>x</th><th>y</th></tr><tr><td>1</td><td>2</td></tr></table></div>'
        '</div><section class="captions"><ul><li>Ảnh</li></ul></section><p>not shown</p>'
    )
    assert (parser.paragraphs, parser.captions) == (["SỐ: 1", "A & b", "x | y", "1 | 2"], ["Ảnh"])
