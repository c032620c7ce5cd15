"""Server-rendered pages: search with facets, document, OpenSearch description, Atom feed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, send_file, send_from_directory, url_for
from markupsafe import Markup

from indexer.documents import structure
from indexer.documents.metadata import TYPE_LABELS
from indexer.documents.relations import KINDS, number_key
from indexer.index.build import recorded_sources
from search_app.dates import shown_date
from search_app.engine import SORTS, QueryError
from search_app.engine.facets import FACETS, PARAM_LABELS, UNKNOWN, value_label
from search_app.engine.highlight import highlight
from search_app.engine.query import parse
from search_app.engine.request import DEFAULT_SORT
from search_app.web import absolute, base_url, engine, settings
from search_app.web.errors import error_response
from search_app.web.params import Toggles, request_from_args, url_with

bp = Blueprint("pages", __name__)

# what every rendering of search.html needs besides the result
PAGE_PARTS = {
    "sorts": SORTS,
    "default_sort": DEFAULT_SORT,
    "facet_labels": {facet.name: facet.label for facet in FACETS},
    "url_with": url_with,
}


@bp.app_template_filter("vndate")
def vndate(value: str | None) -> str:
    return shown_date(value) if value else "không rõ ngày"


@bp.app_template_filter("host")
def host(url: str) -> str:
    """ "https://ldld.langson.gov.vn/tin/a.html" -> "ldld.langson.gov.vn": where a copy was published."""
    return urlsplit(url).hostname or url


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
    toggle = Toggles(args)
    return render_template(
        "search.html",
        result=result,
        args=args,
        q=req.q,
        chips=_chips(args, result, toggle),
        toggle=toggle,
        children=_children(result.facets),
        error=None,
        **PAGE_PARTS,
    )


def _children(facets: dict) -> dict[str, dict[str, list]]:
    """Per facet, the values nested under each value (a unit's districts and grassroots unions),
    worked out once: the page's tree would otherwise look through every value for each one."""
    out: dict[str, dict[str, list]] = {}
    for name, values in facets.items():
        nested = out[name] = {}
        for value in values:
            if value.parent:
                nested.setdefault(value.parent, []).append(value)
    return out


def _chips(args, result, toggle: Toggles) -> list[dict]:
    """Active filters, each with the link that removes it."""
    chips = []
    req = result.request
    for param, values in (("year", req.years), ("month", req.months), ("unit", req.units), ("type", req.types)):
        for value in values:
            text = value_label(param, value)
            if param != "month" and not (value == UNKNOWN and param == "year"):
                text = f"{PARAM_LABELS[param]}: {text}"
            chips.append({"label": text, "url": toggle(param, value)})
    for value in req.signers:
        chips.append({"label": f"Người ký: {value}", "url": toggle("signer", value)})
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
    texts = [p for p in doc.get("body", "").split("\n") if p.strip()]
    paragraphs = [Markup(highlight(p, sequences, prefixes)) for p in texts]
    found = structure.parts(texts)
    body = found.body(texts)
    sections = structure.outline(body)
    anchors = {s.index: s for s in sections}
    captions = [Markup(highlight(c, sequences, prefixes)) for c in doc.get("captions", [])]
    relations = engine().relations(doc)
    typed = {number_key(r["number"]) for r in relations if r["direction"] == "out"}
    own = number_key(doc.get("number") or "")
    original = original_file(doc)
    return render_template(
        "document.html",
        doc=doc,
        q=q,
        back_url=url_with(request.args, url_for("pages.index"), page=request.args.get("page")),
        cited=[n for n in doc.get("numbers") or [] if number_key(n) not in typed | {own}],
        relations=_by_kind(relations),
        original=original
        and {
            "url": url_for("pages.original", doc_id=doc_id),
            "kind": original.suffix.lstrip(".").upper(),
            "size": _size(original.stat().st_size),
        },
        title_html=Markup(highlight(doc["title"], sequences, prefixes)),
        letterhead=paragraphs[: found.head],
        blocks=_blocks(body, paragraphs[found.head : found.tail], anchors),
        contents=[s for s in sections if s.level <= 4] if len(sections) >= 3 else [],
        closing=paragraphs[found.tail :],
        signer=doc.get("signer") or found.signer,
        position=found.position,
        captions=captions,
        type_label=TYPE_LABELS.get(doc.get("type") or "", doc.get("type")),
        related=engine().related(doc_id),
        copies=engine().copies(doc_id),
    )


def _by_kind(relations: list[dict]) -> list[dict]:
    """Relations in one list per kind and direction (this document's first, then the others'),
    each headed by its label: "Căn cứ", …, "Văn bản hướng dẫn văn bản này"."""
    groups: dict[tuple[str, str], dict] = {}
    for direction in ("out", "in"):
        for kind in KINDS:
            for relation in relations:
                if relation["direction"] == direction and relation["kind"] == kind:
                    group = groups.setdefault((direction, kind), {"label": relation["label"], "items": []})
                    group["items"].append(relation)
    return list(groups.values())


CELL = " | "  # how extraction writes a table row's cells (see indexer.documents.extract.html_blocks)


def _blocks(texts: list[str], shown: list[Markup], anchors: dict) -> list[dict]:
    """The body as the page shows it: paragraphs (with their anchors), and runs of two or more
    rows with the same number of cells as a table, its first row the header."""
    blocks: list[dict] = []
    n = 0
    while n < len(texts):
        width = texts[n].count(CELL) + 1
        end = n
        while end < len(texts) and width > 1 and texts[end].count(CELL) + 1 == width and end not in anchors:
            end += 1
        if end - n >= 2:
            rows = [[Markup(cell) for cell in str(shown[k]).split(CELL)] for k in range(n, end)]
            blocks.append({"table": rows})
            n = end
        else:
            blocks.append({"html": shown[n], "section": anchors.get(n)})
            n += 1
    return blocks


# the files members may download as they were given to us, and how they are sent
ORIGINAL_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".htm": "text/html",
}


def original_file(doc: dict) -> Path | None:
    """The file a document was read from, if it is one members can download: a PDF, Word or HTML
    file inside a folder or file the index was built from (never any other path of the machine)."""
    path = Path(doc.get("source") or "")
    if path.suffix.lower() not in ORIGINAL_TYPES or not path.is_file():
        return None
    resolved = path.resolve()
    for root in recorded_sources(settings().index_dir):
        root = root.resolve()
        if resolved == root or root in resolved.parents:
            return resolved
    return None


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",") if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


@bp.get("/tep-goc/<path:doc_id>")
def original(doc_id: str):
    """The original file of a document, as an attachment with a safe name and its own type."""
    doc = engine().document(doc_id)
    path = original_file(doc) if doc else None
    if path is None:
        return error_response(404, "Tài liệu này không có tệp gốc để tải về.")
    name = re.sub(r"[^\w.-]+", "-", doc_id).strip("-.") or "tai-lieu"
    return send_file(
        path,
        mimetype=ORIGINAL_TYPES[path.suffix.lower()],
        as_attachment=True,
        download_name=name + path.suffix.lower(),
        conditional=True,
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
