"""JSON API: /api/search, /api/documents/<id>, /api/openapi.json. Same search as the pages."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request, session, url_for
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from indexer.index import ingest
from indexer.index.build import IndexBusy
from search_app.engine import QueryError
from search_app.web import absolute, accounts, audit, base_url, engine, settings
from search_app.web.errors import error_response
from search_app.web.openapi import openapi_document
from search_app.web.params import Toggles, request_from_args, url_with

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def api_search():
    try:
        req = request_from_args(request.args)
        result = engine().search(req)
    except QueryError as exc:
        return error_response(400, str(exc))
    body = result.to_json()
    for hit in body["hits"]:
        hit["url"] = hit["url"] or absolute(url_for("pages.document", doc_id=hit["id"]))
    here = url_for("api.api_search")
    toggle, base = Toggles(request.args, here), absolute("")
    for values in body["facets"].values():
        for value in values:
            # the page's link for this value, asking the API
            value["toggle_url"] = base + toggle(value["param"], value["value"])
    page = result.request.page
    body["next_url"] = absolute(url_with(request.args, here, page=page + 1)) if page < result.pages else None
    body["prev_url"] = absolute(url_with(request.args, here, page=page - 1)) if page > 1 else None
    links = [f'<{body[key]}>; rel="{rel}"' for key, rel in (("next_url", "next"), ("prev_url", "prev")) if body[key]]
    return jsonify(body), 200, {"Link": ", ".join(links)} if links else {}


_KIND_LABELS = {"number": "Số hiệu", "unit": "Đơn vị", "phrase": "Cụm từ", "title": "Tài liệu"}


@bp.get("/suggest")
def api_suggest():
    """Completions as a member types; ``format=opensearch`` for a browser's search box."""
    text = request.args.get("q", "")
    if len(text) > 200:
        return error_response(400, "Chuỗi gợi ý quá dài: tối đa 200 ký tự.")
    completions = engine().complete(text)
    items = []
    for c in completions:
        item = c.to_json()
        if c.kind == "title":
            item["url"] = absolute(url_for("pages.document", doc_id=c.doc_id))
        elif c.kind == "unit":
            item["url"] = absolute(url_for("pages.index", unit=c.unit))
        else:
            item["url"] = absolute(url_for("pages.index", q=c.q))
        items.append(item)
    if request.args.get("format") == "opensearch":
        body = [text, [i["label"] for i in items], [_KIND_LABELS[i["kind"]] for i in items], [i["url"] for i in items]]
        return current_app.response_class(
            json.dumps(body, ensure_ascii=False), mimetype="application/x-suggestions+json"
        )
    return jsonify({"q": text, "suggestions": items})


@bp.get("/documents/<path:doc_id>")
def api_document(doc_id: str):
    doc = engine().document(doc_id)
    if doc is None:
        return error_response(404, f"Không có tài liệu mã {doc_id!r}.")
    doc = dict(doc)
    doc.pop("source", None)
    doc["page_url"] = absolute(url_for("pages.document", doc_id=doc_id))
    # both ways, each linked when we hold the other document (the text's own list, resolved)
    doc["relations"] = [
        {**r, "page_url": absolute(url_for("pages.document", doc_id=r["id"])) if r["id"] else None}
        for r in engine().relations(doc)
    ]
    doc["copies"] = [
        {
            "id": c["id"],
            "title": c["title"],
            "url": c.get("url"),
            "page_url": absolute(url_for("pages.document", doc_id=c["id"])),
        }
        for c in engine().copies(doc_id)
    ]
    return jsonify(doc)


def _token_user() -> str | None:
    """Who sends a change: a bearer token's owner, or a signed-in staff member whose page sent
    its CSRF token in X-CSRFToken (a cookie alone never suffices: another site can send it)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return accounts.token_owner(settings().data, header[7:].strip())
    if session.get("staff") and request.headers.get("X-CSRFToken"):
        try:
            validate_csrf(request.headers["X-CSRFToken"])
        except ValidationError:
            return None
        user = accounts.session_user(settings().data, session.get("sid", ""))
        return user if user == session.get("staff") else None
    return None


def _auth_error():
    response, status = error_response(
        401, "Cần token hợp lệ (Authorization: Bearer <token>) hoặc phiên đăng nhập quản trị kèm X-CSRFToken."
    )
    return response, status, {"WWW-Authenticate": "Bearer"}


@bp.post("/documents")
def api_add_document():
    """A document as JSON (title, body and metadata) or as an uploaded file ("file", plus fields)."""
    user = _token_user()
    if user is None:
        return _auth_error()
    uploads, index = settings().uploads_dir, settings().index_dir
    try:
        if request.files.get("file"):
            storage = request.files["file"]
            upload = ingest.Upload(storage.filename or "", storage.read(ingest.MAX_FILE_BYTES + 1))
            article = ingest.add_upload(uploads, index, upload, request.form.to_dict())
        else:
            data = request.get_json(silent=True)
            if not isinstance(data, dict):
                return error_response(400, "Cần JSON {title, body, date, unit, type, number, url} hoặc một tệp.")
            fields = {k: str(v) for k, v in data.items() if k != "body" and v is not None}
            article = ingest.add_text(uploads, index, fields, str(data.get("body") or ""))
    except ingest.IngestError as exc:
        return error_response(400, str(exc))
    except IndexBusy as exc:
        return error_response(409, str(exc))
    audit.record(settings().data, user, "add", article.id, article.title, "API")
    body = dict(engine().document(article.id) or article.to_dict())  # as indexed: with when it was added
    body.pop("source", None)
    body["page_url"] = absolute(url_for("pages.document", doc_id=article.id))
    return jsonify(body), 201, {"Location": url_for("api.api_document", doc_id=article.id)}


@bp.delete("/documents/<path:doc_id>")
def api_remove_document(doc_id: str):
    user = _token_user()
    if user is None:
        return _auth_error()
    try:
        doc = ingest.remove(settings().index_dir, doc_id)
    except ingest.IngestError as exc:
        status = 404 if "Không tìm thấy" in str(exc) else 409
        return error_response(status, str(exc))
    except IndexBusy as exc:
        return error_response(409, str(exc))
    audit.record(settings().data, user, "remove", doc_id, doc.get("title", ""), "API")
    return "", 204


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(base_url()))
