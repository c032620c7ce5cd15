#!/usr/bin/env python3
"""Generate the sample attachments in corpus/dinh-kem/.

    python corpus/tools/make_attachments.py

Writes:
  dinh-kem/hd-02-2021-ldld.docx  - Hướng dẫn số 02/HD-LĐLĐ (python-docx)
  dinh-kem/nq-45-2019-ldld.pdf   - Nghị quyết số 45/NQ-LĐLĐ (fpdf2, DejaVuSans so that
                                   Vietnamese renders and extracts as text)

Neither file has front matter: number, date, issuing body and title are only in the text,
laid out the way Vietnamese administrative documents are. The text lives in this script
(NFC), so the attachments can be rebuilt at any time.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "dinh-kem"
FONT_DIR = Path(os.environ.get("DEJAVU_DIR", "/usr/share/fonts/truetype/dejavu"))

# Each document is a list of (kind, text). Kinds:
#   head   - header line (issuing body, number, national motto), bold, centred
#   place  - "Lạng Sơn, ngày .. tháng .. năm ..", italic, right-aligned
#   title  - document title in capitals, bold, centred
#   h      - section heading (I., II., ...), bold
#   p      - body paragraph
#   sign   - signature block line, bold, right-aligned

HUONG_DAN = [
    ("head", "LIÊN ĐOÀN LAO ĐỘNG TỈNH LẠNG SƠN"),
    ("head", "Số: 02/HD-LĐLĐ"),
    ("head", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("head", "Độc lập - Tự do - Hạnh phúc"),
    ("place", "Lạng Sơn, ngày 15 tháng 01 năm 2021"),
    ("title", "HƯỚNG DẪN"),
    ("title", "PHÁT TRIỂN ĐOÀN VIÊN, THÀNH LẬP CÔNG ĐOÀN CƠ SỞ NĂM 2021"),
    (
        "p",
        "Căn cứ Nghị quyết số 45/NQ-LĐLĐ ngày 18/12/2019 của Ban Chấp hành Liên đoàn Lao động "
        "tỉnh về nâng cao chất lượng hoạt động công đoàn cơ sở khu vực ngoài nhà nước giai đoạn "
        "2020 - 2023; căn cứ chỉ tiêu Tổng Liên đoàn Lao động Việt Nam giao năm 2021, Ban Thường "
        "vụ Liên đoàn Lao động tỉnh hướng dẫn công tác phát triển đoàn viên, thành lập công đoàn "
        "cơ sở như sau:",
    ),
    ("h", "I. CHỈ TIÊU"),
    (
        "p",
        "1. Toàn tỉnh phát triển mới 2.000 đoàn viên, thành lập mới 20 công đoàn cơ sở, trong đó "
        "khu vực doanh nghiệp ngoài nhà nước chiếm ít nhất 60%.",
    ),
    (
        "p",
        "2. Chỉ tiêu cụ thể của từng Liên đoàn Lao động huyện, thành phố, Công đoàn ngành, Công "
        "đoàn Viên chức tỉnh và Công đoàn Khu kinh tế cửa khẩu Đồng Đăng - Lạng Sơn có phụ lục "
        "kèm theo.",
    ),
    ("h", "II. ĐỐI TƯỢNG VÀ CÁCH LÀM"),
    (
        "p",
        "1. Tập trung vào doanh nghiệp có từ 10 lao động trở lên chưa có tổ chức công đoàn, hợp "
        "tác xã, cơ sở kinh doanh dịch vụ tại các khu vực cửa khẩu, cụm công nghiệp; người lao "
        "động làm việc không có quan hệ lao động được vận động tham gia nghiệp đoàn.",
    ),
    (
        "p",
        "2. Mỗi công đoàn cấp trên trực tiếp cơ sở thành lập tổ công tác phát triển đoàn viên, "
        "khảo sát, lập danh sách doanh nghiệp; tiếp xúc trực tiếp người lao động, tuyên truyền "
        "về quyền lợi khi gia nhập Công đoàn Việt Nam như được hỗ trợ pháp lý, thăm hỏi khi ốm "
        "đau, tham gia chương trình Tết Sum vầy, Mái ấm Công đoàn và các chương trình phúc lợi "
        "đoàn viên.",
    ),
    (
        "p",
        "3. Khi có từ 05 người lao động trở lên tự nguyện viết đơn, công đoàn cấp trên ra quyết "
        "định công nhận đoàn viên, thành lập công đoàn cơ sở và chỉ định Ban Chấp hành lâm thời; "
        "trong thời hạn 12 tháng phải tổ chức đại hội công đoàn cơ sở.",
    ),
    ("h", "III. KHEN THƯỞNG VÀ CHẾ ĐỘ"),
    (
        "p",
        "1. Cán bộ công đoàn trực tiếp vận động thành lập công đoàn cơ sở được hỗ trợ 2.000.000 "
        "đồng/công đoàn cơ sở; vận động kết nạp đoàn viên được hỗ trợ 20.000 đồng/đoàn viên, "
        "chi từ nguồn tài chính công đoàn của Liên đoàn Lao động tỉnh.",
    ),
    (
        "p",
        "2. Đơn vị hoàn thành vượt chỉ tiêu được xem xét khen thưởng khi tổng kết năm; kết quả "
        "phát triển đoàn viên là tiêu chí quan trọng trong xếp loại thi đua.",
    ),
    ("h", "IV. TỔ CHỨC THỰC HIỆN"),
    (
        "p",
        "Ban Tổ chức Liên đoàn Lao động tỉnh theo dõi, tổng hợp; các đơn vị báo cáo kết quả theo "
        "quý (trước ngày 20 của tháng cuối quý) và báo cáo năm trước ngày 15/12/2021. Trong quá "
        "trình thực hiện có vướng mắc, đề nghị phản ánh về Liên đoàn Lao động tỉnh để được "
        "hướng dẫn./.",
    ),
    ("sign", "TM. BAN THƯỜNG VỤ"),
    ("sign", "PHÓ CHỦ TỊCH"),
    ("sign", "Lăng Văn Phúc"),
]

NGHI_QUYET = [
    ("head", "LIÊN ĐOÀN LAO ĐỘNG TỈNH LẠNG SƠN"),
    ("head", "BAN CHẤP HÀNH"),
    ("head", "Số: 45/NQ-LĐLĐ"),
    ("head", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("head", "Độc lập - Tự do - Hạnh phúc"),
    ("place", "Lạng Sơn, ngày 18 tháng 12 năm 2019"),
    ("title", "NGHỊ QUYẾT"),
    ("title", "VỀ NÂNG CAO CHẤT LƯỢNG HOẠT ĐỘNG CÔNG ĐOÀN CƠ SỞ KHU VỰC NGOÀI NHÀ NƯỚC GIAI ĐOẠN 2020 - 2023"),
    (
        "p",
        "Hội nghị Ban Chấp hành Liên đoàn Lao động tỉnh lần thứ năm, khóa XVI, nhiệm kỳ "
        "2018 - 2023 họp ngày 18 tháng 12 năm 2019 tại thành phố Lạng Sơn. Trên cơ sở Nghị "
        "quyết Đại hội XVI Công đoàn tỉnh Lạng Sơn và Nghị quyết Đại hội XII Công đoàn Việt "
        "Nam, sau khi thảo luận, Hội nghị",
    ),
    ("title", "QUYẾT NGHỊ"),
    ("h", "I. ĐÁNH GIÁ TÌNH HÌNH"),
    (
        "p",
        "Toàn tỉnh có 214 công đoàn cơ sở khu vực ngoài nhà nước với trên 9.800 đoàn viên. Nhiều "
        "công đoàn cơ sở đã tổ chức đối thoại, thương lượng, ký kết thỏa ước lao động tập thể "
        "có chất lượng. Tuy vậy, số công đoàn cơ sở hoạt động hình thức còn nhiều; cán bộ công "
        "đoàn kiêm nhiệm, thiếu kỹ năng, e ngại khi đại diện người lao động; việc đóng kinh phí "
        "công đoàn, bảo hiểm xã hội ở một số doanh nghiệp chưa nghiêm.",
    ),
    ("h", "II. MỤC TIÊU ĐẾN NĂM 2023"),
    (
        "p",
        "1. 100% chủ tịch công đoàn cơ sở khu vực ngoài nhà nước được tập huấn nghiệp vụ, kỹ "
        "năng đối thoại, thương lượng.",
    ),
    (
        "p",
        "2. Trên 70% doanh nghiệp có tổ chức công đoàn ký kết thỏa ước lao động tập thể; 100% "
        "doanh nghiệp tổ chức đối thoại định kỳ tại nơi làm việc.",
    ),
    (
        "p",
        "3. Giảm số công đoàn cơ sở xếp loại trung bình, yếu xuống dưới 10%; không để xảy ra "
        "ngừng việc tập thể kéo dài.",
    ),
    ("h", "III. NHIỆM VỤ, GIẢI PHÁP"),
    (
        "p",
        "1. Công đoàn cấp trên trực tiếp cơ sở tăng cường hỗ trợ, trực tiếp cùng công đoàn cơ sở "
        "chuẩn bị nội dung đối thoại, thương lượng; đại diện người lao động khởi kiện khi quyền "
        "lợi bị xâm phạm.",
    ),
    (
        "p",
        "2. Bố trí cán bộ công đoàn chuyên trách theo dõi khối doanh nghiệp; có chế độ hỗ trợ "
        "phụ cấp cho cán bộ công đoàn cơ sở kiêm nhiệm ở doanh nghiệp khó khăn.",
    ),
    (
        "p",
        "3. Phối hợp với cơ quan Bảo hiểm xã hội, Thanh tra lao động kiểm tra việc thực hiện "
        "chính sách đối với người lao động; công khai các doanh nghiệp nợ đóng kéo dài.",
    ),
    (
        "p",
        "4. Đổi mới phong trào thi đua, chăm lo đoàn viên khó khăn qua Mái ấm Công đoàn, Tháng "
        "Công nhân, Tết Sum vầy để tăng sức hút của tổ chức Công đoàn.",
    ),
    ("h", "IV. TỔ CHỨC THỰC HIỆN"),
    (
        "p",
        "Ban Thường vụ Liên đoàn Lao động tỉnh cụ thể hóa Nghị quyết bằng kế hoạch hằng năm; "
        "các cấp công đoàn quán triệt, xây dựng chương trình thực hiện; Ủy ban Kiểm tra giám "
        "sát việc thực hiện và báo cáo Ban Chấp hành tại hội nghị cuối năm./.",
    ),
    ("sign", "TM. BAN CHẤP HÀNH"),
    ("sign", "CHỦ TỊCH"),
    ("sign", "Nông Văn Thắng"),
]


def _check_nfc(doc):
    for _, text in doc:
        if not unicodedata.is_normalized("NFC", text):
            raise ValueError(f"not NFC: {text[:40]!r}")


def make_docx(doc, path: Path, title: str) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = Document()
    style = d.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    props = d.core_properties
    props.title = title
    props.author = "Liên đoàn Lao động tỉnh Lạng Sơn"
    props.created = props.modified = dt.datetime(2021, 1, 15, 8, 0, 0)
    for kind, text in doc:
        para = d.add_paragraph()
        run = para.add_run(text)
        if kind in ("head", "title", "h", "sign"):
            run.bold = True
        if kind == "place":
            run.italic = True
        if kind in ("head", "title"):
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind in ("place", "sign"):
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif kind == "p":
            para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    d.save(str(path))


def make_pdf(doc, path: Path, title: str) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(title)
    pdf.set_author("Liên đoàn Lao động tỉnh Lạng Sơn")
    pdf.set_creation_date(dt.datetime(2019, 12, 18, 8, 0, 0, tzinfo=dt.UTC))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for kind, text in doc:
        if kind == "head":
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(width, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
        elif kind == "place":
            pdf.ln(2)
            pdf.set_font("DejaVu", "I", 11)
            pdf.multi_cell(width, 6, text, align="R", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "title":
            pdf.set_font("DejaVu", "B", 12)
            pdf.multi_cell(width, 7, text, align="C", new_x="LMARGIN", new_y="NEXT")
        elif kind == "h":
            pdf.ln(2)
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(width, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        elif kind == "sign":
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(width, 6, text, align="R", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("DejaVu", "", 11)
            pdf.multi_cell(width, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
    pdf.output(str(path))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for doc in (HUONG_DAN, NGHI_QUYET):
        _check_nfc(doc)
    docx_path = OUT / "hd-02-2021-ldld.docx"
    pdf_path = OUT / "nq-45-2019-ldld.pdf"
    make_docx(HUONG_DAN, docx_path, "Hướng dẫn phát triển đoàn viên, thành lập công đoàn cơ sở năm 2021")
    make_pdf(NGHI_QUYET, pdf_path, "Nghị quyết về nâng cao chất lượng hoạt động công đoàn cơ sở khu vực ngoài nhà nước")
    print(f"wrote {docx_path.relative_to(HERE.parent.parent)}")
    print(f"wrote {pdf_path.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
