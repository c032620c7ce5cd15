"""JSON API: /api/search, /api/documents/<id>, /api/openapi.json. Same search as the pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from indexer.cli import result_json
from indexer.search import QueryError, get_document, search
from search_app.errors import error_response
from search_app.openapi import openapi_document
from search_app.params import request_from_args

bp = Blueprint("api", __name__, url_prefix="/api")


def searcher():
    return current_app.extensions["searchers"].get()


@bp.get("/search")
def api_search():
    try:
        req = request_from_args(request.args)
        result = search(searcher(), req)
    except QueryError as exc:
        return error_response(400, str(exc))
    body = result_json(result)
    for hit in body["hits"]:
        hit["url"] = hit["url"] or url_for("pages.document", doc_id=hit["id"], _external=True)
    body.update(page=req.page, per_page=req.per_page, took_ms=round(result.took_ms, 2))
    return jsonify(body)


@bp.get("/documents/<path:doc_id>")
def api_document(doc_id: str):
    doc = get_document(searcher(), doc_id)
    if doc is None:
        return error_response(404, f"Không có tài liệu mã {doc_id!r}.")
    doc = dict(doc)
    doc.pop("source", None)
    doc["page_url"] = url_for("pages.document", doc_id=doc_id, _external=True)
    return jsonify(doc)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(request.host_url.rstrip("/")))
