"""Metadata found in the text of an article: date, document type, union unit, numbers, term, congress.

Pure functions over normalised text. Front matter wins where a document has it; these fill
the gaps for scraped pages, attachments and bulk loads.
"""

from __future__ import annotations

import re
from datetime import date

from indexer.text.analysis import find_protected
from indexer.text.normalise import fold_accents, folded, normalise

DOC_TYPES = {
    # canonical type: (title openings, number codes)
    "nghị quyết": (("nghị quyết",), ("NQ",)),
    "kế hoạch": (("kế hoạch", "chương trình hành động", "chương trình"), ("KH", "CTr")),
    "hướng dẫn": (("hướng dẫn",), ("HD",)),
    "quyết định": (("quyết định",), ("QĐ",)),
    "thông báo": (("thông báo",), ("TB",)),
    "báo cáo": (("báo cáo",), ("BC",)),
    "chỉ thị": (("chỉ thị",), ("CT",)),
    "công văn": (("công văn",), ("CV",)),
    "luật": (("bộ luật", "luật"), ()),  # numbered "45/2019/QH14": the code is the issuer's, not the type's
    "nghị định": (("nghị định",), ("NĐ",)),
    "thông tư": (("thông tư",), ("TT",)),
}
NEWS = "tin tức"
TYPE_LABELS = {t: t[:1].upper() + t[1:] for t in [*DOC_TYPES, NEWS]}

_MONTHS_TEXT = r"(?:tháng|Tháng)"
_DATE_PATTERNS = [
    # "27 Tháng 4 2024" (the CMS line), "ngày 21 tháng 3 năm 2017"
    re.compile(r"(\d{1,2})\s+" + _MONTHS_TEXT + r"\s+(\d{1,2})(?:\s+năm|,)?\s+(\d{4})"),
    re.compile(r"(?<![\d/])(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?![\d/])"),
]
_CMS_DATE_LINE = re.compile(
    r"^\s*(?:Thứ\s+\S+|Chủ\s+nhật),\s*(\d{1,2})\s+" + _MONTHS_TEXT + r"\s+(\d{1,2})\s+(\d{4})",
    re.IGNORECASE,
)
# A clause that opens with a date: "Ngày 14/8/2017, ...", "Chiều ngày 26/4/2024, ..."
# (not after ":", where a date is a field's value: "Hạn cuối: Ngày 26/07/2016")
_DATED_CLAUSE = re.compile(
    r"(?:(?:^|(?<=[.;!?]\s)|(?<=\n))\s*(?:(?:Sáng|Chiều|Tối|Trưa|Đêm)\s+)?(?:ngày|hôm nay)\s+"
    r"|(?:^|(?<=[.;!?,]\s)|(?<=\n))\s*(?:Sáng|Chiều|Tối|Trưa|Đêm)\s+(?:ngày\s+)?)",
    re.IGNORECASE,
)
_ISSUED_DATE = re.compile(r"[\w ]{0,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_OWN_NUMBER = re.compile(
    r"^\s*(?:(?:Bộ\s+luật|Luật|Nghị\s+quyết|Nghị\s+định|Thông\s+tư)\s+)?Số\s*:?\s*(.+)$", re.IGNORECASE | re.MULTILINE
)
_TERM = re.compile(r"nhiệm\s+kỳ\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE)
_CONGRESS = re.compile(r"Đại\s+hội\s+(?:[\w ]{0,40}?\s)?(?:lần\s+thứ\s+)?([IVXLC]{1,7})\b")


def make_date(day: int, month: int, year: int) -> date | None:
    """A real calendar date, or None for impossible ones (31/2, year 0)."""
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if 1945 <= year <= 2100 else None


def _first_date(text: str) -> tuple[date, int] | None:
    best = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            value = make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if value and (best is None or m.start() < best[1]):
                best = (value, m.start())
                break
    return best


def cms_date(line: str) -> date | None:
    """The publication date of a CMS date line ("Thứ bảy, 27 Tháng 4 2024 07:25")."""
    m = _CMS_DATE_LINE.match(line)
    return make_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


_PLACE_DATE_LINE = re.compile(
    r"(?:^|(?<=\n)|(?<=[A-ZĐÀ-Ỹ0-9]\s))(?:[A-ZĐÀ-Ỹ][\wà-ỹđ.]*\s+){0,5}[A-ZĐÀ-Ỹ][\wà-ỹđ.]*,\s*"
    r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})"
)


