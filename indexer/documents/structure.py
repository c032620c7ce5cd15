"""The parts of an official document (văn bản hành chính), found in its paragraphs.

A resolution, plan or guidance opens with its letterhead: the issuing body, its number ("Số:
15/KH-LĐLĐ"), the quốc hiệu and tiêu ngữ, the place and date line, the document type and its
trích yếu (and for a công văn "V/v …" and "Kính gửi: …"). It closes with nơi nhận (who receives
it) and the signature block: on whose behalf (TM., KT., …), the position and the signer's name.
What lies between is the body. News articles have none of this: all of them is body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text.normalise import folded

_QUOC_HIEU = re.compile(
    r"CỘNG\s+HÒA\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|Độc\s+lập\s*-\s*Tự\s+do\s*-\s*Hạnh\s+phúc", re.I
)
_NUMBER_LINE = re.compile(r"^(?:(?:Bộ\s+)?luật\s+|Nghị\s+quyết\s+|Nghị\s+định\s+)?Số\s*:?\s*\d{1,5}\s*/", re.I)
# "Lạng Sơn, ngày 21 tháng 3 năm 2017": the date line, here alone on its line (extract.reflow uses its start)
PLACE_DATE = r"^[^\d,]{2,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
_PLACE_DATE = re.compile(PLACE_DATE + r"\s*$", re.I)
_HEAD_OTHER = re.compile(r"^(?:V/v\b|Về việc\b|Kính\s+gửi\s*:|-\s)", re.I)
_RECIPIENTS = re.compile(r"^Nơi\s+nhận\s*:?", re.I)
_ON_BEHALF = re.compile(r"^(?:TM|KT|TL|TUQ|Q)\.\s", re.I)
_NAME = re.compile(r"^(?:[A-ZÀ-ỸĐ][a-zà-ỹđ]+\s){1,5}[A-ZÀ-ỸĐ][a-zà-ỹđ]+$")
_SIGNED = re.compile(r"^\(?\s*(?:đã\s+ký|ký\s+tên|đã\s+ký\s+và\s+đóng\s+dấu)\s*\)?$", re.I)
_SECTION = re.compile(r"^(?:[IVXLC]+\.|\d+\.|[a-zđ]\)|(?:Phần|Chương|Mục|Điều)\s+[\dIVXLC]+)", re.I)
HEAD_LIMIT = 14  # a letterhead is never longer than this many paragraphs


@dataclass(frozen=True)
class Parts:
    """Paragraphs [0, head) are the letterhead, [head, tail) the body, [tail, n) nơi nhận and
    the signature block."""

    head: int
    tail: int
    signer: str | None = None
    position: str | None = None  # as written: "TM. BAN THƯỜNG VỤ CHỦ TỊCH"

    def body(self, paragraphs: list[str]) -> list[str]:
        return paragraphs[self.head : self.tail]


def signer_key(name: str) -> str:
    """How a signer's name is filtered on: folded, one space ("nong van thang" for "Nông Văn Thắng")."""
    return " ".join(folded(name).split())


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def _is_quoc_hieu(text: str) -> bool:
    """The quốc hiệu and tiêu ngữ, alone on their line (not cited in a "Căn cứ Hiến pháp …" line)."""
    return bool(_QUOC_HIEU.search(text)) and not any(c.isalpha() for c in _QUOC_HIEU.sub("", text))


def is_official(paragraphs: list[str]) -> bool:
    opening = paragraphs[:HEAD_LIMIT]
    # the number line first: anchored, it fails at once on the paragraphs of a news article
    return any(_NUMBER_LINE.match(p.strip()) for p in opening) and any(_is_quoc_hieu(p) for p in opening)


