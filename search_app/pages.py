"""Server-rendered pages: search with facets, document, OpenSearch description, Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template, request, url_for
from markupsafe import Markup

from indexer.highlight import highlight
from indexer.metadata import TYPE_LABELS
from indexer.query import QueryError as _QueryError
from indexer.query import parse
from indexer.search import QueryError, get_document, related, search
from search_app.errors import error_response
from search_app.params import request_from_args, toggle_url, url_with

bp = Blueprint("pages", __name__)

SORT_LABELS = {"relevance": "Liên quan nhất", "newest": "Mới nhất", "oldest": "Cũ nhất"}


def searcher():
    return current_app.extensions["searchers"].get()


@bp.app_template_filter("vndate")
def vndate(value: str | None) -> str:
    if not value:
        return "không rõ ngày"
    y, m, d = value.split("-")
    return f"{int(d):02d}/{int(m):02d}/{y}"


@bp.get("/")
def index():
    args = request.args
    try:
        req = request_from_args(args)
        result = search(searcher(), req)
    except QueryError as exc:
        return render_template(
            "search.html",
            error=str(exc),
            result=None,
            args=args,
            q=args.get("q", ""),
            sort_labels=SORT_LABELS,
            url_with=url_with,
            toggle_url=toggle_url,
        ), 400
    chips = _chips(args, result)
    return render_template(
        "search.html",
        result=result,
        args=args,
        q=req.q,
        chips=chips,
        error=None,
        sort_labels=SORT_LABELS,
        url_with=url_with,
        toggle_url=toggle_url,
    )


def _chips(args, result) -> list[dict]:
    """Active filters, each with the link that removes it."""
    chips = []
    labels = {"unit": "Đơn vị", "type": "Loại", "year": "Năm", "month": "Tháng"}
    req = result.request
    for param, values in (("year", req.years), ("month", req.months), ("unit", req.units), ("type", req.types)):
        for value in values:
            label = TYPE_LABELS.get(value, value) if param == "type" else value
            chips.append({"label": f"{labels[param]}: {label}", "url": toggle_url(args, param, value)})
    for param, label in (("from", "Từ ngày"), ("to", "Đến ngày")):
        if args.get(param):
            chips.append({"label": f"{label}: {args[param]}", "url": url_with(args, **{param: None})})
    return chips


@bp.get("/tai-lieu/<path:doc_id>")
def document(doc_id: str):
    s = searcher()
    doc = get_document(s, doc_id)
    if doc is None:
        return error_response(404, "Không tìm thấy tài liệu này. Có thể tài liệu đã bị gỡ.")
    q = request.args.get("q", "")
    try:
        parsed = parse(q)
    except _QueryError:
        parsed = parse("")
    sequences, prefixes = parsed.highlight_sequences(), parsed.prefixes()
    paragraphs = [Markup(highlight(p, sequences, prefixes)) for p in doc.get("body", "").split("\n") if p.strip()]
    captions = [Markup(highlight(c, sequences, prefixes)) for c in doc.get("captions", [])]
    return render_template(
        "document.html",
        doc=doc,
        q=q,
        title_html=Markup(highlight(doc["title"], sequences, prefixes)),
        paragraphs=paragraphs,
        captions=captions,
        type_label=TYPE_LABELS.get(doc.get("type") or "", doc.get("type")),
        related=related(s, doc_id),
    )


@bp.get("/opensearch.xml")
def opensearch():
    xml = render_template("opensearch.xml", base=request.host_url.rstrip("/"))
    return Response(xml, mimetype="application/opensearchdescription+xml")


@bp.get("/feed")
def feed():
    args = request.args.copy()
    if "sort" not in args:
        args["sort"] = "newest"
    args.setdefault("per_page", "30")
    try:
        req = request_from_args(args)
        result = search(searcher(), req)
    except QueryError as exc:
        return error_response(400, str(exc))
    updated = max((h.date for h in result.hits if h.date), default=None)
    xml = render_template(
        "feed.xml",
        result=result,
        q=req.q,
        self_url=request.url,
        page_url=url_with(request.args, url_for("pages.index", _external=True)),
        updated=(updated + "T00:00:00Z") if updated else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return Response(xml, mimetype="application/atom+xml")
