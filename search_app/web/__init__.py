"""The web: search pages, JSON API and staff area over one Engine, built by ``create_app``.

* ``pages``    server-rendered search, document, OpenSearch description, Atom feed
* ``api``      /api/search, /api/documents, /api/openapi.json (``openapi``)
* ``staff``    /quan-tri: sign-in, upload and review, add, edit, remove, reindex, audit log
               (``accounts``, ``audit``, ``reindex``)
* ``params``   request parameters -> SearchRequest, and the links that change one of them
* ``errors``   Vietnamese pages and JSON errors, never a stack trace
* ``server``   gunicorn, one process per core

Views only parse the request, ask the engine and render.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, current_app

from search_app.engine import Engine
from search_app.settings import Settings


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
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SECRET_KEY=settings.secret_key or _secret_key(settings.data),
    )
    app.config.update(config or {})
    app.json.ensure_ascii = False
    app.extensions["settings"] = settings
    app.extensions["engine"] = Engine(
        settings.index_dir, result_cache=settings.result_cache, postings_cache_mb=settings.postings_cache_mb
    )

    from flask_wtf.csrf import CSRFProtect

    from search_app.web import api, errors, pages, staff
    from search_app.web.reindex import Reindexer

    app.extensions["signin_throttle"] = staff.SigninThrottle(settings.data / "signin.sqlite")
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
    return app


def engine() -> Engine:
    """The app's engine, from inside a request."""
    return current_app.extensions["engine"]


def settings() -> Settings:
    """The app's settings, from inside a request."""
    return current_app.extensions["settings"]
