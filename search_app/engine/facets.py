"""Facets: date (years, then months of a chosen year), union unit (as a hierarchy), document type.

One class per facet, one interface: ``mask(request, arrays)`` is the facet's own restriction
as a boolean array over the index, ``count(request, arrays, matched)`` counts its values among the
matched documents (their numbers, ascending), ``values(request, counts)`` is what a page or the API shows (value,
label, count, selected). Several values of one facet combine with OR; each facet is counted
under the other facets' filters but not its own. Units nest as the gazetteer says (province →
district → grassroots): a parent counts and selects its children too. Documents without a
date or a unit are a value of their own ("Không rõ ngày", "Không rõ đơn vị"), never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache

import numpy as np

from indexer.documents import gazetteer
from indexer.documents.metadata import TYPE_LABELS
from indexer.text.normalise import folded
from search_app.engine.arrays import IndexArrays

MONTH_LABELS = {f"{m:02d}": f"Tháng {m}" for m in range(1, 13)}


def month_label(month: str) -> str:
    """ "2024-05" as a member reads it: "Tháng 5/2024"."""
    return f"{MONTH_LABELS.get(month[5:], month[5:])}/{month[:4]}"


# what a member reads for each request parameter a facet value sets
PARAM_LABELS = {"unit": "Đơn vị", "type": "Loại văn bản", "year": "Năm", "month": "Tháng"}
# the value for documents without a date (year) or without a unit
UNKNOWN = "khong-ro"
UNKNOWN_LABELS = {"year": "Không rõ ngày", "unit": "Không rõ đơn vị"}


def value_label(param: str, value: str) -> str:
    """A request value as a member reads it (chips, the API's labels)."""
    if value == UNKNOWN and param in UNKNOWN_LABELS:
        return UNKNOWN_LABELS[param]
    if param == "month":
        return month_label(value)
    if param == "type":
        return TYPE_LABELS.get(value, value)
    if param == "unit":
        return gazetteer.current().label(value)
    return value


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    param: str  # the request parameter this value sets ("unit", "year", "month", ...)
    parent: str | None = None  # the value this one nests under (a unit's parent unit)
    depth: int = 0

    def to_json(self) -> dict:
        return dict(vars(self))  # its fields are plain values: no need for asdict's deep copy


class Facet:
    name = ""
    label = ""

    def mask(self, request, arrays: IndexArrays) -> np.ndarray | None:
        raise NotImplementedError

    def count(self, request, arrays: IndexArrays, matched: np.ndarray) -> dict[str, dict[str, int]]:
        raise NotImplementedError

    def counted(self, request) -> list[str]:
        """The columns ``count`` tallies for this request."""
        return [self.name]

    def values(self, request, counts: dict[str, dict]) -> list[FacetValue]:
        raise NotImplementedError


class FieldFacet(Facet):
    fieldname = ""
    param = ""

    def selected(self, request) -> list[str]:
        return getattr(request, self.param + "s")

    def mask(self, request, arrays):
        chosen = self.selected(request)
        return _in(arrays, self.fieldname, chosen) if chosen else None

    def count(self, request, arrays, matched):
        return {self.name: _tally(arrays, self.fieldname, matched)}

    def values(self, request, counts):
        chosen = set(self.selected(request))
        found = {k: v for k, v in counts.get(self.name, {}).items() if k}
        for value in chosen:
            found.setdefault(value, 0)
        ordered = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
        return [FacetValue(v, value_label(self.param, v), n, v in chosen, self.param) for v, n in ordered]


class UnitFacet(FieldFacet):
    name = fieldname = param = "unit"
    label = PARAM_LABELS["unit"]

    def mask(self, request, arrays):
        chosen = self.selected(request)
        if not chosen:
            return None
        gaz = gazetteer.current()
        names = {n for v in chosen for n in ([""] if v == UNKNOWN else gaz.within(v))}
        return _in(arrays, self.fieldname, sorted(names))

    def values(self, request, counts):
        gaz = gazetteer.current()
        chosen = set(self.selected(request))
        own = dict(counts.get(self.name, {}))
        unknown = own.pop("", 0)
        total: dict[str, int] = {}
        for name, n in own.items():
            node: str | None = name
            while node is not None:  # a document counts for its unit and every unit above it
                total[node] = total.get(node, 0) + n
                node = gaz.facet_parent(node)
        for value in chosen - {UNKNOWN}:
            total.setdefault(value, 0)
        children: dict[str | None, list[str]] = {}
        for name in total:
            parent = gaz.facet_parent(name)
            children.setdefault(parent if parent in total else None, []).append(name)
        out: list[FacetValue] = []

        def add(parent: str | None, depth: int) -> None:
            for name in sorted(children.get(parent, []), key=lambda v: (-total[v], _sort_name(v))):
                out.append(FacetValue(name, gaz.label(name), total[name], name in chosen, self.param, parent, depth))
                add(name, depth + 1)

        add(None, 0)
        if unknown or UNKNOWN in chosen:
            out.append(FacetValue(UNKNOWN, UNKNOWN_LABELS["unit"], unknown, UNKNOWN in chosen, self.param))
        return out


class TypeFacet(FieldFacet):
    name = fieldname = param = "type"
    label = PARAM_LABELS["type"]


class DateFacet(Facet):
    """Years, and months of the selected years. The from-to range is not a facet value:
    it applies to every count, this facet's included."""

    name, label = "date", "Thời gian"

    def range_mask(self, request, arrays: IndexArrays) -> np.ndarray | None:
        if not request.date_from and not request.date_to:
            return None
        keys = arrays.dates()
        inside = _in(arrays, "dated", ["1"])
        if request.date_from:
            inside &= keys >= arrays.date_key(datetime.combine(request.date_from, time.min))
        if request.date_to:
            inside &= keys <= arrays.date_key(datetime.combine(request.date_to, time.max))
        return inside

    def mask(self, request, arrays):
        if not request.years and not request.months:
            return None
        inside = np.zeros(arrays.size, dtype=bool)
        for year in request.years:
            months = [m for m in request.months if m.startswith(year + "-")]
            inside |= _in(arrays, "month", months) if months else _in(arrays, "year", ["" if year == UNKNOWN else year])
        orphans = [m for m in request.months if m[:4] not in request.years]
        if orphans:
            inside |= _in(arrays, "month", orphans)
        return inside

    def counted(self, request):
        return ["year", "month"] if request.years else ["year"]

    def count(self, request, arrays, matched):
        counts = {"year": _tally(arrays, "year", matched)}
        if request.years:
            counts["month"] = _tally(arrays, "month", matched)
        return counts

    def values(self, request, counts):
        years = {k: v for k, v in counts.get("year", {}).items() if k}
        undated = counts.get("year", {}).get("", 0)
        for year in request.years:
            if year != UNKNOWN:
                years.setdefault(year, 0)
        months = {k: v for k, v in counts.get("month", {}).items() if k and k[:4] in request.years}
        for month in request.months:
            months.setdefault(month, 0)
        out = []
        # each chosen year is followed by its months
        for year, n in sorted(years.items(), reverse=True):
            out.append(FacetValue(year, year, n, year in request.years, "year"))
            out += [
                FacetValue(m, month_label(m), count, m in request.months, "month")
                for m, count in sorted(months.items())
                if m[:4] == year
            ]
        if undated or UNKNOWN in request.years:
            out.append(FacetValue(UNKNOWN, UNKNOWN_LABELS["year"], undated, UNKNOWN in request.years, "year"))
        return out


FACETS: tuple[Facet, ...] = (DateFacet(), UnitFacet(), TypeFacet())


def _in(arrays: IndexArrays, fieldname: str, values: list[str]) -> np.ndarray:
    codes, _labels = arrays.column(fieldname)
    return np.isin(codes, arrays.codes_for(fieldname, values))


def _tally(arrays: IndexArrays, fieldname: str, matched: np.ndarray) -> dict[str, int]:
    codes, labels = arrays.column(fieldname)
    counts = np.bincount(codes[matched], minlength=len(labels))
    return {labels[n]: int(c) for n, c in enumerate(counts.tolist()) if c}


def all_of(masks: list[np.ndarray | None], size: int) -> np.ndarray:
    """The documents every mask lets through (all of them when there is none)."""
    out = np.ones(size, dtype=bool)
    for mask in masks:
        if mask is not None:
            out &= mask
    return out


@lru_cache(maxsize=4096)
def _sort_name(value: str) -> str:
    """A facet value as it sorts (folded), worked out once: the unit facet sorts every unit at every search."""
    return folded(value)
