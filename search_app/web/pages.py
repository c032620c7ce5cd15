"""Server-rendered pages: search with facets, document, OpenSearch description, Atom feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory, url_for
from markupsafe import Markup

from indexer.documents.metadata import TYPE_LABELS
from search_app.engine import SORTS, QueryError
from search_app.engine.facets import FACETS, PARAM_LABELS, month_label
from search_app.engine.highlight import highlight
from search_app.engine.query import parse
from search_app.engine.request import DEFAULT_SORT
from search_app.web import absolute, base_url, engine
from search_app.web.errors import error_response
from search_app.web.params import request_from_args, toggle_url, url_with

bp = Blueprint("pages", __name__)

# what every rendering of search.html needs besides the result
PAGE_PARTS = {
    "sorts": SORTS,
    "default_sort": DEFAULT_SORT,
    "facet_labels": {facet.name: facet.label for facet in FACETS},
    "url_with": url_with,
    "toggle_url": toggle_url,
}


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
        result = engine().search(req)
    except QueryError as exc:
        return render_template(
            "search.html", error=str(exc), result=None, args=args, q=args.get("q", ""), **PAGE_PARTS
        ), 400
    return render_template(
        "search.html", result=result, args=args, q=req.q, chips=_chips(args, result), error=None, **PAGE_PARTS
    )


def _chips(args, result) -> list[dict]:
    """Active filters, each with the link that removes it."""
    chips = []
    req = result.request
    for param, values in (("year", req.years), ("month", req.months), ("unit", req.units), ("type", req.types)):
        for value in values:
            if param == "month":
                text = month_label(value)
            else:
                text = f"{PARAM_LABELS[param]}: {TYPE_LABELS.get(value, value) if param == 'type' else value}"
            chips.append({"label": text, "url": toggle_url(args, param, value)})
    for param, label, value in (("from", "Từ ngày", req.date_from), ("to", "Đến ngày", req.date_to)):
        if value:
            chips.append({"label": f"{label} {vndate(value.isoformat())}", "url": url_with(args, **{param: None})})
    return chips


@bp.get("/tai-lieu/<path:doc_id>")
def document(doc_id: str):
    doc = engine().document(doc_id)
    if doc is None:
        return error_response(404, "Không tìm thấy tài liệu này. Có thể tài liệu đã bị gỡ.")
    q = request.args.get("q", "")
    try:
        parsed = parse(q)
    except QueryError:
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
        related=engine().related(doc_id),
    )


@bp.get("/favicon.ico")
def favicon():
    """For clients that ask for the icon without reading the page's <link rel="icon">."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")


@bp.get("/manifest.webmanifest")
def manifest():
    body = {
        "name": "Tra cứu văn bản Công đoàn",
        "short_name": "Tra cứu CĐ",
        "description": "Tra cứu văn bản, nghị quyết, kế hoạch, hướng dẫn và tin tức Công đoàn",
        "lang": "vi",
        "start_url": url_for("pages.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f7f8fa",
        "theme_color": "#b3121f",
        "icons": [
            {"src": url_for("static", filename="favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@bp.get("/opensearch.xml")
def opensearch():
    xml = render_template("opensearch.xml", base=base_url())
    return Response(xml, mimetype="application/opensearchdescription+xml")


@bp.get("/feed")
def feed():
    args = request.args.copy()
    if "sort" not in args:
        args["sort"] = "added"  # a reader learns of what is new here, whatever its date
    args.setdefault("per_page", "30")
    try:
        req = request_from_args(args)
        result = engine().search(req)
    except QueryError as exc:
        return error_response(400, str(exc))
    updated = max((h.changed for h in result.hits if h.changed), default=None)
    xml = render_template(
        "feed.xml",
        result=result,
        q=req.q,
        self_url=absolute(request.full_path.rstrip("?")),
        page_url=absolute(url_with(request.args, url_for("pages.index"))),
        updated=updated or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return Response(xml, mimetype="application/atom+xml")
