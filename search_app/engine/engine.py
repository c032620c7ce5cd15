"""The search engine: one object the pages, the API and the CLI all ask.

An ``Engine`` owns what searching an index folder needs: one open searcher per thread
(reopened only when the index has a new commit), the arrays and their cache, the result
cache, and warming before requests arrive. It answers ``search``, ``document``, ``related``,
``complete`` and ``suggest``; a search runs the parsed query with the filters over whole
arrays (each article once), counts facets (each under the other facets' filters), ranks;
when the words as typed are not found together it answers for their spelling correction if
that finds them all (saying so), and only then falls back to any-word matching; it marks
matches in titles and in snippets taken from the body (and names the part of a long
document they are from).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from whoosh import query as Q
from whoosh.searching import Searcher

from indexer import whoosh_w3
from indexer.documents.metadata import TYPE_LABELS
from indexer.documents.relations import KINDS, number_key
from indexer.documents.structure import outline, parts, section_of, signer_key
from indexer.index.build import CURRENT, open_index
from indexer.index.schema import TEXT_FIELDS
from indexer.text.analysis import load_segmenter
from search_app.engine import facets as F
from search_app.engine.arrays import DEFAULT_CACHE_MB, ArrayStore, IndexArrays
from search_app.engine.complete import MAX_COMPLETIONS, Completion, complete
from search_app.engine.evaluate import at_most, evaluate
from search_app.engine.highlight import SCAN_CHARS, best_paragraph, highlight, passage
from search_app.engine.lru import LRUCache
from search_app.engine.query import ParsedQuery, QueryError, build_query, parse
from search_app.engine.ranking import rank_by_added, rank_by_date, rank_by_score
from search_app.engine.request import SearchRequest
from search_app.engine.results import Hit, SearchResult
from search_app.engine.spelling import speller_for
from search_app.engine.suggest import correct

DEFAULT_RESULT_CACHE = 1024  # entries
ORIGINAL_KINDS = {".pdf": "PDF", ".docx": "DOCX", ".html": "HTML", ".htm": "HTML"}  # files members can download
SOFT_AND_WORDS = 3  # a query of this many words also lists documents missing one of them,
SOFT_AND_BELOW = 50  # when fewer documents than this have them all
OUTLINED = 12  # paragraphs: a shorter document is read whole, its parts need no naming
LONG_SCAN_CHARS = 400_000  # how far into a long document (a law) a snippet is looked for


class Engine:
    """Search over the index in ``index_dir``, safe to share between the threads of a process.

    ``result_cache`` entries of recent answers are kept per index version (0: none), so a
    cached answer is never older than the index; ``postings_cache_mb`` bounds the arrays
    read from the index; ``fast_reads=False`` reads them through Whoosh's public API only, and
    ``packed_reads=False`` ignores the packed postings files.
    """

    def __init__(
        self,
        index_dir: str | Path,
        *,
        result_cache: int = DEFAULT_RESULT_CACHE,
        postings_cache_mb: int = DEFAULT_CACHE_MB,
        fast_reads: bool = True,
        packed_reads: bool = True,
    ):
        self.index_dir = Path(index_dir)
        self.arrays_store = ArrayStore(postings_cache_mb, fast=fast_reads, use_packed=packed_reads)
        self.results = LRUCache(result_cache)
        self._local = threading.local()

    # --- searchers ------------------------------------------------------------------------

    def searcher(self) -> Searcher:
        """The calling thread's searcher, fresh as of the last commit."""
        local = self._local
        link = self.index_dir / CURRENT
        pointed = os.readlink(link) if link.is_symlink() else None
        searcher = getattr(local, "searcher", None)
        if searcher is None or pointed != getattr(local, "pointed", None) or not searcher.up_to_date():
            if searcher is not None:
                searcher.close()
            # a fresh reader, not Searcher.refresh(): whoosh-reloaded's reader reuse keeps
            # stale deletion lists, so updated documents would show twice
            local.searcher = open_index(self.index_dir).searcher()
            local.pointed = pointed
        return local.searcher

    def version(self) -> tuple[str, float]:
        """The index as last committed: a tag that changes with every commit, and when it was made."""
        searcher = self.searcher()
        pointed = self._local.pointed or ""
        generation = searcher.reader().generation()
        made = whoosh_w3.commit_time(self.index_dir / pointed, generation)
        return f"{pointed}:{generation}", made if made is not None else time.time()

    def arrays(self, searcher: Searcher | None = None) -> IndexArrays:
        return self.arrays_store.arrays(searcher or self.searcher())

    def warm(self) -> None:
        """Load pyvi and read what every search needs (columns, lengths, dates) ahead of requests."""
        load_segmenter()
        arrays = self.arrays()
        for name in ("unit", "type", "year", "month", "dated"):
            arrays.column(name)
        for name in (*TEXT_FIELDS, "number", "numbers"):
            arrays.lengths(name)
        arrays.dates()
        arrays.dates("added")
        speller_for(arrays)

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    def clear_caches(self, postings_only: bool = False) -> None:
        """Forget cached answers and arrays (benchmarks of cold and first-sight queries)."""
        self.results.clear()
        self.arrays_store.clear(postings_only)

    # --- questions ------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        """Answer one request; raises QueryError for a request or query we refuse."""
        started = time.perf_counter()
        request.validate()
        request = request.canonical()
        searcher = self.searcher()
        arrays = self.arrays(searcher)
        key = (arrays.version, request)
        cached = self.results.get(key)
        if cached is not None:
            return replace(cached, took_ms=(time.perf_counter() - started) * 1000)
        result = _search(searcher, arrays, request, started)
        self.results.put(key, result)
        return result

    def document(self, doc_id: str) -> dict | None:
        found = self.searcher().document(id=doc_id)
        return found["doc"] if found else None

    def related(self, doc_id: str, limit: int = 5) -> list[dict]:
        """Documents most like this one, by their distinctive words; each article once, never a
        copy of this one."""
        searcher = self.searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        arrays = self.arrays(searcher)
        doc = searcher.stored_fields(docnum)["doc"]
        text = doc["title"] + "\n" + doc.get("body", "")[:4000]
        # Whoosh's "more like this" (its key terms, Bo1), scored by our evaluator: Whoosh keeps the
        # text fields' term statistics, their postings are in the packed files
        found = evaluate(Q.Or([Q.Term("body_folded", w, boost=b) for w, b in related_terms(searcher, text)]), arrays)
        keys = arrays.dates("dupkey")
        found.mask &= arrays.shown()
        found.mask[docnum] = False
        if keys[docnum]:
            found.mask &= keys != keys[docnum]  # never a copy of this article
        docs = np.flatnonzero(found.mask)
        best = docs[np.lexsort((docs, -found.scores[docs]))[:limit]]
        return [searcher.stored_fields(int(n))["doc"] for n in best]

    def copies(self, doc_id: str) -> list[dict]:
        """The other stored copies of this article (the same title and text from another source or
        file), which the results show once: the page lists where else it was published."""
        searcher = self.searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        keys = self.arrays(searcher).dates("dupkey")
        if keys[docnum] == 0:
            return []
        reader = searcher.reader()
        same = np.flatnonzero(keys == keys[docnum])
        return [searcher.stored_fields(int(n))["doc"] for n in same if n != docnum and not reader.is_deleted(int(n))]

    def relations(self, doc: dict) -> list[dict]:
        """The document's typed relations both ways: what its text says it is based on, implements,
        guides, replaces, amends or repeals ("out"), and the documents whose text says so of it
        ("in"), each with the document we hold under that number (``id``, ``title``) or None.
        Never the document itself; each article once (the shown copy of a duplicate)."""
        searcher = self.searcher()
        shown = self.arrays(searcher).shown()

        def holding(**term) -> list[dict]:
            """The shown documents with this term, other than this one."""
            found = (searcher.stored_fields(n)["doc"] for n in searcher.document_numbers(**term) if shown[n])
            return [other for other in found if other["id"] != doc["id"]]

        own = number_key(doc["number"]) if doc.get("number") else None
        out: list[dict] = []
        for relation in doc.get("relations") or []:
            key = number_key(relation["number"])
            if key == own or relation["kind"] not in KINDS:
                continue
            held = holding(number=key)
            out.append(_relation("out", relation["kind"], relation["number"], relation["sentence"], held[:1]))
        for kind in KINDS if own else ():
            for other in sorted(holding(relations=f"{kind}:{own}"), key=lambda d: (d.get("date") or "", d["id"])):
                said = [
                    r["sentence"]
                    for r in other.get("relations") or []
                    if r["kind"] == kind and number_key(r["number"]) == own
                ]
                out.append(_relation("in", kind, other.get("number"), said[0] if said else "", [other]))
        return out

    def complete(self, text: str, limit: int = MAX_COMPLETIONS) -> list[Completion]:
        """What a member may be typing: numbers, units, known phrases and titles (see ``complete``)."""
        return complete(self.arrays(), text, limit)

    def suggest(self, q: str) -> str | None:
        """A corrected query when some word of ``q`` is in no document (or hardly any), if the
        correction's words stand together in some document; as the member would type it."""
        parsed = parse(q)
        if parsed.empty or parsed.number_only:
            return None
        correction = correct(self.arrays(), parsed.text)
        return correction.text if correction is not None else None


