"""Search: a SearchRequest in, a SearchResult out. Used by the CLI, the pages and the JSON API.

Runs the parsed query with the filters, counts facets (each under the others' filters),
falls back to any-word matching when all-words finds nothing, suggests a corrected query,
and marks matches in titles and snippets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from whoosh import query as Q
from whoosh import sorting
from whoosh.searching import Searcher

from indexer import facets as F
from indexer.highlight import highlight, snippet
from indexer.metadata import TYPE_LABELS, resolve_type, resolve_unit
from indexer.normalise import fold_accents
from indexer.query import MAX_PREFIX_TERMS, ParsedQuery, QueryError, abbreviation_keys, build_query, parse

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PAGE = 1000


@dataclass
class SearchRequest:
    q: str = ""
    units: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    with_facets: bool = True

    def validate(self) -> None:
        """Raise QueryError (a message in Vietnamese) for requests that cannot be answered."""
        if self.sort not in SORTS:
            raise QueryError("Cách sắp xếp không hợp lệ: chọn relevance, newest hoặc oldest.")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(f"Số kết quả mỗi trang phải từ 1 đến {MAX_PER_PAGE}.")
        if not 1 <= self.page <= MAX_PAGE:
            raise QueryError(f"Số trang phải từ 1 đến {MAX_PAGE}.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError("Ngày bắt đầu phải trước ngày kết thúc.")
        for year in self.years:
            if not (len(year) == 4 and year.isdigit()):
                raise QueryError(f"Năm không hợp lệ: {year!r}.")
        for month in self.months:
            if not (len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit()):
                raise QueryError(f"Tháng không hợp lệ: {month!r} (dạng YYYY-MM).")
            if not 1 <= int(month[5:]) <= 12:
                raise QueryError(f"Tháng không hợp lệ: {month!r}.")

    def canonicalise(self) -> None:
        """Units and types as typed by people ("CĐVC", "nghi-quyet", "NQ") become index values."""
        self.units = [_resolved(u, resolve_unit) for u in self.units]
        self.types = [_resolved(t, resolve_type) for t in self.types]


def _resolved(value: str, resolver) -> str:
    found = resolver(value)
    if found is None:
        return value
    return found if isinstance(found, str) else found.name


@dataclass
class Hit:
    id: str
    title: str
    title_html: str
    date: str | None
    unit: str | None
    type: str
    type_label: str
    number: str | None
    numbers: list[str]
    url: str | None
    snippet: str
    score: float


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, list[F.FacetValue]]
    took_ms: float
    suggestion: str | None = None
    relaxed: bool = False
    parsed: ParsedQuery | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


def _prefix_expander(searcher: Searcher):
    reader = searcher.reader()

    def expand(fieldname: str, prefix: str) -> list[str]:
        out = []
        for term in reader.expand_prefix(fieldname, prefix):
            out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(out) >= MAX_PREFIX_TERMS:
                break
        return out

    return expand


def _sortedby(request: SearchRequest, parsed: ParsedQuery):
    sort = request.sort
    if parsed.empty and sort == "relevance":
        sort = "newest"
    if sort == "relevance":
        return None
    return sorting.MultiFacet(
        [sorting.FieldFacet("dated", reverse=True), sorting.FieldFacet("date", reverse=(sort == "newest"))]
    )


def search(searcher: Searcher, request: SearchRequest) -> SearchResult:
    """Run one search. Raises QueryError for a request or query we refuse."""
    started = time.perf_counter()
    request.validate()
    request.canonicalise()
    parsed = parse(request.q)
    expand = _prefix_expander(searcher)
    q = build_query(parsed, expand_prefix=expand)
    always = F.DateFacet().range_filter(request)
    own = {facet.name: facet.filter(request) for facet in F.FACETS}
    all_filters = F.combine([always, *own.values()])

    unfiltered = [f for f in F.FACETS if own[f.name] is None] if request.with_facets else []
    main_groups = {k: v for f in unfiltered for k, v in f.groups(request).items()}
    results, counts = _page(searcher, q, request, parsed, all_filters, main_groups)
    relaxed = False
    if results.total == 0 and len(parsed.required) > 1:
        relaxed_q = build_query(parsed, relaxed=True, expand_prefix=expand)
        relaxed_results, relaxed_counts = _page(searcher, relaxed_q, request, parsed, all_filters, main_groups)
        if relaxed_results.total:
            results, counts, relaxed = relaxed_results, relaxed_counts, True
    if request.page > 1 and request.page > -(-results.total // request.per_page):
        raise QueryError(f"Trang {request.page} vượt quá số trang kết quả.")

    facet_values: dict[str, list[F.FacetValue]] = {}
    if request.with_facets:
        count_q = build_query(parsed, relaxed=relaxed, expand_prefix=expand, bonus=False)
        for facet in F.FACETS:
            if facet in unfiltered:
                facet_counts = counts
            else:
                others = F.combine([always, *(f for name, f in own.items() if name != facet.name)])
                facet_counts = _counts(searcher, count_q, others, facet.groups(request))
            facet_values[facet.name] = facet.values(request, facet_counts)

    by_score = _sortedby(request, parsed) is None
    hits = [_hit(results, i, parsed, by_score) for i in range(len(results))]
    suggestion = None
    if not parsed.empty and not parsed.number_only:
        suggestion = suggest(searcher, parsed, results.total, relaxed)
    took = (time.perf_counter() - started) * 1000
    return SearchResult(request, results.total, hits, facet_values, took, suggestion, relaxed, parsed)


class _Page:
    def __init__(self, results, offset, per_page):
        self.results = results
        self.total = len(results)
        self.offset = offset
        self.docs = list(results[offset : offset + per_page]) if self.total > offset else []

    def __len__(self):
        return len(self.docs)


def run_query(searcher: Searcher, q, *, limit: int | None, filter=None, sortedby=None, groupedby=None):
    """searcher.search without Whoosh's matcher pruning.

    Its top-N collector periodically drops sub-matchers whose estimated best score is below
    the current N-th score; with our Or/AndMaybe trees that estimate is wrong and a top
    document can vanish from the results. Every document is scored instead.
    """
    collector = searcher.collector(
        limit=limit, sortedby=sortedby, groupedby=groupedby, filter=filter, maptype=sorting.Count
    )
    inner = collector
    while hasattr(inner, "child"):
        inner = inner.child
    if hasattr(inner, "replace"):
        inner.replace = 0
    searcher.search_with_collector(q, collector)
    return collector.results()


def _allowed(searcher, filters) -> set[int] | None:
    """The documents a filter lets through; None for no filter.

    Whoosh treats an empty filter set as "no filter", so callers must check for emptiness.
    """
    return None if filters is None else set(searcher.docs_for_query(filters))


def _page(searcher, q, request, parsed, filters, groups) -> tuple[_Page, dict[str, dict]]:
    """One page of results and, in the same pass, the counts of ``groups``."""
    limit = request.page * request.per_page
    allowed = _allowed(searcher, filters)
    if allowed is not None and not allowed:
        q = Q.NullQuery
    results = run_query(
        searcher, q, limit=limit, filter=allowed, sortedby=_sortedby(request, parsed), groupedby=groups or None
    )
    counts = {name: dict(results.groups(name)) for name in groups} if groups else {}
    return _Page(results, (request.page - 1) * request.per_page, request.per_page), counts


def _counts(searcher, q, filters, groups) -> dict[str, dict]:
    allowed = _allowed(searcher, filters)
    if allowed is not None and not allowed:
        return {}
    results = searcher.search(q, filter=allowed, limit=1, groupedby=groups, maptype=sorting.Count, scored=False)
    return {name: dict(results.groups(name)) for name in groups}


def _hit(page: _Page, i: int, parsed: ParsedQuery, sorted_by_score: bool) -> Hit:
    found = page.docs[i]
    doc = found["doc"]
    sequences = parsed.highlight_sequences()
    prefixes = parsed.prefixes()
    body = doc.get("body", "")
    return Hit(
        id=doc["id"],
        title=doc["title"],
        title_html=highlight(doc["title"], sequences, prefixes),
        date=doc.get("date"),
        unit=doc.get("unit"),
        type=doc.get("type") or "tin tức",
        type_label=TYPE_LABELS.get(doc.get("type") or "tin tức", doc.get("type") or ""),
        number=doc.get("number"),
        numbers=doc.get("numbers") or [],
        url=doc.get("url"),
        snippet=snippet(body, sequences, prefixes),
        score=round(float(found.score), 4) if sorted_by_score else 0.0,
    )


def suggest(searcher: Searcher, parsed: ParsedQuery, total: int, relaxed: bool) -> str | None:
    """A better query when a word is in no document as typed: "Có phải bạn muốn tìm: …"."""
    reader = searcher.reader()
    words = parsed.text.split()
    changed = False
    for n, word in enumerate(words):
        lowered = word.lower()
        if not lowered.isalpha() or len(lowered) < 2:
            continue
        fieldname = "body_exact" if fold_accents(lowered) != lowered else "body_folded"
        if reader.doc_frequency(fieldname, lowered) > 0 or lowered in abbreviation_keys():
            continue
        corrections = searcher.corrector(fieldname).suggest(lowered, limit=1, maxdist=2 if len(lowered) > 4 else 1)
        if corrections:
            words[n] = corrections[0]
            changed = True
    if not changed:
        return None
    candidate = " ".join(words)
    try:
        better = run_query(searcher, build_query(parse(candidate)), limit=1)
    except QueryError:
        return None
    if len(better) and (relaxed or total == 0 or len(better) >= total):
        return candidate
    return None


def get_document(searcher: Searcher, doc_id: str) -> dict | None:
    found = searcher.document(id=doc_id)
    return found["doc"] if found else None


def related(searcher: Searcher, doc_id: str, limit: int = 5) -> list[dict]:
    """Documents most like this one, by their distinctive words."""
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return []
    doc = searcher.stored_fields(docnum)["doc"]
    text = doc["title"] + "\n" + doc.get("body", "")[:4000]
    hits = searcher.more_like(docnum, "body_folded", text=text, top=limit, numterms=12)
    return [h["doc"] for h in hits]


def parse_date(value: str | None) -> date | None:
    """ISO date from a request parameter; QueryError when it is not one."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise QueryError(f"Ngày không hợp lệ: {value!r} (dạng YYYY-MM-DD).") from None
