"""Checks of the gazetteer data alone: indexer/documents/units.yaml and provinces/*.yaml.

Plain YAML, no project code: these pass or fail on the data that staff edit.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parent.parent / "indexer" / "documents"
NATIONAL = DATA / "units.yaml"
PROVINCE_FILES = sorted((DATA / "provinces").glob("*.yaml"))

TLD = "Tổng Liên đoàn Lao động Việt Nam"
KINDS = {"national", "board", "industry", "corporation", "province", "district", "sector", "zone", "grassroots"}
KEYS = {"name", "kind", "parent", "province", "places", "aliases", "codes", "from", "until", "merged_into"}
MERGER_DAY = dt.date(2025, 7, 1)

# Phrases that name a unit only by its level: never an alias (they go in a province file's `generic`).
GENERIC = [
    "Liên đoàn Lao động",
    "LĐLĐ",
    "Công đoàn",
    "Liên đoàn Lao động tỉnh",
    "LĐLĐ tỉnh",
    "Công đoàn tỉnh",
    "Liên đoàn Lao động thành phố",
    "LĐLĐ thành phố",
    "LĐLĐ TP",
    "LĐLĐ TP.",
    "Công đoàn thành phố",
    "Liên đoàn Lao động huyện",
    "LĐLĐ huyện",
    "Công đoàn huyện",
    "Liên đoàn Lao động quận",
    "LĐLĐ quận",
    "LĐLĐ thị xã",
    "Công đoàn cơ sở",
    "CĐCS",
    "Công đoàn cấp trên cơ sở",
    "Công đoàn cấp trên trực tiếp cơ sở",
    "Công đoàn ngành",
    "CĐN",
    "Công đoàn ngành Trung ương",
    "Công đoàn tổng công ty",
    "Công đoàn ngành Giáo dục",
    "Công đoàn Giáo dục",
    "Công đoàn Giáo dục tỉnh",
    "CĐGD",
    "Công đoàn ngành Y tế",
    "Công đoàn Y tế",
    "Công đoàn Y tế tỉnh",
    "CĐYT",
    "Công đoàn Viên chức",
    "Công đoàn Viên chức tỉnh",
    "CĐVC",
    "CĐVC tỉnh",
    "Công đoàn Khu kinh tế",
    "Công đoàn Khu kinh tế cửa khẩu",
    "Công đoàn KKT",
    "Công đoàn Khu công nghiệp",
    "Công đoàn các Khu công nghiệp",
    "Công đoàn KCN",
    "Ban Chấp hành",
    "Ban Thường vụ",
    "Ủy ban Kiểm tra",
    "UBKT",
    "Văn phòng",
    "Ban Tổ chức",
    "Ban Tuyên giáo",
    "Ban Nữ công",
    "Ban Chính sách - Pháp luật",
    "Ban Tài chính",
    "Ban Thường vụ Liên đoàn Lao động tỉnh",
]
GENERIC_CODES = {"LĐLĐ", "LĐLĐTP", "CĐCS", "CĐN", "BTV", "BCH", "UBKT", "ĐH", "CĐVC", "CĐGD", "CĐYT"}
# Place names that are also common words or parts of other names once accents and case are dropped
AMBIGUOUS_PLACES = ["Huế", "Hòa Bình", "Thái Bình", "Bình Dương", "Điện Biên", "Hồ Chí Minh", "Thủ đô"]


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form, as matching sees it."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("đ", "d").replace("Đ", "D").lower().split())


def load(path: Path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def existed(unit: dict, day: dt.date) -> bool:
    start, end = as_date(unit.get("from")), as_date(unit.get("until"))
    return (start is None or start <= day) and (end is None or day <= end)


NATIONAL_UNITS: list[dict] = load(NATIONAL)
PROVINCES = {path.name: load(path) for path in PROVINCE_FILES}


def all_units() -> list[tuple[str, dict]]:
    return [("units.yaml", u) for u in NATIONAL_UNITS] + [
        (f"provinces/{name}", u) for name, data in PROVINCES.items() for u in data.get("units", [])
    ]


def by_name() -> dict[str, dict]:
    return {u["name"]: u for _src, u in all_units()}


def generic_phrases() -> set[str]:
    phrases = {fold(p) for p in GENERIC}
    for data in PROVINCES.values():
        for entry in data.get("generic", []):
            phrases |= {fold(p) for p in entry.get("phrases", [])}
    return phrases


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def test_files_exist_and_the_sample_province_is_there():
    assert NATIONAL_UNITS and isinstance(NATIONAL_UNITS, list)
    assert "lang-son.yaml" in PROVINCES


@pytest.mark.parametrize("path", [NATIONAL, *PROVINCE_FILES], ids=lambda p: p.name)
def test_text_is_nfc(path):
    text = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)


def test_keys_and_kinds():
    for src, unit in all_units():
        assert set(unit) <= KEYS, (src, unit["name"], set(unit) - KEYS)
        assert unit["kind"] in KINDS, (src, unit["name"])
        for key in ("aliases", "codes", "places"):
            assert isinstance(unit.get(key, []), list), (unit["name"], key)
        for key in ("from", "until"):
            if key in unit:
                as_date(unit[key])


def test_names_unique():
    names = [u["name"] for _src, u in all_units()]
    assert len(names) == len(set(names))
    folded = [fold(n) for n in names]
    assert len(folded) == len(set(folded))


def test_one_national_unit_and_every_other_unit_has_an_existing_parent():
    units = by_name()
    national = [u for u in units.values() if u["kind"] == "national"]
    assert [u["name"] for u in national] == [TLD]
    assert "parent" not in units[TLD]
    for name, unit in units.items():
        if name == TLD:
            continue
        assert unit.get("parent") in units, name
        assert unit["parent"] != name


def test_hierarchy_has_no_cycles():
    units = by_name()
    for name in units:
        seen, current = set(), name
        while current != TLD:
            assert current not in seen, name
            seen.add(current)
            current = units[current]["parent"]


def test_merged_into_exists_and_is_later():
    units = by_name()
    for name, unit in units.items():
        if "merged_into" in unit:
            target = units.get(unit["merged_into"])
            assert target is not None, name
            assert "until" in unit, name
            assert target.get("until") is None or as_date(target["until"]) > as_date(unit["until"]), name


def test_top_level_parents():
    units = by_name()
    for name, unit in units.items():
        if unit["kind"] in {"board", "industry", "corporation", "province"}:
            assert unit["parent"] == TLD, name
        if unit["kind"] in {"district", "sector", "zone", "grassroots"}:
            assert units[unit["parent"]]["kind"] in {"province", "district", "sector", "zone"}, name
        if unit["kind"] in {"province", "district", "sector", "zone", "grassroots"}:
            assert unit.get("province"), name
        if unit["kind"] == "province":
            assert unit.get("places"), name
        else:
            assert "places" not in unit, name


def provincial():
    return [u for u in NATIONAL_UNITS if u["kind"] == "province"]


def test_34_provincial_federations_now():
    current = [u for u in provincial() if "until" not in u]
    assert len(current) == 34
    assert all(existed(u, MERGER_DAY) for u in current)
    assert len([u for u in provincial() if existed(u, MERGER_DAY)]) == 34


@pytest.mark.parametrize("day", ["2016-01-01", "2020-06-01", "2024-12-31", "2025-01-01", "2025-06-30"])
def test_63_provincial_federations_before_the_merger(day):
    alive = [u for u in provincial() if existed(u, dt.date.fromisoformat(day))]
    assert len(alive) == 63
    assert len({u["province"] for u in alive}) == 63


def test_hue_became_a_city_on_1_january_2025():
    units = by_name()
    old, new = units["LĐLĐ tỉnh Thừa Thiên Huế"], units["LĐLĐ thành phố Huế"]
    assert as_date(old["until"]) == dt.date(2024, 12, 31) and old["merged_into"] == new["name"]
    assert as_date(new["from"]) == dt.date(2025, 1, 1) and "until" not in new


def test_absorbed_provinces_merged_into_a_current_one():
    units = by_name()
    absorbed = [u for u in provincial() if as_date(u.get("until")) == dt.date(2025, 6, 30)]
    assert len(absorbed) == 29  # 63 - 34
    for unit in absorbed:
        target = units[unit["merged_into"]]
        assert target["kind"] == "province" and "until" not in target, unit["name"]
    survivors = {u["merged_into"] for u in absorbed}
    assert len(survivors) == 19 + 4  # 19 provinces and 4 cities took others in
    unchanged = [u for u in provincial() if "until" not in u and u["name"] not in survivors]
    assert len(unchanged) == 11


def test_city_and_province_naming():
    cities = {"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"}
    for unit in provincial():
        expected = "thành phố" if unit["province"] in cities else "tỉnh"
        assert unit["name"] == f"LĐLĐ {expected} {unit['province']}"


def test_order_national_boards_industry_corporations_then_provinces_alphabetically():
    order = ["national", "board", "industry", "corporation", "province"]
    ranks = [order.index(u["kind"]) for u in NATIONAL_UNITS]
    assert ranks == sorted(ranks)
    provinces = [fold(u["province"]) for u in provincial()]
    assert provinces == sorted(provinces)


def test_no_alias_is_generic():
    generic = generic_phrases()
    for src, unit in all_units():
        for alias in unit.get("aliases", []):
            assert fold(alias) not in generic, (src, unit["name"], alias)
    for unit in NATIONAL_UNITS:
        assert fold(unit["name"]) not in generic, unit["name"]


def test_province_file_names_that_are_generic_are_listed_as_generic():
    for fname, data in PROVINCES.items():
        listed = {fold(p) for e in data.get("generic", []) for p in e.get("phrases", [])}
        for unit in data.get("units", []):
            if fold(unit["name"]) in {fold(p) for p in GENERIC}:
                assert fold(unit["name"]) in listed, (fname, unit["name"])


def test_no_alias_or_name_shared_by_two_units():
    owner: dict[str, str] = {}
    for _src, unit in all_units():
        for text in {fold(a) for a in [unit["name"], *unit.get("aliases", [])]}:
            assert owner.setdefault(text, unit["name"]) == unit["name"], (text, owner[text], unit["name"])


def test_no_alias_is_a_word_prefix_of_another_units_name():
    units = list(by_name().values())
    for unit in units:
        for alias in unit.get("aliases", []):
            a = fold(alias)
            for other in units:
                if other is unit:
                    continue
                n = fold(other["name"])
                assert not (n.startswith(a + " ")), (alias, other["name"])


def capitalised_runs(name: str) -> list[str]:
    """Runs of two or more capitalised words in a unit's name: its place names ("Bắc Sơn", "Đồng Đăng")."""
    runs, current = [], []
    for word in name.split():  # a dash between words is a word of its own and ends a run
        if word[:1].isupper() and not word.isupper():
            current.append(word)
        else:
            if len(current) >= 2:
                runs.append(" ".join(current))
            current = []
    if len(current) >= 2:
        runs.append(" ".join(current))
    return runs