def find_date_line(text: str) -> date | None:
    """A place-and-date line standing at the start of a line or after a heading, in any text (a
    letter, a press release or a document printed in a news story): "Hà Nội, ngày 24 tháng 2 năm 2018"."""
    m = _PLACE_DATE_LINE.search(normalise(text)[:1500])
    return make_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def find_issued_date(text: str) -> date | None:
    """The place-and-date line of an official document: "Lạng Sơn, ngày 21 tháng 3 năm 2017"."""
    m = _ISSUED_DATE.search(text[:1500])
    return make_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


LEAD_CHARS = 600  # a dated clause further into a text dates something it tells, not the text


def find_event_date(text: str, limit: int = LEAD_CHARS) -> tuple[date, int] | None:
    """The date a text opens with: its first clause that starts with a full date, in its lead
    ("Ngày 14/8/2017, CĐCS …", "Sáng ngày 12/8/2017, …"). Never a date met in passing (a cited
    plan's, a year): those do not open a clause.

    Returns the date and where its clause starts, so a caller can take that sentence as a title.
    """
    lead = text[:limit]
    for m in _DATED_CLAUSE.finditer(lead):
        found = _first_date(text[m.end() : m.end() + 40])
        if found and found[1] == 0:
            return found[0], m.start()
    return None


def parse_date(value: str) -> date | None:
    """A date written as a value ("27/4/2024", "ngày 27 tháng 4 năm 2024"), by a person or a source."""
    found = _first_date(value)
    return found[0] if found else None


def find_numbers(text: str) -> list[str]:
    """Every document number cited or issued, normalised, in order of first mention."""
    text = normalise(text)
    seen: dict[str, None] = {}
    for kind, value, start, end in find_protected(text):
        if kind == "docnum" and _written_as_code(text[start:end]):
            seen.setdefault(value, None)
    return list(seen)


def _written_as_code(raw: str) -> bool:
    """'15/KH-LĐLĐ' is a number; '3/tháng' in running text is not."""
    letters = [ch for ch in raw.split("/", 1)[1] if ch.isalpha()]
    if not letters or not letters[0].isupper():
        return False
    return sum(ch.isupper() for ch in letters) * 3 >= len(letters) * 2  # "CTr" is a code too


def find_own_number(text: str) -> str | None:
    """The number a document is issued under: its "Số: 15/KH-LĐLĐ" line near the top."""
    m = _OWN_NUMBER.search(text[:1500])
    if not m:
        return None
    numbers = find_numbers(m.group(1))
    return numbers[0] if numbers else None


def number_code(number: str) -> str:
    """'15/KH-LĐLĐ' -> 'KH'; '45/2019/QH14' -> 'QH14'."""
    code = number.split("/")[-1]
    return code.split("-")[0]


def number_issuer(number: str) -> str | None:
    """'15/KH-LĐLĐ' -> 'LĐLĐ'."""
    code = number.split("/")[-1]
    parts = code.split("-")
    return parts[1] if len(parts) > 1 else None


def _opens_with(text: str, opening: str) -> bool:
    head, opening = folded(text).strip(), folded(opening)
    return head.startswith(opening) and (len(head) == len(opening) or not head[len(opening)].isalnum())


