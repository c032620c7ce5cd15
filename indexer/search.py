"""Search: a SearchRequest in, a SearchResult out. Used by the CLI, the pages and the JSON API.

Runs the parsed query with the filters (over whole arrays, see ``evaluate``), counts facets
(each under the others' filters), ranks by score or date, falls back to any-word matching
when all-words finds nothing, suggests a corrected query, and marks matches in titles and
snippets.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
from whoosh.searching import Searcher

from indexer import facets as F
from indexer.arrays import IndexArrays, index_arrays
from indexer.evaluate import evaluate
from indexer.highlight import highlight, snippet
from indexer.lru import LRUCache
from indexer.metadata import TYPE_LABELS, resolve_type, resolve_unit
from indexer.normalise import fold_accents
from indexer.query import (
    MAX_PREFIX_TERMS,
    ParsedQuery,
    QueryError,
    abbreviation_keys,
    build_query,
    parse,
    phrase_bonus_query,
)

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


RESCORE_WINDOW = 200


def _prefix_expander(arrays: IndexArrays):
    def expand(fieldname: str, prefix: str) -> list[str]:
        return arrays.expand_prefix(fieldname, prefix, MAX_PREFIX_TERMS)

    return expand


# recent results per index version: popular queries are asked again and again; a new commit
# is a new version, so a cached answer is never older than the index (0 entries: no cache)
results_cache = LRUCache(int(os.environ.get("TRACUU_RESULT_CACHE", "1024")))


def search(searcher: Searcher, request: SearchRequest) -> SearchResult:
    """Run one search. Raises QueryError for a request or query we refuse."""
    started = time.perf_counter()
    request.validate()
    request.canonicalise()
    arrays = index_arrays(searcher)
    key = (arrays.version, repr(request))
    cached = results_cache.get(key)
    if cached is not None:
        return replace(cached, request=request, took_ms=(time.perf_counter() - started) * 1000)
    result = _search(searcher, arrays, request, started)
    results_cache.put(key, result)
    return result


def _search(searcher: Searcher, arrays: IndexArrays, request: SearchRequest, started: float) -> SearchResult:
    parsed = parse(request.q)
    expand = _prefix_expander(arrays)
    always = F.all_of([arrays.live, F.DateFacet().range_mask(request, arrays)], arrays.size)
    own = {facet.name: facet.mask(request, arrays) for facet in F.FACETS}
    allowed = F.all_of([always, *own.values()], arrays.size)
    # facets are counted outside their own filter, so the query must be answered there too
    scope = always if request.with_facets else allowed

    found = evaluate(build_query(parsed, expand_prefix=expand, phrase_bonus=False), arrays, scope)
    relaxed = False
    if not (found.mask & allowed).any() and len(parsed.required) > 1:
        loose = evaluate(build_query(parsed, relaxed=True, expand_prefix=expand, phrase_bonus=False), arrays, scope)
        if (loose.mask & allowed).any():
            found, relaxed = loose, True
    matched = found.mask & allowed
    total = int(np.count_nonzero(matched))
    if request.page > 1 and request.page > -(-total // request.per_page):
        raise QueryError(f"Trang {request.page} vượt quá số trang kết quả.")

    facet_values: dict[str, list[F.FacetValue]] = {}
    if request.with_facets:
        for facet in F.FACETS:
            others = [always, *(m for name, m in own.items() if name != facet.name)]
            counted = found.mask & F.all_of(others, arrays.size)
            facet_values[facet.name] = facet.values(request, facet.count(request, arrays, counted))

    by_score = _by_score(request, parsed)
    offset = (request.page - 1) * request.per_page
    if by_score:
        ranked, scores = _rank_by_score(arrays, parsed, found.scores, matched, offset + request.per_page)
    else:
        ranked, scores = _rank_by_date(arrays, matched, newest=request.sort != "oldest"), None
    hits = []
    for n in range(offset, min(offset + request.per_page, len(ranked))):
        doc = searcher.stored_fields(int(ranked[n]))["doc"]
        hits.append(_hit(doc, float(scores[n]) if scores is not None else 0.0, parsed))
    suggestion = None
    if not parsed.empty and not parsed.number_only:
        suggestion = suggest(searcher, parsed, total, relaxed)
    took = (time.perf_counter() - started) * 1000
    return SearchResult(request, total, hits, facet_values, took, suggestion, relaxed, parsed)


def _by_score(request: SearchRequest, parsed: ParsedQuery) -> bool:
    return request.sort == "relevance" and not parsed.empty


def _rank_by_score(arrays, parsed, scores, matched, needed: int) -> tuple[np.ndarray, np.ndarray]:
    """Documents by score, best first (ties by index order), through the ``needed`` first.

    The words-together bonus is computed for the best RESCORE_WINDOW documents only: it
    reorders the top of the list, where positions are worth checking.
    """
    docs = np.flatnonzero(matched)
    found = scores[docs]
    bonus = phrase_bonus_query(parsed)
    window = RESCORE_WINDOW  # the same for every page, so that pages continue each other
    if len(docs) > window:
        best = np.argpartition(-found, window - 1)[:window]
        top = docs[best]
        bonus_scope = np.zeros(arrays.size, dtype=bool)
        bonus_scope[top] = True
    else:
        top, bonus_scope = docs, matched
    top_scores = scores[top].copy()
    if bonus is not None:
        extra = evaluate(bonus, arrays, bonus_scope)
        top_scores += np.where(extra.mask[top], extra.scores[top], 0)
    order = np.lexsort((top, -top_scores))
    if len(docs) <= window:
        return top[order], top_scores[order]
    # the rest, past the window, only matter for deep pages
    rest_mask = np.ones(len(docs), dtype=bool)
    rest_mask[best] = False
    rest = docs[rest_mask]
    rest_scores = scores[rest]
    rest_order = np.lexsort((rest, -rest_scores)) if needed > window else np.empty(0, dtype=np.int64)
    return (
        np.concatenate([top[order], rest[rest_order]]),
        np.concatenate([top_scores[order], rest_scores[rest_order]]),
    )


def _rank_by_date(arrays, matched, newest: bool) -> np.ndarray:
    """Dated documents first, then by date (ties by index order)."""
    docs = np.flatnonzero(matched)
    dated_codes, labels = arrays.column("dated")
    undated = dated_codes[docs] != (labels.index("1") if "1" in labels else -1)
    keys = arrays.dates()[docs]
    order = np.lexsort((docs, ~keys if newest else keys, undated))
    return docs[order]


def _hit(doc: dict, score: float, parsed: ParsedQuery) -> Hit:
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
        score=round(score, 4),
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
        arrays = index_arrays(searcher)
        q = build_query(parse(candidate), expand_prefix=_prefix_expander(arrays), bonus=False)
        better = int(np.count_nonzero(evaluate(q, arrays, arrays.live).mask & arrays.live))
    except QueryError:
        return None
    if better and (relaxed or total == 0 or better >= total):
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
