"""What a search gives back: hits and facet values, each able to say itself as JSON."""

from __future__ import annotations

from dataclasses import dataclass

from search_app.engine.facets import FacetValue
from search_app.engine.query import ParsedQuery
from search_app.engine.request import SearchRequest


@dataclass(frozen=True)
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
    added: str | None = None  # when the index took it in (UTC, ISO 8601)
    changed: str | None = None  # when what it shows last changed
    part: str | None = None  # the part of a long document the snippet is from: "Điều 5. …"
    anchor: str | None = None  # and its anchor on the document page: "dieu-5"
    missing: str | None = None  # the one word of the query this document lacks (soft AND)
    original: str | None = None  # "PDF", "DOCX", "HTML": the file it was read from can be downloaded
    signer: str | None = None  # who signed an official document

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "unit": self.unit,
            "type": self.type,
            "numbers": self.numbers,
            "score": self.score,
            "snippet": self.snippet,
            "url": self.url,
            "added": self.added,
            "changed": self.changed,
            "part": self.part,
            "anchor": self.anchor,
            "missing": self.missing,
            "original": self.original,
            "signer": self.signer,
        }


@dataclass(frozen=True)
class SearchResult:
    request: SearchRequest  # as the engine answered it: units and types in the index's spelling
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    took_ms: float
    suggestion: str | None = None
    relaxed: bool = False
    parsed: ParsedQuery | None = None  # the query the hits answer: the correction, when there is one
    # the words as typed found nothing (or only some of them) and a spelling correction found documents
    # with all of its words: these are its results. ``corrected`` is the query searched, as the member
    # would type it; ``corrected_from`` the query as typed (``request.q``), searched as typed with exact=1
    corrected: str | None = None
    corrected_from: str | None = None
    complete: int = 0  # of ``total``, the documents with every word (the rest lack one: soft AND)

    @property
    def pages(self) -> int:
        return self.request.pages(self.total)

    @property
    def sort(self) -> str:
        """The order the hits are really in: with no words, "relevance" lists the newest first."""
        if self.request.sort == "relevance" and (self.parsed is None or self.parsed.empty):
            return "newest"
        return self.request.sort

    def to_json(self) -> dict:
        """The shape shared by the JSON API and `tracuu search --json`."""
        return {
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "sort": self.sort,
            "hits": [hit.to_json() for hit in self.hits],
            "facets": {name: [v.to_json() for v in values] for name, values in self.facets.items()},
            "suggestion": self.suggestion,
            "relaxed": self.relaxed,
            "corrected": self.corrected,
            "corrected_from": self.corrected_from,
            "complete": self.complete,
            "took_ms": round(self.took_ms, 2),
        }
