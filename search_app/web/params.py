"""Request parameters -> SearchRequest, and the URLs that change one facet or page.

Shared by the pages and the API so both accept exactly the same parameters.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from search_app.engine import QueryError, SearchRequest, parse_date
from search_app.engine.request import DEFAULT_PER_PAGE, DEFAULT_SORT, MAX_PER_PAGE

PARAMS = ("q", "unit", "type", "year", "month", "signer", "from", "to", "sort", "page", "per_page", "exact")


# what a member reads for a parameter they can get wrong by editing the address
_NAMES = {"page": "Số trang", "per_page": "Số kết quả mỗi trang"}


def _int(args: MultiDict, name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{_NAMES[name]} phải là một số, không phải “{raw[:40]}”.") from None


def _values(args: MultiDict, name: str) -> list[str]:
    out: list[str] = []
    for raw in args.getlist(name):
        out.extend(v.strip() for v in raw.split(",") if v.strip())
    return out


def request_from_args(args: MultiDict, per_page_default: int = DEFAULT_PER_PAGE) -> SearchRequest:
    """Raises QueryError with a Vietnamese message for anything malformed."""
    request = SearchRequest(
        q=args.get("q", ""),
        units=_values(args, "unit"),
        types=_values(args, "type"),
        years=_values(args, "year"),
        months=_values(args, "month"),
        signers=_values(args, "signer"),
        date_from=parse_date(args.get("from")),
        date_to=parse_date(args.get("to")),
        sort=args.get("sort") or DEFAULT_SORT,
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", per_page_default),
        exact=args.get("exact", "") not in ("", "0"),
    )
    if request.per_page > MAX_PER_PAGE:
        raise QueryError(f"Mỗi trang hiện tối đa {MAX_PER_PAGE} kết quả.")
    request.validate()
    return request


def state(args: MultiDict) -> MultiDict:
    """Only the known parameters, non-empty, for building links."""
    return MultiDict([(k, v) for k in PARAMS for v in args.getlist(k) if v != ""])


def url_with(args: MultiDict, path: str = "/", **changes) -> str:
    """The current state with some parameters replaced (None removes them); page resets."""
    return _changed(state(args), path, changes)


def _changed(new: MultiDict, path: str, changes: dict) -> str:
    """``url_with`` from a state of its own (changed in place)."""
    if "page" not in changes:
        new.poplist("page")
    for key, value in changes.items():
        new.poplist(key)
        if value is None:
            continue
        for v in value if isinstance(value, list) else [value]:
            new.add(key, v)
    query = urlencode(list(new.items(multi=True)))
    return path + ("?" + query if query else "")


class Toggles:
    """The links that add or remove one facet value (removing a year removes its months too), for
    every value of one page: the parameters a link keeps are encoded once a page, not once a value
    (a page shows a hundred values or more)."""

    def __init__(self, args: MultiDict, path: str = "/"):
        self._state = state(args)
        self._path = path
        self._current = {param: _values(self._state, param) for param in self._state}
        self._kept: dict[tuple[str, ...], str] = {}

    def __call__(self, param: str, value: str) -> str:
        current = self._current.get(param, [])
        chosen = [v for v in current if v != value] if value in current else current + [value]
        changes = {param: chosen}
        if param == "year" and value in current:
            changes["month"] = [m for m in self._current.get("month", []) if not m.startswith(value + "-")]
        kept = self._kept.get(tuple(changes))
        if kept is None:
            skipped = {"page", *changes}
            kept = self._kept[tuple(changes)] = urlencode(
                [(k, v) for k, v in self._state.items(multi=True) if k not in skipped]
            )
        # as ``_changed`` orders them: the kept parameters, then the changed ones in turn
        query = "&".join([kept] * bool(kept) + [_encoded(k, v) for k, vs in changes.items() for v in vs])
        return self._path + ("?" + query if query else "")


@lru_cache(maxsize=4096)
def _encoded(name: str, value: str) -> str:
    """One parameter as ``urlencode`` writes it; facet values recur on every page."""
    return urlencode([(name, value)])