def test_provincial_aliases_name_their_place():
    capital_aliases = {"Công đoàn Thủ đô", "LĐLĐ Thủ đô", "Liên đoàn Lao động Thủ đô"}  # Hà Nội
    for src, unit in all_units():
        if unit["kind"] in {"national", "board", "industry", "corporation"}:
            continue
        marks = {fold(unit["province"])} | {fold(r) for r in capitalised_runs(unit["name"])}
        for place in unit.get("places", []):
            marks.add(fold(re.sub(r"^(tỉnh|thành phố|TP\.?)\s*", "", place, flags=re.I)))
        for alias in unit.get("aliases", []):
            if alias in capital_aliases:
                continue
            assert any(m in fold(alias) for m in marks), (src, unit["name"], alias)


def test_places_unique_and_unambiguous():
    owner: dict[str, str] = {}
    ambiguous = {fold(p) for p in AMBIGUOUS_PLACES}
    for unit in provincial():
        for place in unit["places"]:
            f = fold(place)
            assert f not in ambiguous, (unit["name"], place)
            assert owner.setdefault(f, unit["name"]) == unit["name"], (place, owner[f], unit["name"])


def test_codes_are_unique_and_not_generic_nationally():
    owner: dict[str, str] = {}
    for unit in NATIONAL_UNITS:
        for code in unit.get("codes", []):
            assert code not in GENERIC_CODES, (unit["name"], code)
            assert owner.setdefault(fold(code), unit["name"]) == unit["name"], code
    assert by_name()[TLD]["codes"] == ["TLĐ"]


