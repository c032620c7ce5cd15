"""Metadata found in the text of an article: date, document type, union unit, numbers, term, congress.

Pure functions over normalised text. Front matter wins where a document has it; these fill
the gaps for scraped pages, attachments and bulk loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

import yaml

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
_DATED_CLAUSE = re.compile(
    r"(?:^|(?<=[.;:!?]\s)|(?<=\n))\s*(?:(?:Sáng|Chiều|Tối|Trưa|Đêm)\s+)?(?:ngày|Ngày|hôm nay)\s+",
    re.IGNORECASE,
)
_ISSUED_DATE = re.compile(r"[\w ]{0,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_OWN_NUMBER = re.compile(r"^\s*Số\s*:?\s*(.+)$", re.IGNORECASE | re.MULTILINE)
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


def find_issued_date(text: str) -> date | None:
    """The place-and-date line of an official document: "Lạng Sơn, ngày 21 tháng 3 năm 2017"."""
    m = _ISSUED_DATE.search(text[:1500])
    return make_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def find_event_date(text: str) -> tuple[date, int] | None:
    """The date of the first clause that opens with one, else the first date in the text.

    Returns the date and where its clause starts, so a caller can take that sentence as a title.
    """
    for m in _DATED_CLAUSE.finditer(text):
        found = _first_date(text[m.end() : m.end() + 40])
        if found and found[1] == 0:
            return found[0], m.start()
    found = _first_date(text)
    return (found[0], 0) if found else None


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


def detect_type(title: str, own_number: str | None = None) -> str:
    """Document type from the document's own number code, then from how its title opens."""
    if own_number:
        code = fold_accents(number_code(own_number)).upper()
        for doc_type, (_openings, codes) in DOC_TYPES.items():
            if code in {fold_accents(c).upper() for c in codes}:
                return doc_type
    head = folded(title).strip()
    for doc_type, (openings, _codes) in DOC_TYPES.items():
        if any(head.startswith(folded(o)) for o in openings):
            return doc_type
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


@dataclass(frozen=True)
class Unit:
    name: str
    slug: str
    aliases: tuple[str, ...]
    codes: tuple[str, ...]


def slugify(text: str) -> str:
    """'LĐLĐ tỉnh Lạng Sơn' -> 'ldld-tinh-lang-son'."""
    return re.sub(r"[^a-z0-9]+", "-", folded(text)).strip("-")


@lru_cache(maxsize=8)
def load_units(path: str | None = None) -> tuple[Unit, ...]:
    """The gazetteer: packaged ``units.yaml`` or a staff-edited file at ``path``."""
    if path:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    else:
        raw = yaml.safe_load(resources.files("indexer.documents").joinpath("units.yaml").read_text("utf-8"))
    units = []
    for entry in raw or []:
        name = normalise(entry["name"])
        aliases = tuple(normalise(a) for a in entry.get("aliases", [])) + (name,)
        codes = tuple(normalise(c) for c in entry.get("codes", []))
        units.append(Unit(name, slugify(name), aliases, codes))
    return tuple(units)


@lru_cache(maxsize=8)
def _alias_pattern(units: tuple[Unit, ...]) -> tuple[re.Pattern, dict[str, Unit]]:
    by_alias: dict[str, Unit] = {}
    for unit in units:
        for alias in unit.aliases:
            by_alias.setdefault(folded(alias), unit)
    alternatives = sorted(by_alias, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)")
    return pattern, by_alias


def units_mentioned(text: str, units: tuple[Unit, ...] | None = None) -> list[Unit]:
    """Units named in the text, in order of mention (accent- and case-insensitive)."""
    units = units or load_units()
    pattern, by_alias = _alias_pattern(units)
    # folding keeps one character per character of NFC text, so offsets line up
    found: dict[str, Unit] = {}
    for m in pattern.finditer(folded(text)):
        unit = by_alias[m.group(1)]
        found.setdefault(unit.name, unit)
    return list(found.values())


@lru_cache(maxsize=8)
def _unit_keys(units: tuple[Unit, ...]) -> dict[str, Unit]:
    keys: dict[str, Unit] = {}
    for unit in units:
        for key in (unit.slug, *(folded(a) for a in unit.aliases), *(folded(c) for c in unit.codes)):
            keys.setdefault(key, unit)
    return keys


def resolve_unit(value: str, units: tuple[Unit, ...] | None = None) -> Unit | None:
    """A unit from its name, slug, alias or issuer code, as typed by a person."""
    return _unit_keys(units or load_units()).get(folded(value).strip())


def unit_from_number(number: str, units: tuple[Unit, ...] | None = None) -> Unit | None:
    issuer = number_issuer(number)
    if not issuer:
        return None
    units = units or load_units()
    for unit in units:
        if fold_accents(issuer).upper() in {fold_accents(c).upper() for c in unit.codes}:
            return unit
    return None


def resolve_type(value: str) -> str | None:
    """A document type from its name, slug or number code ("NQ", "nghi-quyet", "Nghị quyết")."""
    key = folded(value).strip().replace("-", " ")
    for doc_type, (_openings, codes) in [*DOC_TYPES.items(), (NEWS, ((), ()))]:
        if key == folded(doc_type) or key in {folded(c) for c in codes}:
            return doc_type
    return None
