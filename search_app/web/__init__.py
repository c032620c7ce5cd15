"""The web: search pages, JSON API and staff area over one Engine, built by ``create_app``.

* ``pages``    server-rendered search, document, OpenSearch description, Atom feed
* ``api``      /api/search, /api/documents, /api/openapi.json (``openapi``)
* ``staff``    /quan-tri: sign-in, upload and review, add, edit, remove, reindex, audit log
               (``accounts``, ``audit``, ``reindex``)
* ``params``   request parameters -> SearchRequest, and the links that change one of them
* ``errors``   Vietnamese pages and JSON errors, never a stack trace
* ``caching``  ETag / Last-Modified from the index version, Cache-Control per route, 304s;
               answers are compressed (brotli or gzip) by Flask-Compress
* ``server``   gunicorn, one process per core

Views only parse the request, ask the engine and render.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix

from indexer.documents import gazetteer
from indexer.documents.limits import MAX_FILE_BYTES
from search_app.engine import Engine
from search_app.settings import Settings

# no inline script or style anywhere; nothing framed, nothing sent elsewhere
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over https (also behind a proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(settings: Settings | None = None, config: Mapping | None = None) -> Flask:
    """The app over ``settings`` (default: from the environment); ``config`` is Flask's own (TESTING, ...)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        # the largest upload, plus the form around it
        MAX_CONTENT_LENGTH=MAX_FILE_BYTES + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SECRET_KEY=settings.secret_key or _secret_key(settings.data),
        # brotli for browsers, gzip for every other client; small answers are sent as they are
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "deflate"],
        COMPRESS_MIMETYPES=[
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/atom+xml",
            "application/opensearchdescription+xml",
            "application/manifest+json",
            "image/svg+xml",
        ],
    )
    if settings.base_url:
        # links are made from the configured address, and a request for another host is refused
        app.config["TRUSTED_HOSTS"] = [urlsplit(settings.base_url).hostname]
    app.config.update(config or {})
    app.json.ensure_ascii = False
    app.session_interface = _SessionInterface()
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    # registered first, so it runs after the other hooks and compresses what they finished
    Compress(app)
    app.after_request(_security_headers)
    app.jinja_env.globals["absolute"] = absolute
    app.extensions["settings"] = settings
    gazetteer.configure(settings.province)
    app.extensions["engine"] = Engine(
        settings.index_dir, result_cache=settings.result_cache, postings_cache_mb=settings.postings_cache_mb
    )

    from flask_wtf.csrf import CSRFProtect

    from search_app.web import api, caching, errors, pages, staff
    from search_app.web.reindex import Reindexer

    _finish_staff_changes(app, settings)
    app.extensions["signin_throttle"] = staff.SigninThrottle(settings.data / "signin.sqlite", app.config["SECRET_KEY"])
    app.extensions["reindexer"] = Reindexer(
        settings.index_dir,
        [settings.corpus, settings.uploads_dir],
        settings.data / "reindex.json",
        workers=settings.index_workers or None,
        pool_mb=settings.index_pool_mb,
    )
    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)  # the API authenticates each request with a bearer token instead
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    errors.register(app)
    caching.register(app)
    return app


def _finish_staff_changes(app: Flask, settings: Settings) -> None:
    """A staff change that a dead server left half done is finished before serving (see ingest)."""
    from indexer.index import ingest
    from indexer.index.build import IndexBusy, IndexMissing

    try:
        finished = ingest.recover(settings.index_dir)
    except (IndexBusy, IndexMissing):  # the next staff change finishes them
        return
    for path in finished:
        app.logger.warning("finished a staff change left half done: %s", path)


def engine() -> Engine:
    """The app's engine, from inside a request."""
    return current_app.extensions["engine"]


def settings() -> Settings:
    """The app's settings, from inside a request."""
    return current_app.extensions["settings"]


def base_url() -> str:
    """This site's address for absolute links: the configured one, else the request's own."""
    return settings().base_url or request.host_url.rstrip("/")


def absolute(path: str) -> str:
    return base_url() + path
