"""Baselines of bench/queries.py, over exactly the documents (and tokens) of our Whoosh index.

* ``LikeScan``: what a CMS search does: ``WHERE text LIKE '%typed words%'`` in SQLite (in memory),
  over the lower-cased title and body; one scan per query, then the page (newest first), the
  total and, when asked, the facet counts are computed from the matching rows.
* ``TantivyBaseline``: Tantivy over the same pre-segmented tokens. The tokens are read back from
  our index's packed files (syllables and compound words at their positions; the folded fields
  fold them), so pyvi does not run again; the query is our own Whoosh query (``build_query``, filters of
  ``search_app.engine.facets``) translated node by node, so both engines match the same documents by the
  same rules. Facets are counted with Tantivy's terms aggregation, each facet under the other
  facets' filters like ours.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import numpy as np
import tantivy
from tantivy import Occur
from tantivy import Query as T
from whoosh import query as Q

from indexer import whoosh_w3
from indexer.documents import gazetteer
from indexer.index.packed import PackedSegment, packed_path
from indexer.text.normalise import fold_accents
from search_app.engine import SearchRequest
from search_app.engine import facets as F
from search_app.engine.arrays import ArrayStore
from search_app.engine.query import MAX_PREFIX_TERMS, build_query, parse

TEXT = ("title_exact", "title_folded", "body_exact", "body_folded")
KEYWORDS = ("id", "unit", "type", "year", "month", "number", "numbers")


def stored_docs(searcher) -> list[dict]:
    """The stored article of every document a search lists (``IndexArrays.shown``: the live ones,
    each article once), in document-number order."""
    shown = ArrayStore().arrays(searcher).shown()
    return [dict(searcher.stored_fields(n)["doc"], _docnum=n) for n in np.flatnonzero(shown).tolist()]


# --- our facet filters as Whoosh queries, for an engine that takes queries -----------------------


def _any_of(fieldname: str, values) -> Q.Query | None:
    return Q.Or([Q.Term(fieldname, v) for v in values]) if values else None


def range_filter(request: SearchRequest) -> Q.Query | None:
    """The from-to range: it applies to every count, the date facet's included."""
    if not request.date_from and not request.date_to:
        return None
    start = datetime.combine(request.date_from, datetime.min.time()) if request.date_from else None
    end = datetime.combine(request.date_to, datetime.max.time()) if request.date_to else None
    return Q.DateRange("date", start, end)


def facet_filter(facet: F.Facet, request: SearchRequest) -> Q.Query | None:
    """What ``facet.mask`` selects, as a query: a unit with every unit under it; the documents
    without a unit or a date are held under ``F.UNKNOWN`` (see ``build_tantivy``)."""
    if isinstance(facet, F.UnitFacet):
        gaz = gazetteer.current()
        chosen = facet.selected(request)
        return _any_of("unit", sorted({n for v in chosen for n in ([v] if v == F.UNKNOWN else gaz.within(v))}))
    if isinstance(facet, F.FieldFacet):
        return _any_of(facet.fieldname, facet.selected(request))
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


def combine(filters: list[Q.Query | None]) -> Q.Query | None:
    parts = [f for f in filters if f is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


# --- LIKE scan -------------------------------------------------------------------------------


class LikeScan:
    def __init__(self, docs: list[dict]):
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("CREATE TABLE docs (id TEXT, title TEXT, text TEXT, unit TEXT, type TEXT, date TEXT)")
        self.db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    d["id"],
                    d["title"],
                    (d["title"] + "\n" + d.get("body", "")).lower(),
                    d.get("unit"),
                    d["type"],
                    d["date"],
                )
                for d in docs
            ),
        )

    def search(self, request: SearchRequest) -> int:
        """The typed text as one LIKE pattern; returns the total (page and counts kept in ``last``)."""
        pattern = "%" + request.q.replace('"', "").strip().lower() + "%"
        rows = self.db.execute("SELECT id, title, unit, type, date FROM docs WHERE text LIKE ?", (pattern,)).fetchall()
        kept = [r for r in rows if _like_filters(r, request)]
        page = sorted(kept, key=lambda r: r[4] or "", reverse=request.sort != "oldest")[: request.per_page]
        counts = {}
        if request.with_facets:
            counts = {k: Counter(key(r) for r in kept) for k, key in _LIKE_FACETS.items()}
        self.last = (page, counts)
        return len(kept)


_LIKE_FACETS = {"unit": lambda r: r[2], "type": lambda r: r[3], "year": lambda r: (r[4] or "")[:4]}


def _like_filters(row: tuple, request: SearchRequest) -> bool:
    _id, _title, unit, doc_type, day = row
    day = day or ""
    return (
        (not request.units or unit in request.units)
        and (not request.types or doc_type in request.types)
        and (not request.years or day[:4] in request.years)
        and (not request.months or day[:7] in request.months)
        and (not request.date_from or day >= request.date_from.isoformat())
        and (not request.date_to or day <= request.date_to.isoformat())
    )