def _relation(direction: str, kind: str, number: str | None, sentence: str, held: list[dict]) -> dict:
    """One relation as the page and the API show it: linked to ``held[0]`` when we hold that document."""
    labels, held = KINDS[kind], held[0] if held else None
    return {
        "direction": direction,
        "kind": kind,
        "label": labels[0] if direction == "out" else labels[1],
        "number": number,
        "sentence": sentence,
        "id": held["id"] if held else None,
        "title": held["title"] if held else None,
        "date": held.get("date") if held else None,
    }


def _signed_by(request: SearchRequest, arrays: IndexArrays) -> np.ndarray | None:
    """The documents signed by one of the request's signers (any of them), or None for no such filter."""
    if not request.signers:
        return None
    codes, _labels = arrays.column("signer")
    return np.isin(codes, arrays.codes_for("signer", [signer_key(s) for s in request.signers]))


def related_terms(searcher: Searcher, text: str, count: int = 12) -> list[tuple[str, float]]:
    """The words of ``text`` that best tell it apart (folded body terms, with weights), as Whoosh's
    ``more_like`` picks them."""
    return searcher.key_terms_from_text("body_folded", text, numterms=count, normalize=False)


def _search(searcher: Searcher, arrays: IndexArrays, request: SearchRequest, started: float) -> SearchResult:
    parsed = parse(request.q)
    expand, sequences = arrays.prefix_expander(), arrays.sequences

    def query(parsed: ParsedQuery, relaxed: bool = False):
        # the words-together bonus is added to the best documents only (``rank_by_score``)
        return build_query(parsed, relaxed=relaxed, expand_prefix=expand, phrase_bonus=False, sequences=sequences)

    always = F.all_of(
        [arrays.shown(), F.DateFacet().range_mask(request, arrays), _signed_by(request, arrays)], arrays.size
    )
    own = {facet.name: facet.mask(request, arrays) for facet in F.FACETS}
    allowed = F.all_of([always, *own.values()], arrays.size)
    # facets are counted outside their own filter, so the query must be answered there too
    scope = always if request.with_facets else allowed

    found = evaluate(query(parsed), arrays, scope)
    if parsed.number_only and parsed.type_hint and not found.mask.any():
        # "nghị quyết 45" with no such number: the words, as any other query
        parsed = parse(request.q, numbers=False)
        found = evaluate(query(parsed), arrays, scope)
    relaxed = False
    spell = not parsed.empty and not parsed.number_only
    corrected = suggestion = None
    if spell and not (found.mask & allowed).any():
        # a correction that finds every word beats the typed words found some at a time
        correction = correct(arrays, parsed.text)
        try:
            fixed = parse(correction.text) if correction is not None else None
        except QueryError:  # words typed together, apart, can pass the limit on words
            correction = fixed = None
        if correction is not None:
            fixed_found = None
            if not getattr(request, "exact", False):
                fixed_found = evaluate(query(fixed), arrays, scope)
            if fixed_found is not None and (fixed_found.mask & allowed).any():
                parsed, found, corrected = fixed, fixed_found, correction.text
            else:
                suggestion = correction.text
    # soft AND: after the documents with every word, those missing one of three or more, when
    # the first are too few to read on (a long list of them needs nothing after it)
    complete_mask, missing = found.mask.copy(), None
    few = np.count_nonzero(found.mask & allowed) < SOFT_AND_BELOW
    if few and len(parsed.required) >= SOFT_AND_WORDS and not parsed.number_only:
        found, missing = _missing_one(parsed, found, arrays, scope, query)
    if corrected is None and not (found.mask & allowed).any() and len(parsed.required) > 1:
        loose = evaluate(query(parsed, relaxed=True), arrays, scope)
        if (loose.mask & allowed).any():
            found, relaxed = loose, True
    matched = found.mask & allowed
    total = int(np.count_nonzero(matched))
    if request.page > 1 and request.page > request.pages(total):
        raise QueryError(f"Trang {request.page} vượt quá số trang kết quả.")

    facet_values: dict[str, list[F.FacetValue]] = {}
    if request.with_facets:
        counted_under: dict[tuple, np.ndarray] = {}  # with no filter of their own, facets count the same documents
        for facet in F.FACETS:
            others = [m for name, m in own.items() if name != facet.name and m is not None]
            key = tuple(id(m) for m in others)
            if key not in counted_under:
                counted_under[key] = np.flatnonzero(found.mask & F.all_of([always, *others], arrays.size))
            facet_values[facet.name] = facet.values(request, facet.count(request, arrays, counted_under[key]))

    offset = (request.page - 1) * request.per_page
    complete = matched & complete_mask if not relaxed else np.zeros_like(matched)
    if request.sort == "relevance" and not parsed.empty and missing is not None and (matched & ~complete).any():
        # every word first, ranked as usual; then the documents missing one, by their scores
        first, first_scores = rank_by_score(arrays, parsed, found.scores, complete, offset + request.per_page)
        rest = np.flatnonzero(matched & ~complete)
        rest = rest[np.lexsort((rest, -found.scores[rest]))]
        ranked, scores = np.concatenate([first, rest]), np.concatenate([first_scores, found.scores[rest]])
    elif request.sort == "relevance" and not parsed.empty:
        ranked, scores = rank_by_score(arrays, parsed, found.scores, matched, offset + request.per_page)
    elif request.sort == "added":
        ranked, scores = rank_by_added(arrays, matched), None
    else:
        ranked, scores = rank_by_date(arrays, matched, newest=request.sort != "oldest"), None
    hits = []
    marked = (parsed.highlight_sequences(), parsed.prefixes())
    for n in range(offset, min(offset + request.per_page, len(ranked))):
        doc = searcher.stored_fields(int(ranked[n]))["doc"]
        lacking = missing[int(ranked[n])] if missing is not None and not complete[int(ranked[n])] else None
        hits.append(_hit(doc, float(scores[n]) if scores is not None else 0.0, marked, lacking))
    if spell and total and not relaxed and corrected is None and suggestion is None:
        # every word found: "did you mean" only for marks no document has, or a far more common word
        better = correct(arrays, parsed.text, found=total)
        suggestion = better.text if better is not None else None
    took = (time.perf_counter() - started) * 1000
    corrected_from = request.q if corrected is not None else None
    return SearchResult(
        request,
        total,
        hits,
        facet_values,
        took,
        suggestion,
        relaxed,
        parsed,
        corrected,
        corrected_from,
        complete=int(np.count_nonzero(complete)) if not relaxed else 0,
    )


