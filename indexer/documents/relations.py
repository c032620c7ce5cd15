"""Typed relations between documents, read from their text: what a document is based on, implements,
guides, replaces, amends or repeals.

An official document says how it stands to others in set phrases: "Căn cứ Nghị quyết số 45/NQ-LĐLĐ
…" (based on), "Thực hiện Kế hoạch số 15/KH-LĐLĐ …" (implements), a title "Hướng dẫn thực hiện Nghị
quyết 01/NQ-ĐH" (guides), "… thay thế Quyết định số 86/QĐ-LĐLĐ" (replaces), "sửa đổi, bổ sung …"
(amends), "bãi bỏ …" (repeals). A relation is (kind, number, the sentence it came from); only a
cited number makes one ("thực hiện tốt Nghị quyết" names no document), never the document's own.

A clause that opens with "Căn cứ", "Thực hiện" or "Hướng dẫn thực hiện" (a paragraph, or after ";"
or a full stop) cites what follows it: the first number, and others joined to it ("…, Kế hoạch
số …", "và Quyết định số …"), up to the main clause (", Ban Thường vụ …"). "thay thế", "sửa đổi,
bổ sung" and "bãi bỏ" count anywhere in an official document's own sentences, unless passive
("được thay thế bởi" tells of two other documents). Each kind has its label both ways: what this
document does, and what the other document's page says of this one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import asdict, dataclass

from indexer.documents.metadata import find_numbers
from indexer.text.analysis import find_protected
from indexer.text.normalise import fold_accents

# kind -> (what this document does to the cited one, what the cited one's page says of this one)
KINDS: dict[str, tuple[str, str]] = {
    "based_on": ("Căn cứ", "Được làm căn cứ cho"),
    "implements": ("Thực hiện", "Văn bản thực hiện văn bản này"),
    "guides": ("Hướng dẫn", "Văn bản hướng dẫn văn bản này"),
    "replaces": ("Thay thế", "Bị thay thế bởi"),
    "amends": ("Sửa đổi, bổ sung", "Được sửa đổi, bổ sung bởi"),
    "repeals": ("Bãi bỏ", "Bị bãi bỏ bởi"),
}
SENTENCE_CHARS = 300

_TYPE_WORDS = (
    r"(?:Nghị\s+quyết|Kế\s+hoạch|Hướng\s+dẫn|Quyết\s+định|Thông\s+báo|Báo\s+cáo|Chỉ\s+thị|Công\s+văn"
    r"|Chương\s+trình(?:\s+hành\s+động)?|Thông\s+tư(?:\s+liên\s+tịch)?|Nghị\s+định|Bộ\s+luật|Luật|Quy\s+chế"
    r"|Quy\s+định|Kết\s+luận|Điều\s+lệ|Pháp\s+lệnh)"
)
_LIST_MARKER = re.compile(r"^(?:[-+•–]\s+|\d{1,3}[.)]\s+|[a-zđ]\)\s+)")
_OPENING = re.compile(
    r"^(?:(?P<guides>hướng\s+dẫn\s+thực\s+hiện)|(?P<based_on>căn\s+cứ)|(?P<implements>thực\s+hiện))\b", re.I
)
_CHANGE = re.compile(
    r"(?P<passive>\b(?:được|bị)\s+(?:\w+\s+){0,2})?\b"
    r"(?:(?P<replaces>thay\s+thế)|(?P<amends>sửa\s+đổi(?:\s*,\s*|\s+và\s+|\s+)?(?:bổ\s+sung)?)|(?P<repeals>bãi\s+bỏ))\b",
    re.I,
)
_IMPLEMENTS_ANYWHERE = re.compile(r"\bthực\s+hiện\b", re.I)
_ANY_OPENING = re.compile(r"\b(?:căn\s+cứ|thực\s+hiện)\b", re.I)
# a sentence ends at a full stop before a capital; a clause at ";"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ])")
_CLAUSE_END = re.compile(r";\s*")
# where the cited documents end and the sentence's own subject begins: ", Ban Thường vụ …"
_MAIN_CLAUSE = re.compile(r",\s+(?=[A-ZĐÀ-Ỹ])(?!" + _TYPE_WORDS + r"\b)")
# what joins a further number to the first: ", Kế hoạch số …", " và Quyết định số …"
_JOINED = re.compile(
    r"(?:,|\bvà\b|\bhoặc\b|\bcùng\b)\s*(?:các\s+)?" + _TYPE_WORDS + r"(?:\s+\S+){0,3}?\s*(?:số\s*:?\s*)?$", re.I
)
FIRST_WITHIN = 200  # characters after the opening words: a number further on is the main clause's
CITED_WITHIN = 1000  # characters after them where the documents they cite may stand


@dataclass(frozen=True)
class Relation:
    kind: str
    number: str
    sentence: str

    def to_dict(self) -> dict:
        return asdict(self)


def number_key(number: str) -> str:
    """How a number is compared and looked up: folded, lower case, no leading zeros ("02/HD" is "2/hd")."""
    key = fold_accents(number).lower().replace(" ", "")
    stripped = key.lstrip("0")
    return stripped if stripped[:1].isdigit() else key


def _numbers(text: str) -> list[tuple[str, int, int]]:
    """(number, start, end) of every document number written as a code ("15/KH-LĐLĐ", not "3/tháng")."""
    return [
        (value, start, end)
        for kind, value, start, end in find_protected(text)
        if kind == "docnum" and find_numbers(text[start:end])  # written as a code, as metadata counts them
    ]


def _cited(clause: str, after: int, numbers: list[tuple[str, int, int]]) -> list[str]:
    """The numbers a clause's opening words govern: the first after them, and those joined to it.
    ``numbers`` are the clause's (``_numbers``); only CITED_WITHIN characters on are looked at, so a
    long clause with many such words costs no more than its length times a constant."""
    end = min(len(clause), after + CITED_WITHIN)
    main = _MAIN_CLAUSE.search(clause, after, end)
    end = main.start() if main else end
    found: list[str] = []
    previous = None
    for k in range(bisect_left(numbers, after, key=lambda n: n[1]), len(numbers)):
        number, start, stop = numbers[k]
        if start >= end:
            break
        if previous is None:
            if start - after > FIRST_WITHIN:
                break
        elif not _JOINED.search(clause[previous:start]):
            break
        found.append(number)
        previous = stop
    return found


def _sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


def _short(sentence: str) -> str:
    return sentence if len(sentence) <= SENTENCE_CHARS else sentence[:SENTENCE_CHARS].rsplit(" ", 1)[0] + "…"


def _from_clause(clause: str, official: bool, title: bool = False) -> list[tuple[str, str]]:
    """(kind, number) pairs of one clause."""
    text = _LIST_MARKER.sub("", clause)
    opening = _OPENING.match(text)
    if not opening and not official:
        return []
    numbers = _numbers(text)
    if opening:
        return [(opening.lastgroup, n) for n in _cited(text, opening.end(), numbers)]
    out: list[tuple[str, str]] = []
    if title and (m := _IMPLEMENTS_ANYWHERE.search(text)):
        kind = "guides" if re.match(r"hướng\s+dẫn\b", text, re.I) else "implements"
        out += [(kind, n) for n in _cited(text, m.end(), numbers)]
    for m in _CHANGE.finditer(text):
        if not m.group("passive"):
            kind = next(k for k in ("replaces", "amends", "repeals") if m.group(k))
            out += [(kind, n) for n in _cited(text, m.end(), numbers)]
    return out


def find_relations(title: str, paragraphs: list[str], own: str | None = None, official: bool = True) -> list[Relation]:
    """The typed relations of a document, in order of first mention, one per kind and number;
    never its own number. ``official`` is False for news: only "Căn cứ …"/"Thực hiện …" openings count."""
    own_key = number_key(own) if own else None
    seen: dict[tuple[str, str], Relation] = {}

    def add(pairs: list[tuple[str, str]], sentence: str) -> None:
        for kind, number in pairs:
            key = (kind, number_key(number))
            if key[1] != own_key and key not in seen:
                seen[key] = Relation(kind, number, _short(sentence))

    if title:
        add(_from_clause(title, official, title=True), title)
    for paragraph in paragraphs:
        if not _ANY_OPENING.search(paragraph) and not (official and _CHANGE.search(paragraph)):
            continue  # most paragraphs cite nothing: no need to split them
        for sentence in _sentences(paragraph):
            for clause in _CLAUSE_END.split(sentence):
                add(_from_clause(clause.strip(), official), sentence)
    return list(seen.values())
