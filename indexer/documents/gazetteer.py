"""The union system as a gazetteer: which unit a text names, and the units' hierarchy.

Two data files describe it. ``units.yaml`` is the whole country: the Tổng Liên đoàn and its
boards, the national industry and corporation unions, every provincial federation before and
after the 2025 merger. ``provinces/<slug>.yaml`` is one federation's own province (the
``province`` setting): its district federations, sector and zone unions, and the *generic*
phrases ("LĐLĐ tỉnh", "Công đoàn tỉnh", the code "LĐLĐ" in "15/KH-LĐLĐ") that name a unit
only by its level. A generic phrase means the configured province's unit only in the
federation's own documents or in a text that names the province; everywhere else the unit is
the one a text names in full, or none.

Matching is on folded text (no accents, lower case), whole words, longest alias first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import yaml

from indexer.text.normalise import fold_accents, folded, normalise

DEFAULT_PROVINCE = "Lạng Sơn"
# what generic phrases mean in a province that has no file of its own
_DEFAULT_GENERIC = ("Liên đoàn Lao động tỉnh", "LĐLĐ tỉnh", "Công đoàn tỉnh", "Liên đoàn Lao động thành phố")
_DEFAULT_CODES = ("LĐLĐ",)


class GazetteerError(ValueError):
    """A gazetteer file that cannot be used; the message says what and where, in Vietnamese."""


def slugify(text: str) -> str:
    """'LĐLĐ tỉnh Lạng Sơn' -> 'ldld-tinh-lang-son'."""
    return re.sub(r"[^a-z0-9]+", "-", folded(text)).strip("-")


_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"})


def _fold(text: str) -> str:
    """Folded for matching: one character for each character of the NFC text, so offsets line up."""
    return folded(normalise(text)).translate(_DASHES)


def _code_key(code: str) -> str:
    return fold_accents(normalise(code)).upper()


@dataclass(frozen=True)
class Unit:
    name: str
    slug: str
    kind: str = ""
    parent: str | None = None
    province: str | None = None
    aliases: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # how a text names the province itself (province units only)
    start: date | None = None
    until: date | None = None  # the last day it existed
    merged_into: str | None = None

    @property
    def former(self) -> bool:
        return self.until is not None and self.until < date.today()


@dataclass(frozen=True)
class Generic:
    """Phrases and number codes that name ``unit`` by its level only."""

    unit: str
    phrases: tuple[str, ...]
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    unit: Unit
    start: int
    generic: bool
    cited: bool = False  # "… của Tổng Liên đoàn", "tại LĐLĐ tỉnh": whose plan, or where, not who acts


# a union's name inside an institution's: "khách sạn Công đoàn Hà Tĩnh", "Đại học Công đoàn"
_INSIDE_NAME = re.compile(r"(?:khach san|nha khach|dai hoc|cao dang|truong|benh vien|nha van hoa)\s*$")
_CITED = re.compile(r"(?:cua|theo|tai)\s*$")


def _pattern(keys: list[str]) -> re.Pattern | None:
    if not keys:
        return None
    alternatives = sorted(set(keys), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)")


@dataclass(frozen=True, eq=False)
class Gazetteer:
    units: tuple[Unit, ...]
    province: str | None = None
    own_unit: str | None = None
    generic: tuple[Generic, ...] = ()
    sites: tuple[str, ...] = ()  # the federation's own web hosts
    by_name: dict[str, Unit] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {u.name: u for u in self.units})

    # --- lookups ----------------------------------------------------------------------------

    def unit(self, name: str | None) -> Unit | None:
        return self.by_name.get(name) if name else None

    @cached_property
    def _keys(self) -> dict[str, Unit]:
        keys: dict[str, Unit] = {}
        for unit in self.units:
            for key in (unit.slug, _fold(unit.name), *(_fold(a) for a in unit.aliases)):
                keys.setdefault(key, unit)
        for unit in self.units:
            for code in unit.codes:
                keys.setdefault(_fold(code), unit)
        for gen in self.generic:
            unit = self.by_name[gen.unit]
            for key in (*gen.phrases, *gen.codes):
                keys.setdefault(_fold(key), unit)
        return keys

    def resolve(self, value: str) -> Unit | None:
        """A unit from its name, slug, alias or code as a person types it (staff, front matter:
        the federation's own people, so a generic phrase means their own unit)."""
        return self._keys.get(_fold(value).strip())

    # --- what a text names ------------------------------------------------------------------

    @cached_property
    def _specific(self) -> tuple[re.Pattern | None, dict[str, Unit]]:
        generic = {_fold(p) for gen in self.generic for p in gen.phrases}
        by_alias: dict[str, Unit] = {}
        for unit in self.units:
            for alias in (unit.name, *unit.aliases):
                key = _fold(alias)
                if key not in generic:  # "Công đoàn Viên chức tỉnh" names a unit by its level only
                    by_alias.setdefault(key, unit)
        return _pattern(list(by_alias)), by_alias

    @cached_property
    def _generic(self) -> tuple[re.Pattern | None, dict[str, Unit]]:
        by_phrase: dict[str, Unit] = {}
        for gen in self.generic:
            for phrase in gen.phrases:
                by_phrase.setdefault(_fold(phrase), self.by_name[gen.unit])
        return _pattern(list(by_phrase)), by_phrase

    def mentions(self, text: str, generic: bool) -> list[Mention]:
        """Units a text names, each once, in order of first mention. Generic phrases count
        only when ``generic``; a generic phrase inside a full name ("LĐLĐ tỉnh" of "LĐLĐ tỉnh
        Bắc Giang") is that name, never the generic unit."""
        low = _fold(text)
        found: dict[str, Mention] = {}
        taken: list[tuple[int, int]] = []
        pattern, by_alias = self._specific
        if pattern:
            for m in pattern.finditer(low):
                taken.append(m.span())
                before = low[max(0, m.start() - 24) : m.start()]
                if _INSIDE_NAME.search(before):
                    continue
                unit = by_alias[m.group(1)]
                found.setdefault(unit.name, Mention(unit, m.start(), False, bool(_CITED.search(before))))
        pattern, by_phrase = self._generic
        places, _ = self._places
        if generic and pattern:
            for m in pattern.finditer(low):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                after = len(low) - len(low[m.end() :].lstrip())
                if places and places.match(low, after):  # "LĐLĐ thành phố Thái Nguyên": another place's unit
                    continue
                before = low[max(0, m.start() - 24) : m.start()]
                if _INSIDE_NAME.search(before):
                    continue
                unit = by_phrase[m.group(1)]
                if unit.name not in found or found[unit.name].start > m.start():
                    found[unit.name] = Mention(unit, m.start(), True, bool(_CITED.search(before)))
        return sorted(found.values(), key=lambda mention: mention.start)

    @cached_property
    def _codes(self) -> tuple[dict[str, Unit], dict[str, Unit]]:
        """Issuer codes that name one unit nationwide, and the generic ones of this province."""
        specific: dict[str, Unit] = {}
        for unit in self.units:
            for code in unit.codes:
                specific.setdefault(_code_key(code), unit)
        generic: dict[str, Unit] = {}
        for gen in self.generic:
            for code in gen.codes:
                generic.setdefault(_code_key(code), self.by_name[gen.unit])
        return specific, generic

    def from_code(self, code: str, generic: bool) -> Unit | None:
        """The unit an issuer code names ("TLĐ"), generic codes ("LĐLĐ") only when ``generic``."""
        specific, generic_codes = self._codes
        key = _code_key(code)
        return specific.get(key) or (generic_codes.get(key) if generic else None)

    @cached_property
    def _places(self) -> tuple[re.Pattern | None, dict[str, str]]:
        by_place: dict[str, str] = {}
        for unit in self.units:
            if unit.kind == "province" and unit.province:
                for place in (unit.province, *unit.places):
                    by_place.setdefault(_fold(place), unit.province)
        return _pattern(list(by_place)), by_place

    def provinces_named(self, text: str) -> list[str]:
        """Provinces a text names as places ("Lạng Sơn", "TP.HCM"), in order of first mention."""
        pattern, by_place = self._places
        if not pattern:
            return []
        seen: dict[str, None] = {}
        for m in pattern.finditer(_fold(text)):
            seen.setdefault(by_place[m.group(1)], None)
        return list(seen)

    def names_own_province(self, text: str) -> bool:
        return bool(self.province) and self.province in self.provinces_named(text)

    def province_unit(self, province: str, on: date | None = None) -> Unit | None:
        """The federation of a province (the one that existed on ``on``, when given)."""
        for unit in self.units:
            if unit.kind == "province" and unit.province == province:
                if on is None or unit.until is None or on <= unit.until:
                    return unit
        return None

    # --- hierarchy --------------------------------------------------------------------------

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for unit in self.units:
            if unit.parent:
                children.setdefault(unit.parent, []).append(unit.name)
        return children

    @cached_property
    def _facet_parents(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for unit in self.units:
            parent = self.unit(unit.parent)
            national = parent is not None and parent.kind == "national" and unit.kind != "board"
            out[unit.name] = None if national else unit.parent
        return out

    def facet_parent(self, name: str) -> str | None:
        """The parent a facet nests a unit under. Provinces and national unions are roots: the
        Tổng Liên đoàn holds only its own boards, or everything would sit under it."""
        return self._facet_parents.get(name)

    def facet_children(self, name: str) -> list[str]:
        return [c for c in self._children.get(name, []) if self.facet_parent(c) == name]

    def within(self, name: str) -> list[str]:
        """A unit and every unit under it in the facet, the unit first."""
        out, todo = [], [name]
        while todo:
            current = todo.pop(0)
            out.append(current)
            todo.extend(self.facet_children(current))
        return out

    def label(self, name: str) -> str:
        """The name as a facet shows it; a former unit with its last day."""
        unit = self.unit(name)
        if unit is None or not unit.former:
            return name
        return f"{name} (đến {unit.until.day:02d}/{unit.until.month:02d}/{unit.until.year})"


# --- loading --------------------------------------------------------------------------------


def _as_date(value, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise GazetteerError(f"{where}: ngày “{value}” không hợp lệ (viết YYYY-MM-DD).") from None


def _units(raw, where: str) -> list[Unit]:
    if not isinstance(raw, list):
        raise GazetteerError(f"{where}: cần một danh sách đơn vị.")
    units = []
    for n, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise GazetteerError(f"{where}: mục thứ {n} thiếu tên đơn vị (name).")
        name = normalise(str(entry["name"])).strip()
        units.append(
            Unit(
                name=name,
                slug=slugify(name),
                kind=str(entry.get("kind") or ""),
                parent=normalise(str(entry["parent"])).strip() if entry.get("parent") else None,
                province=normalise(str(entry["province"])).strip() if entry.get("province") else None,
                aliases=tuple(normalise(str(a)).strip() for a in entry.get("aliases") or ()),
                codes=tuple(normalise(str(c)).strip() for c in entry.get("codes") or ()),
                places=tuple(normalise(str(p)).strip() for p in entry.get("places") or ()),
                start=_as_date(entry.get("from"), f"{where}: {name}"),
                until=_as_date(entry.get("until"), f"{where}: {name}"),
                merged_into=normalise(str(entry["merged_into"])).strip() if entry.get("merged_into") else None,
            )
        )
    return units


def _read_yaml(path: Path | None, packaged: str):
    try:
        if path is not None:
            return yaml.safe_load(Path(path).read_text("utf-8"))
        return yaml.safe_load(resources.files("indexer.documents").joinpath(packaged).read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise GazetteerError(f"{path or packaged}: không đọc được YAML ({exc.__class__.__name__}).") from None


def province_file(province: str) -> str:
    return f"provinces/{slugify(province)}.yaml"


def _packaged(name: str) -> bool:
    return resources.files("indexer.documents").joinpath(name).is_file()


@lru_cache(maxsize=8)
def load_gazetteer(province: str | None = DEFAULT_PROVINCE, units_path: str | None = None) -> Gazetteer:
    """The country's units plus ``province``'s own (its file in ``provinces/``, if there is one).

    ``units_path``: a staff-edited copy of ``units.yaml`` instead of the packaged one.
    """
    units = _units(_read_yaml(Path(units_path) if units_path else None, "units.yaml"), units_path or "units.yaml")
    own_unit, generic, sites = None, [], []
    if province:
        key = slugify(province)
        named = [u.province for u in units if u.kind == "province" and u.province and slugify(u.province) == key]
        province = named[0] if named else normalise(province).strip()
        name = province_file(province)
        if _packaged(name):
            raw = _read_yaml(None, name) or {}
            province = normalise(str(raw.get("province") or province)).strip()
            units += _units(raw.get("units") or [], name)
            own_unit = raw.get("own_unit")
            sites = [str(s).strip().lower() for s in raw.get("sites") or ()]
            for gen in raw.get("generic") or ():
                generic.append(
                    Generic(
                        normalise(str(gen["unit"])).strip(),
                        tuple(normalise(str(p)).strip() for p in gen.get("phrases") or ()),
                        tuple(normalise(str(c)).strip() for c in gen.get("codes") or ()),
                    )
                )
        gazetteer = Gazetteer(tuple(units), province, sites=tuple(sites))
        own = normalise(str(own_unit)).strip() if own_unit else None
        found = gazetteer.unit(own) if own else gazetteer.province_unit(province)
        if found is None:
            raise GazetteerError(f"Không tìm thấy Liên đoàn Lao động của tỉnh “{province}” trong danh mục đơn vị.")
        generic = generic or [Generic(found.name, _DEFAULT_GENERIC, _DEFAULT_CODES)]
        gazetteer = replace(gazetteer, own_unit=found.name, generic=tuple(generic))
    else:
        gazetteer = Gazetteer(tuple(units))
    _check(gazetteer)
    return gazetteer


def _check(gazetteer: Gazetteer) -> None:
    seen: set[str] = set()
    for unit in gazetteer.units:
        if unit.name in seen:
            raise GazetteerError(f"Đơn vị “{unit.name}” có hai lần trong danh mục.")
        seen.add(unit.name)
    for unit in gazetteer.units:
        for ref in (unit.parent, unit.merged_into):
            if ref and ref not in seen:
                raise GazetteerError(f"Đơn vị “{unit.name}” trỏ tới “{ref}”, không có trong danh mục.")
    for gen in gazetteer.generic:
        if gen.unit not in seen:
            raise GazetteerError(f"Cụm từ chung trỏ tới “{gen.unit}”, không có trong danh mục.")


_configured: dict[str, Gazetteer] = {}


def configure(province: str | None) -> Gazetteer:
    """Make ``province``'s gazetteer the one used when none is passed (the ``province`` setting)."""
    _configured["current"] = load_gazetteer(province)
    return _configured["current"]


def current() -> Gazetteer:
    """The configured gazetteer (the default province until ``configure`` is called)."""
    if "current" not in _configured:
        _configured["current"] = load_gazetteer(DEFAULT_PROVINCE)
    return _configured["current"]