def _missing_one(parsed: ParsedQuery, found, arrays: IndexArrays, scope: np.ndarray, query):
    """``found`` with the documents that hold every word but one added, scored by the words they
    hold; and for each document the word it lacks ("" where it lacks none)."""
    clauses = parsed.required
    queries = [query(replace(parsed, required=[clause])) for clause in clauses]
    # the rarest words first: a document lacking one word holds one of any two, so once the two
    # rarest are read the others are read only where either stands
    order = sorted(range(len(clauses)), key=lambda n: at_most(queries[n], arrays))
    held = np.zeros(arrays.size, dtype=np.int16)
    scores = np.zeros(arrays.size, dtype=np.float32)
    lacking = np.full(arrays.size, -1, dtype=np.int16)
    either = np.zeros(arrays.size, dtype=bool)
    for rank, n in enumerate(order):
        one = evaluate(queries[n], arrays, scope if rank < 2 else scope & either)
        held += one.mask
        scores += np.where(one.mask, one.scores, 0)
        lacking[~one.mask] = n
        if rank < 2:
            either |= one.mask
    near = (held == len(clauses) - 1) & ~found.mask & either
    if not near.any():
        return found, None
    found.mask |= near
    found.scores[near] = scores[near]
    words = [" ".join(c.alternatives[0]) if c.alternatives else (c.number or "") for c in clauses]
    missing = np.empty(arrays.size, dtype=object)
    missing[near] = [words[k] for k in lacking[near]]
    return found, missing


