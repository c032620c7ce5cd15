"""What a member asks for: the words, the filters, the order and the page, checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from indexer.documents import gazetteer
from indexer.documents.metadata import resolve_type
from search_app.engine.facets import UNKNOWN
from search_app.engine.query import QueryError

# the orders a result list can take, with what a member reads for each
SORTS = {"relevance": "Liên quan nhất", "newest": "Mới nhất", "oldest": "Cũ nhất", "added": "Mới đăng"}
DEFAULT_SORT = "relevance"
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
MAX_PAGE = 1000


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    units: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    with_facets: bool = True
    exact: bool = False  # the words as typed, never a spelling correction in their place
    signers: tuple[str, ...] = ()  # signed by one of these (names, with or without marks)

    def __post_init__(self) -> None:
        # lists are welcome from callers; the request itself never changes
        for name in ("units", "types", "years", "months", "signers"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def validate(self) -> None:
        """Raise QueryError (a message in Vietnamese) for requests that cannot be answered."""
        if self.sort not in SORTS:
            choices = ", ".join(f"{key} ({label})" for key, label in SORTS.items())
            raise QueryError(f"Cách sắp xếp không hợp lệ; chọn một trong: {choices}.")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(f"Số kết quả mỗi trang phải từ 1 đến {MAX_PER_PAGE}.")
        if not 1 <= self.page <= MAX_PAGE:
            raise QueryError(f"Số trang phải từ 1 đến {MAX_PAGE}.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError("Ngày bắt đầu phải trước ngày kết thúc.")
        for year in self.years:
            if year != UNKNOWN and not (len(year) == 4 and year.isdigit()):
                raise QueryError(f"Năm không hợp lệ: “{year[:20]}” (viết 4 chữ số, vd. 2024).")
        for month in self.months:
            if not (len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit()):
                raise QueryError(f"Tháng không hợp lệ: “{month[:20]}” (viết năm-tháng, vd. 2024-05).")
            if not 1 <= int(month[5:]) <= 12:
                raise QueryError(f"Tháng không hợp lệ: “{month[:20]}” (tháng từ 1 đến 12).")

    def canonical(self) -> SearchRequest:
        """The same request with units and types as the index spells them ("CĐVC", "NQ" -> names)."""
        return replace(
            self,
            units=tuple(_resolved(u, _resolve_unit) for u in self.units),
            types=tuple(_resolved(t, resolve_type) for t in self.types),
        )

    def pages(self, total: int) -> int:
        return max(1, -(-total // self.per_page))


def _resolve_unit(value: str):
    return gazetteer.current().resolve(value)


def _resolved(value: str, resolver) -> str:
    found = resolver(value)
    if found is None:
        return value
    return found if isinstance(found, str) else found.name


def parse_date(value: str | None) -> date | None:
    """A date from a request parameter, as the date picker sends it (2024-05-31) or as a person
    writes it (31/05/2024, 31-5-2024); QueryError when it is neither."""
    if not value:
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", text)
    try:
        if parts:
            return date(int(parts[3]), int(parts[2]), int(parts[1]))
    except ValueError:
        pass
    raise QueryError(f"Ngày không hợp lệ: “{text[:40]}” (viết ngày/tháng/năm, vd. 31/05/2024).") from None