@pytest.mark.parametrize("fname", sorted(PROVINCES))
def test_province_file(fname):
    data = PROVINCES[fname]
    units = by_name()
    own = units[data["own_unit"]]
    assert own["kind"] == "province" and own["province"] == data["province"]
    assert "until" not in own
    for entry in data["generic"]:
        assert entry["unit"] in units, entry["unit"]
        assert entry.get("phrases") or entry.get("codes"), entry["unit"]
    codes = [fold(c) for e in data["generic"] for c in e.get("codes", [])]
    assert len(codes) == len(set(codes))
    phrases = [fold(p) for e in data["generic"] for p in e.get("phrases", [])]
    assert len(phrases) == len(set(phrases))
    for unit in data["units"]:
        assert unit["kind"] not in {"national", "board", "industry", "corporation", "province"}, unit["name"]
        assert unit["province"] == data["province"], unit["name"]
        if unit["kind"] == "district":
            # district-level federations were dissolved from 1 July 2025
            assert as_date(unit["until"]) == dt.date(2025, 6, 30), unit["name"]
            assert unit["parent"] == data["own_unit"], unit["name"]


def test_lang_son_units_keep_their_names():
    data = PROVINCES["lang-son.yaml"]
    assert data["province"] == "Lạng Sơn" and data["own_unit"] == "LĐLĐ tỉnh Lạng Sơn"
    names = {u["name"]: u for u in data["units"]}
    districts = ["LĐLĐ thành phố Lạng Sơn"] + [
        f"LĐLĐ huyện {d}"
        for d in (
            "Bắc Sơn",
            "Bình Gia",
            "Cao Lộc",
            "Chi Lăng",
            "Đình Lập",
            "Hữu Lũng",
            "Lộc Bình",
            "Tràng Định",
            "Văn Lãng",
            "Văn Quan",
        )
    ]
    for name in districts:
        assert names[name]["kind"] == "district"
    expected = {
        "Công đoàn Viên chức tỉnh": "sector",
        "Công đoàn ngành Giáo dục": "sector",
        "Công đoàn ngành Y tế": "sector",
        "Công đoàn Khu kinh tế cửa khẩu Đồng Đăng – Lạng Sơn": "zone",
        "Công đoàn cơ sở": "grassroots",
    }
    for name, kind in expected.items():
        assert names[name]["kind"] == kind and names[name]["parent"] == "LĐLĐ tỉnh Lạng Sơn"
    assert set(names) == set(districts) | set(expected)
    generic = {e["unit"]: e for e in data["generic"]}
    assert set(generic["LĐLĐ tỉnh Lạng Sơn"]["codes"]) >= {"LĐLĐ", "BTV", "HĐQLQ"}
    assert "LĐLĐ tỉnh" in generic["LĐLĐ tỉnh Lạng Sơn"]["phrases"]
    assert generic["Công đoàn cơ sở"]["codes"] == ["CĐCS"]


def test_every_string_is_nfc():
    for data in [NATIONAL_UNITS, *PROVINCES.values()]:
        for text in strings(data):
            assert unicodedata.is_normalized("NFC", text), text
