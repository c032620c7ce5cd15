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

_QUOC_HIEU = re.compile(
    r"CỘNG\s+HÒA\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|Độc\s+lập\s*-\s*Tự\s+do\s*-\s*Hạnh\s+phúc", re.I
)
_NUMBER_LINE = re.compile(r"^(?:(?:Bộ\s+)?luật\s+|Nghị\s+quyết\s+|Nghị\s+định\s+)?Số\s*:?\s*\d{1,5}\s*/", re.I)
_PLACE_DATE = re.compile(r"^[^\d,]{2,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}\s*$", re.I)
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


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def _is_quoc_hieu(text: str) -> bool:
    """The quốc hiệu and tiêu ngữ, alone on their line (not cited in a "Căn cứ Hiến pháp …" line)."""
    return bool(_QUOC_HIEU.search(text)) and not any(c.isalpha() for c in _QUOC_HIEU.sub("", text))


def is_official(paragraphs: list[str]) -> bool:
    opening = paragraphs[:HEAD_LIMIT]
    return any(_is_quoc_hieu(p) for p in opening) and any(_NUMBER_LINE.match(p.strip()) for p in opening)


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


def body_text(text: str) -> str:
    """The body of a document's text: without letterhead, nơi nhận and signature when it has them."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    found = parts(paragraphs)
    if found.head == 0 and found.tail == len(paragraphs):
        return text
    return "\n".join(found.body(paragraphs))