def _hit(doc: dict, score: float, marked: tuple[list, list], missing: str | None = None) -> Hit:
    """A result as shown; ``marked`` is the query's (highlight_sequences(), prefixes())."""
    sequences, prefixes = marked
    kind = doc.get("type") or "tin tức"
    # the letterhead and nơi nhận of an official document never make its snippet; in a long one
    # the snippet says which part it is from ("Điều 5. …") and the hit links there
    texts = [p for p in doc.get("body", "").split("\n") if p.strip()]
    paragraphs = parts(texts).body(texts)
    sections = outline(paragraphs) if len(paragraphs) >= OUTLINED else []
    budget, kept = LONG_SCAN_CHARS if sections else SCAN_CHARS, []
    for p in paragraphs:
        kept.append(p)
        budget -= len(p)
        if budget <= 0:
            break
    at = best_paragraph(kept, sequences, prefixes) if sections else None
    if at is not None:
        # a law's Điều, a plan's "II. …": an item ("3. …") is a sentence, not a name
        part = section_of(sections, at, deepest=4 if any(s.anchor.startswith("dieu-") for s in sections) else 2)
        shown = passage(kept[at : at + 3], sequences, prefixes)
    else:
        part, shown = None, passage(kept, sequences, prefixes)
    return Hit(
        id=doc["id"],
        title=doc["title"],
        title_html=highlight(doc["title"], sequences, prefixes),
        date=doc.get("date"),
        unit=doc.get("unit"),
        type=kind,
        type_label=TYPE_LABELS.get(kind, doc.get("type") or ""),
        number=doc.get("number"),
        numbers=doc.get("numbers") or [],
        url=doc.get("url"),
        snippet=shown,
        part=part.label if part else None,
        anchor=part.anchor if part else None,
        missing=missing,
        original=ORIGINAL_KINDS.get(os.path.splitext(doc.get("source") or "")[1].lower()),
        signer=doc.get("signer"),
        score=round(score, 4),
        added=doc.get("added"),
        changed=doc.get("changed"),
    )