def parts(paragraphs: list[str]) -> Parts:
    """Where the letterhead ends and the closing parts begin; all body for anything else."""
    n = len(paragraphs)
    if not is_official(paragraphs):
        return Parts(0, n)
    head = 0
    for text in paragraphs[:HEAD_LIMIT]:
        text = text.strip()
        if _SECTION.match(text):
            break
        if not any(c.isalnum() for c in text):  # a rule under the quốc hiệu: "-------"
            head += 1
        elif _upper(text) or _is_quoc_hieu(text) or _NUMBER_LINE.match(text) or _PLACE_DATE.match(text):
            head += 1
        elif _HEAD_OTHER.match(text) and head:
            head += 1
        else:
            break
    # a body that starts with a list ("- …") belongs to the body, not to "Kính gửi"
    if head < n and not any(p.strip().lower().startswith("kính gửi") for p in paragraphs[:head]):
        while head and paragraphs[head - 1].strip().startswith("- "):
            head -= 1
    tail, signer, position = n, None, None
    # the signature block: position lines in capitals (TM., KT., CHỦ TỊCH), then the name
    k = n - 1
    while k > head and (_SIGNED.match(paragraphs[k].strip()) or not paragraphs[k].strip()):
        k -= 1
    if k > head and _NAME.match(paragraphs[k].strip()):
        titles = k
        while titles > head and (_upper(paragraphs[titles - 1]) or _ON_BEHALF.match(paragraphs[titles - 1].strip())):
            titles -= 1
        if titles < k:
            signer = paragraphs[k].strip()
            position = " ".join(p.strip() for p in paragraphs[titles:k])
            tail = titles
    for i in range(head, tail):
        if _RECIPIENTS.match(paragraphs[i].strip()):
            tail = i
            break
    return Parts(head, tail, signer, position)


# --- the outline: Phần, Chương, Mục, Điều, Khoản of a law; I., 1., a) of other documents ---------

_PART_OF_LAW = re.compile(r"^Phần\s+(thứ\s+\w+|[IVXLC]+|\d+)\b", re.I)
_CHAPTER = re.compile(r"^Chương\s+([IVXLC]+|\d+)\b")
_SUBSECTION = re.compile(r"^Mục\s+(\d+)\b")
_ARTICLE = re.compile(r"^Điều\s+(\d+[a-z]?)\.")
_ROMAN = re.compile(r"^([IVXLC]+)\.\s+\S")
_ITEM = re.compile(r"^(\d{1,3})\.\s+\S")
_POINT = re.compile(r"^([a-zđ])\)\s+\S")
LABEL_CHARS = 90


@dataclass(frozen=True)
class Section:
    """A heading of the outline: the paragraph it opens, its depth, its anchor and what it reads."""

    index: int
    level: int
    anchor: str
    label: str


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS].rsplit(" ", 1)[0] + "…"


def outline(paragraphs: list[str]) -> list[Section]:
    """Every part of the body that a reader may want to jump to, in order, each with an anchor
    made from its numbers ("chuong-ii", "dieu-5", "dieu-5-khoan-2", "muc-ii-3")."""
    law = sum(1 for p in paragraphs if _ARTICLE.match(p.strip())) >= 2
    out: list[Section] = []
    used: set[str] = set()
    chapter = roman = article = item = ""

    def add(index: int, level: int, anchor: str, label: str) -> None:
        base, n = anchor, 2
        while anchor in used:
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        out.append(Section(index, level, anchor, _label(label)))

    for i, raw in enumerate(paragraphs):
        text = raw.strip()
        if m := _PART_OF_LAW.match(text):
            add(i, 1, "phan-" + m[1].lower().replace(" ", "-"), text)
        elif m := _CHAPTER.match(text):
            chapter, article = "chuong-" + m[1].lower(), ""
            title = paragraphs[i + 1].strip() if i + 1 < len(paragraphs) else ""
            named = text if len(text) > 12 or not title.isupper() else f"{text}. {title}"
            add(i, 2, chapter, named)
        elif m := _SUBSECTION.match(text):
            add(i, 3, f"{chapter}-muc-{m[1]}" if chapter else f"muc-{m[1]}", text)
        elif law and (m := _ARTICLE.match(text)):
            article = "dieu-" + m[1].lower()
            add(i, 4, article, text)
        elif not law and (m := _ROMAN.match(text)):
            roman, item = "muc-" + m[1].lower(), ""
            add(i, 2, roman, text)
        elif m := _ITEM.match(text):
            if law and article:
                item = f"{article}-khoan-{m[1]}"
                add(i, 5, item, text)
            elif not law:
                item = f"{roman}-{m[1]}" if roman else f"muc-{m[1]}"
                add(i, 3, item, text)
        elif (m := _POINT.match(text)) and item:
            add(i, 6 if law else 4, f"{item}-{m[1]}", text)
    return out


def section_of(sections: list[Section], index: int, deepest: int = 4) -> Section | None:
    """The part a paragraph belongs to, no deeper than ``deepest`` (an Điều rather than its khoản)."""
    found = None
    for section in sections:
        if section.index > index:
            break
        if section.level <= deepest:
            found = section
    return found
