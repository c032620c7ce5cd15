"""Facets: date (years, then months of a chosen year), union unit, document type.

One class per facet, one interface: ``filter(request)`` is the facet's own restriction,
``groups()`` the Whoosh facets it counts, ``values(request, counts)`` what a page or the API
shows (value, label, count, selected). Several values of one facet combine with OR; each
facet is counted under the other facets' filters but not its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from whoosh import query as Q
from whoosh import sorting

from indexer.metadata import TYPE_LABELS

MONTH_LABELS = {f"{m:02d}": f"Tháng {m}" for m in range(1, 13)}


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    param: str  # the request parameter this value sets ("unit", "year", "month", ...)


def _any_of(fieldname: str, values: list[str]) -> Q.Query | None:
    return Q.Or([Q.Term(fieldname, v) for v in values]) if values else None


class Facet:
    name = ""
    label = ""

    def filter(self, request) -> Q.Query | None:
        raise NotImplementedError

    def groups(self, request) -> dict[str, sorting.FacetType]:
        raise NotImplementedError

    def values(self, request, counts: dict[str, dict]) -> list[FacetValue]:
        raise NotImplementedError


class FieldFacet(Facet):
    fieldname = ""
    param = ""

    def selected(self, request) -> list[str]:
        return getattr(request, self.param + "s")

    def filter(self, request):
        return _any_of(self.fieldname, self.selected(request))

    def groups(self, request):
        return {self.name: sorting.FieldFacet(self.fieldname, allow_overlap=False)}

    def label_for(self, value: str) -> str:
        return value

    def values(self, request, counts):
        chosen = set(self.selected(request))
        found = {k: v for k, v in counts.get(self.name, {}).items() if k}
        for value in chosen:
            found.setdefault(value, 0)
        ordered = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
        return [FacetValue(v, self.label_for(v), n, v in chosen, self.param) for v, n in ordered]


class UnitFacet(FieldFacet):
    name, label, fieldname, param = "unit", "Đơn vị", "unit", "unit"


class TypeFacet(FieldFacet):
    name, label, fieldname, param = "type", "Loại văn bản", "type", "type"

    def label_for(self, value):
        return TYPE_LABELS.get(value, value)


class DateFacet(Facet):
    """Years, and months of the selected years. The from-to range is not a facet value:
    it applies to every count, this facet's included."""

    name, label = "date", "Thời gian"

    def range_filter(self, request) -> Q.Query | None:
        if not request.date_from and not request.date_to:
            return None
        start = datetime.combine(request.date_from, time.min) if request.date_from else None
        end = datetime.combine(request.date_to, time.max) if request.date_to else None
        return Q.DateRange("date", start, end)

    def year_filter(self, request) -> Q.Query | None:
        if not request.years and not request.months:
            return None
        parts = []
        for year in request.years:
            months = [m for m in request.months if m.startswith(year + "-")]
            parts.append(_any_of("month", months) if months else Q.Term("year", year))
        orphans = [m for m in request.months if m[:4] not in request.years]
        if orphans:
            parts.append(_any_of("month", orphans))
        return Q.Or(parts)

    def filter(self, request):
        return self.year_filter(request)

    def groups(self, request):
        groups = {"year": sorting.FieldFacet("year", allow_overlap=False)}
        if request.years:
            groups["month"] = sorting.FieldFacet("month", allow_overlap=False)
        return groups

    def values(self, request, counts):
        years = {k: v for k, v in counts.get("year", {}).items() if k}
        for year in request.years:
            years.setdefault(year, 0)
        out = [FacetValue(y, y, n, y in request.years, "year") for y, n in sorted(years.items(), reverse=True)]
        months = {k: v for k, v in counts.get("month", {}).items() if k and k[:4] in request.years}
        for month in request.months:
            months.setdefault(month, 0)
        out += [
            FacetValue(m, f"{MONTH_LABELS.get(m[5:], m[5:])}/{m[:4]}", n, m in request.months, "month")
            for m, n in sorted(months.items())
        ]
        return out


FACETS: tuple[Facet, ...] = (DateFacet(), UnitFacet(), TypeFacet())


def combine(filters: list[Q.Query | None]) -> Q.Query | None:
    parts = [f for f in filters if f is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


def as_date(value) -> date | None:
    return value.date() if isinstance(value, datetime) else value