# --- Tantivy ---------------------------------------------------------------------------------


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for name in TEXT:
        sb.add_text_field(name, tokenizer_name="raw", index_option="position")
    for name in KEYWORDS:
        sb.add_text_field(
            name, stored=name == "id", fast=name in ("unit", "type", "year", "month"), tokenizer_name="raw"
        )
    sb.add_text_field("doc", stored=True, index_option="basic", tokenizer_name="raw")
    sb.add_date_field("date", indexed=True, fast=True)
    return sb.build()


def _segment_tokens(packed, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Every token of one segment's field, from its packed file (Whoosh keeps no positions of text
    fields): the field's terms, and per token its document, position and term number, in document
    and position order."""
    terms: list[str] = []
    ids_parts, counts_parts, positions_parts = [], [], []
    for term, ids, counts, flat in packed.field_terms(fieldname):
        terms.append(term.decode("utf-8"))
        ids_parts.append(ids)
        counts_parts.append(counts)
        positions_parts.append(flat)
    if not terms:
        empty = np.empty(0, dtype=np.int64)
        return terms, empty, empty, empty
    counts = np.concatenate(counts_parts).astype(np.int32)
    docs = np.repeat(np.concatenate(ids_parts).astype(np.int32), counts)
    positions = np.concatenate(positions_parts).astype(np.int32)
    per_term = np.array([len(flat) for flat in positions_parts], dtype=np.int64)
    numbers = np.repeat(np.arange(len(terms), dtype=np.int32), per_term)
    order = np.lexsort((numbers, positions, docs))
    return terms, docs[order], positions[order], numbers[order]


def _tokens(terms: list[str], positions: list[int], numbers: list[int]) -> tantivy.PreTokenizedString:
    tokens = [tantivy.Token(terms[t], p, p, p + 1) for p, t in zip(positions, numbers, strict=True)]
    return tantivy.PreTokenizedString(" ".join(terms[t] for t in numbers), tokens)


def _keyword_terms(reader, fieldnames) -> dict[int, list[tuple[str, str]]]:
    """(field, term) of each document's terms in keyword fields, from Whoosh's postings (our
    index's own forms of a document number: lower case, accented and folded, leading zeros off)."""
    out: dict[int, list[tuple[str, str]]] = {}
    for fieldname in fieldnames:
        for raw in reader.lexicon(fieldname):
            term = raw.decode("utf-8")
            for n in reader.postings(fieldname, raw).all_ids():
                out.setdefault(n, []).append((fieldname, term))
    return out


def build_tantivy(reader, docs: list[dict], path: Path) -> float:
    """A Tantivy index of the same documents and tokens; returns seconds (packed files read included).

    Each field's tokens are its exact terms at their positions (syllables, and compound words at
    their first syllable's), as our index holds them; the folded fields fold those tokens.
    """
    started = time.monotonic()
    final, path = path, path.with_name(path.name + ".tmp")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    index = tantivy.Index(_schema(), path=str(path))
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    by_num = {d["_docnum"]: d for d in docs}
    keywords = _keyword_terms(reader, ("number", "numbers"))
    for leaf, offset in reader.leaf_readers():
        packed = PackedSegment(packed_path(whoosh_w3.segment_folder(leaf), leaf.segment()))
        fields = {}
        for name in ("title", "body"):
            terms, ids, positions, numbers = _segment_tokens(packed, f"{name}_exact")
            folded = [fold_accents(t) for t in terms]
            bounds = np.searchsorted(ids, np.arange(packed.doc_count + 1))
            fields[name] = (terms, folded, bounds, positions, numbers)
        for local in range(packed.doc_count):
            d = by_num.get(offset + local)
            if d is None:  # deleted, or a copy of an article listed once
                continue
            doc = tantivy.Document()
            for name, (terms, folded, bounds, positions, numbers) in fields.items():
                lo, hi = int(bounds[local]), int(bounds[local + 1])
                at, which = positions[lo:hi].tolist(), numbers[lo:hi].tolist()
                doc.add_pre_tokenized_text(f"{name}_exact", _tokens(terms, at, which))
                doc.add_pre_tokenized_text(f"{name}_folded", _tokens(folded, at, which))
            doc.add_text("id", d["id"])
            doc.add_text("type", d["type"] or "tin tức")
            doc.add_text("doc", d["id"])
            doc.add_text("unit", d.get("unit") or F.UNKNOWN)
            if d.get("date"):
                day = date.fromisoformat(d["date"])
                doc.add_date("date", datetime(day.year, day.month, day.day))
                doc.add_text("year", f"{day.year:04d}")
                doc.add_text("month", f"{day.year:04d}-{day.month:02d}")
            else:
                doc.add_text("year", F.UNKNOWN)
            for field, term in keywords.get(offset + local, ()):
                doc.add_text(field, term)
            writer.add_document(doc)
        del fields
    writer.commit()
    writer.wait_merging_threads()
    path.rename(final)  # only a finished index gets the name that is reused
    return time.monotonic() - started


class TantivyBaseline:
    def __init__(self, path: Path):
        self.index = tantivy.Index.open(str(path))
        self.index.reload()
        self.searcher = self.index.searcher()
        self.schema = self.index.schema

    # Whoosh query -> Tantivy query, node by node
    def convert(self, q: Q.Query) -> tantivy.Query:
        s = self.schema
        boost = getattr(q, "boost", 1.0)
        if q is Q.NullQuery or isinstance(q, Q.NullQuery.__class__):
            return T.empty_query()
        if isinstance(q, Q.Every):
            out = T.all_query()
        elif isinstance(q, Q.Term):
            out = T.term_query(s, q.fieldname, q.text)
        elif isinstance(q, Q.Prefix):
            out = T.regex_query(s, q.fieldname, re.escape(q.text) + ".*")
        elif isinstance(q, Q.Phrase):
            out = T.phrase_query(s, q.fieldname, list(q.words), slop=q.slop if q.slop > 1 else 0)
        elif isinstance(q, Q.DateRange):
            out = T.range_query(s, "date", tantivy.FieldType.Date, q.startdate, q.enddate)
        elif isinstance(q, Q.ConstantScoreQuery):
            return T.const_score_query(self.convert(q.child), q.score)
        elif isinstance(q, Q.AndMaybe):
            out = T.boolean_query([(Occur.Must, self.convert(q.a)), (Occur.Should, self.convert(q.b))])
        elif isinstance(q, Q.AndNot):
            out = T.boolean_query([(Occur.Must, self.convert(q.a)), (Occur.MustNot, self.convert(q.b))])
        elif isinstance(q, Q.And | Q.Or):
            occur = Occur.Must if isinstance(q, Q.And) else Occur.Should
            out = T.boolean_query([(occur, self.convert(sub)) for sub in q.subqueries])
        else:
            raise TypeError(f"no translation for {type(q).__name__}")
        return T.boost_query(out, boost) if boost != 1.0 else out

    def expand(self, fieldname: str, prefix: str) -> list[str]:
        return [t for t, _n in self.searcher.terms_with_prefix(fieldname, prefix, limit=MAX_PREFIX_TERMS)]

    def _agg(self, query: tantivy.Query, groups: list[str]) -> dict:
        spec = {g: {"terms": {"field": g, "size": 1000}} for g in groups}
        return self.searcher.aggregate(query, spec)

    def search(self, request: SearchRequest) -> int:
        """Our query and filters, run and counted by Tantivy; returns the total."""
        always = range_filter(request)
        own = {f.name: facet_filter(f, request) for f in F.FACETS}
        filters = combine([always, *own.values()])

        def under(query: tantivy.Query, where: Q.Query | None) -> tantivy.Query:
            return query if where is None else T.boolean_query([(Occur.Must, query), (Occur.Must, self.convert(where))])

        parsed = parse(request.q)
        main = self.convert(build_query(parsed, expand_prefix=self.expand))
        if parsed.number_only and parsed.type_hint:
            # "qd 15" and no such number where the facets are counted: the words, as ours
            if not self.searcher.search(under(main, always if request.with_facets else filters), limit=1).count:
                parsed = parse(request.q, numbers=False)
                main = self.convert(build_query(parsed, expand_prefix=self.expand))
        q = under(main, filters)
        sort = request.sort if not (parsed.empty and request.sort == "relevance") else "newest"
        if sort == "relevance":
            found = self.searcher.search(q, limit=request.per_page)
        else:
            order = tantivy.Order.Desc if sort == "newest" else tantivy.Order.Asc
            found = self.searcher.search(q, limit=request.per_page, order_by_field="date", order=order)
        if not found.count and len(parsed.required) > 1:  # relaxed, as ours
            q = under(self.convert(build_query(parsed, relaxed=True, expand_prefix=self.expand)), filters)
            found = self.searcher.search(q, limit=request.per_page)
        for _score, address in found.hits:
            self.searcher.doc(address)
        if request.with_facets:
            count_q = self.convert(build_query(parsed, expand_prefix=self.expand, bonus=False))
            unfiltered = [g for f in F.FACETS if own[f.name] is None for g in f.counted(request)]
            if unfiltered:
                self._agg(q, unfiltered)
            for f in F.FACETS:
                if own[f.name] is not None:
                    others = combine([always, *(v for k, v in own.items() if k != f.name)])
                    self._agg(under(count_q, others), f.counted(request))
        return found.count
