"""HTTP caching: validators from the index version, Cache-Control per route, 304 before any work.

A page, an API answer or the feed changes only when the index is committed again, the code is
deployed again, or a staff member signs in (the pages then show staff links). Their ETag is made
of exactly those, so a repeated request is answered 304 before the search runs. Static files
are linked with a fingerprint of their content (``?v=``) and kept for a year; without it they
are revalidated. Staff pages and answers to anything but GET are never stored.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, current_app, g, request, session
from werkzeug.http import is_resource_modified

import indexer
import search_app

# endpoint -> Cache-Control for a member; the answer depends on the index (and the code)
SEARCH = "public, max-age=60"
INDEXED = {
    "pages.index": SEARCH,
    "pages.document": "public, max-age=300",
    "pages.feed": "public, max-age=300",
    "api.api_search": SEARCH,
    "api.api_suggest": SEARCH,
    "api.api_document": "public, max-age=300",
}
# endpoint -> Cache-Control; the answer changes only with the code
FIXED = {
    "pages.opensearch": "public, max-age=86400",
    "pages.manifest": "public, max-age=86400",
    "pages.favicon": "public, max-age=86400",
    "api.openapi": "public, max-age=3600",
}
STATIC_FINGERPRINTED = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NEVER = "no-store"

_CODE_SUFFIXES = {".py", ".html", ".xml", ".css", ".js", ".svg", ".webmanifest", ".tsv", ".yaml", ".txt"}


def code_version() -> tuple[str, float]:
    """A digest of everything in the two packages that can change what a page says, and its newest change."""
    digest, newest = hashlib.sha256(), 0.0
    for package in (indexer, search_app):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*")):
            if path.suffix in _CODE_SUFFIXES and path.is_file() and "sample_corpus" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
                newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest()[:16], newest


def fingerprint(app: Flask, filename: str) -> str | None:
    """A short digest of a static file's bytes, remembered per process."""
    known = app.extensions.setdefault("static_fingerprints", {})
    if filename not in known:
        path = Path(app.static_folder or "") / filename
        known[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else None
    return known[filename]


def _staff() -> bool:
    """A staff member reading the pages (the API does not look at the session)."""
    return (request.endpoint or "").startswith("pages.") and bool(session.get("staff"))


def _validators() -> tuple[str, datetime]:
    """ETag and Last-Modified of the current request's answer."""
    from search_app.web import engine

    code, deployed = current_app.extensions["code_version"]
    tag, modified = engine().version() if request.endpoint in INDEXED else ("", 0.0)
    modified = max(modified, deployed)
    key = "\n".join((code, tag, request.host, request.full_path, "staff" if _staff() else ""))
    etag = hashlib.sha256(key.encode()).hexdigest()[:24]
    return etag, datetime.fromtimestamp(int(modified), UTC)


def _answer_unchanged():
    """Before the view: a request whose answer has not changed gets 304 without any work."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in INDEXED | FIXED:
        return None
    etag, modified = _validators()
    g.validators = (etag, modified)
    # weak: the same answer in gzip, brotli or plain is one representation for us
    if is_resource_modified(request.environ, etag=f'W/"{etag}"', last_modified=modified):
        return None
    response = Response(status=304)
    _label(response, etag, modified)
    return response


def _label(response: Response, etag: str, modified: datetime) -> None:
    response.set_etag(etag, weak=True)
    response.last_modified = modified
    response.headers["Cache-Control"] = _policy()
    if (request.endpoint or "").startswith("pages."):
        response.vary.add("Cookie")


def _policy() -> str:
    endpoint = request.endpoint or ""
    if request.method not in ("GET", "HEAD") or endpoint.startswith("staff."):
        return NEVER
    if endpoint in INDEXED:
        # a signed-in staff member sees edit links: kept by their browser only
        return "private, no-cache" if _staff() else INDEXED[endpoint]
    if endpoint in FIXED:
        return FIXED[endpoint]
    if endpoint == "static":
        filename = (request.view_args or {}).get("filename", "")
        if request.args.get("v") and request.args.get("v") == fingerprint(current_app, filename):
            return STATIC_FINGERPRINTED
    return REVALIDATE


def _label_answer(response: Response) -> Response:
    if response.status_code == 304:
        return response
    validators = g.get("validators")
    if validators is not None and response.status_code == 200:
        _label(response, *validators)
    else:
        response.headers["Cache-Control"] = _policy() if response.status_code < 400 else REVALIDATE
    return response


def _static_fingerprint(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = fingerprint(current_app, values["filename"])
        if version:
            values["v"] = version


def register(app: Flask) -> None:
    app.extensions["code_version"] = code_version()
    app.before_request(_answer_unchanged)
    app.after_request(_label_answer)
    app.url_defaults(_static_fingerprint)
