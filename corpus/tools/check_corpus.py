#!/usr/bin/env python3
"""Sanity checks for the bundled sample corpus (run from anywhere).

    python corpus/tools/check_corpus.py

Checks: front matter parses as YAML and uses known fields/values; ids unique; all text NFC;
dates in 2017-2025; units are gazetteer names; CMS date lines name the right weekday; body
lengths. Needs pyyaml (and python-docx / pypdf to read the attachments, skipped if absent).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent.parent
UNITS_FILE = CORPUS.parent / "indexer" / "data" / "units.yaml"
TYPES = {"nghị quyết", "kế hoạch", "hướng dẫn", "quyết định", "thông báo", "báo cáo", "chỉ thị", "công văn", "tin tức"}
FIELDS = {"id", "title", "date", "unit", "type", "number", "url", "tags"}
WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]
CMS_RE = re.compile(r"^(Thứ [a-zà-ỹ]+|Chủ nhật), (\d{1,2}) Tháng (\d{1,2}) (\d{4}) \d{2}:\d{2}$")

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def words(text: str) -> int:
    return len(text.split())


def split_front_matter(text: str):
    if not text.startswith("---\n"):
        return None, text
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end]) or {}, text[end + 5 :]


def main() -> int:
    units = set()
    if UNITS_FILE.exists():
        units = {u["name"] for u in yaml.safe_load(UNITS_FILE.read_text(encoding="utf-8"))}
    ids: dict[str, Path] = {}
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.suffix not in {".md", ".txt", ".html", ".py"}:
            continue
        text = path.read_text(encoding="utf-8")
        if not unicodedata.is_normalized("NFC", text):
            err(f"{path}: not NFC")
        if path.suffix == ".md" and path.parent.name in {"van-ban", "tin-tuc"}:
            fm, body = split_front_matter(text)
            if fm is None:
                err(f"{path}: no front matter")
                continue
            unknown = set(fm) - FIELDS
            if unknown:
                err(f"{path}: unknown fields {unknown}")
            doc_id = fm.get("id", path.stem)
            if doc_id in ids:
                err(f"{path}: duplicate id {doc_id} (also {ids[doc_id]})")
            ids[doc_id] = path
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(doc_id)):
                err(f"{path}: id not an ascii slug")
            if "type" in fm and fm["type"] not in TYPES:
                err(f"{path}: bad type {fm['type']}")
            if "unit" in fm and units and fm["unit"] not in units:
                err(f"{path}: unit {fm['unit']!r} not in gazetteer")
            if "date" in fm:
                d = fm["date"]
                if not isinstance(d, dt.date) or not 2017 <= d.year <= 2025:
                    err(f"{path}: bad date {d!r}")
            if "tags" in fm and not isinstance(fm["tags"], list):
                err(f"{path}: tags must be a list")
            n = words(body)
            if not 150 <= n <= 600:
                err(f"{path}: body has {n} words")
        elif path.suffix == ".txt" and path.parent.name == "trang":
            lines = text.split("\n")
            for line in lines[:3]:
                m = CMS_RE.match(line)
                if m:
                    wd, d, mo, y = m.groups()
                    real = WEEKDAYS[dt.date(int(y), int(mo), int(d)).weekday()]
                    if wd != real:
                        err(f"{path}: CMS line says {wd}, {d}/{mo}/{y} is {real}")
            n = words("\n".join(lines[1:]))
            if not 150 <= n <= 600:
                err(f"{path}: body has {n} words")
    for e in errors:
        print("ERROR", e)
    print(f"{len(ids)} markdown documents, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