_HEADING = re.compile(
    r"(?<![^\W\d_])(BỘ LUẬT|LUẬT|NGHỊ QUYẾT|NGHỊ ĐỊNH|THÔNG TƯ|KẾ HOẠCH|CHƯƠNG TRÌNH HÀNH ĐỘNG|HƯỚNG DẪN|QUYẾT ĐỊNH|"
    r"THÔNG BÁO|BÁO CÁO|CHỈ THỊ|CÔNG VĂN)(?![a-zà-ỹđ]|\s+(?:SỐ|CỦA)\b)"  # "THÔNG BÁOMỜI …": a heading run on
)
# Of the 137k titles in ../shared/corpus, 6 open with "Thông báo": five are the notices themselves
# (auctions, a communiqué, a call for designs), one reports on a notice ("Thông báo về …"). Other
# openings ("Kế hoạch", "Hướng dẫn", "Quyết định", …) head news stories far more often.
_NOTICE_TITLE = re.compile(r"^\s*Thông\s+báo\s+(?!về\b)\S", re.IGNORECASE)


def heading_type(text: str) -> str | None:
    """The type a document's heading in capitals names ("NGHỊ QUYẾT", "THÔNG BÁO MỜI …"), if any."""
    m = _HEADING.search(normalise(text)[:1500])
    return resolve_type(m.group(1)) if m else None


_FULL_TEXT = re.compile(r"toàn\s+văn\s+(?:của\s+)?(\w+(?:\s+\w+)?)", re.IGNORECASE)


def _full_text_type(body: str) -> str | None:
    """ "TTXVN trân trọng giới thiệu toàn văn Nghị quyết …": the story is the document itself."""
    m = _FULL_TEXT.search(normalise(body)[:1500])
    return title_type(m.group(1)) if m else None


def title_type(title: str) -> str | None:
    """The type a title or heading opens with ("Kế hoạch tổ chức …", "BỘ LUẬT"), if any."""
    for doc_type, (openings, _codes) in DOC_TYPES.items():
        if any(_opens_with(title, o) for o in openings):
            return doc_type
    return None


def detect_type(title: str, own_number: str | None = None, document: bool = False, body: str = "") -> str:
    """Document type from the document's own number code; from how its title opens when the
    text is laid out as a document (``document``: a number line, a letterhead, a heading), or
    when ``body`` carries the same type as a heading in capitals or says it is the full text (a
    notice or a resolution printed in full). A news story titled "Hướng dẫn cách …" or
    "Kế hoạch …" is news."""
    if own_number:
        code = fold_accents(number_code(own_number)).upper()
        for doc_type, (_openings, codes) in DOC_TYPES.items():
            if code in {fold_accents(c).upper() for c in codes}:
                return doc_type
    opening = title_type(title)
    if document or own_number:
        return opening or NEWS
    if opening and opening in (heading_type(body), _full_text_type(body)):
        return opening
    if _NOTICE_TITLE.match(normalise(title)):
        return "thông báo"
    return NEWS


def find_terms(text: str) -> list[str]:
    """Terms of office mentioned: "nhiệm kỳ 2018 – 2023" -> "2018-2023"."""
    seen: dict[str, None] = {}
    for m in _TERM.finditer(text):
        seen.setdefault(f"{m.group(1)}-{m.group(2)}", None)
    return list(seen)


def find_congresses(text: str) -> list[str]:
    """Congresses mentioned by number: "Đại hội XVII Công đoàn tỉnh" -> "Đại hội XVII"."""
    seen: dict[str, None] = {}
    for m in _CONGRESS.finditer(text):
        seen.setdefault(f"Đại hội {m.group(1)}", None)
    return list(seen)


def resolve_type(value: str) -> str | None:
    """A document type from its name, slug or number code ("NQ", "nghi-quyet", "Nghị quyết")."""
    key = folded(value).strip().replace("-", " ")
    for doc_type, (openings, codes) in [*DOC_TYPES.items(), (NEWS, ((), ()))]:
        if key == folded(doc_type) or key in {folded(c) for c in (*openings, *codes)}:
            return doc_type
    return None
