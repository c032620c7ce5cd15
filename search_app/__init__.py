"""The tracuu web app: search pages, JSON API and staff area over one Whoosh index."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from indexer.build import default_data_dir, default_index_dir
from search_app.searchers import SearcherPool

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app. ``config`` may set INDEX_DIR, DATA_DIR, CORPUS_DIR, SECRET_KEY, ..."""
    app = Flask(__name__)
    app.config.update(
        DATA_DIR=str(default_data_dir()),
        INDEX_DIR=None,
        CORPUS_DIR=str(BUNDLED_CORPUS),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
    )
    app.config.update(config or {})
    data_dir = Path(app.config["DATA_DIR"])
    app.config["INDEX_DIR"] = app.config["INDEX_DIR"] or str(data_dir / "index" if config else default_index_dir())
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(data_dir)
    app.json.ensure_ascii = False
    app.extensions["searchers"] = SearcherPool(app.config["INDEX_DIR"])

    from flask_wtf.csrf import CSRFProtect

    from search_app import api, errors, pages, staff
    from search_app.reindex import Reindexer

    app.extensions["signin_throttle"] = staff.SigninThrottle(data_dir / "signin.sqlite")
    app.extensions["reindexer"] = Reindexer(
        Path(app.config["INDEX_DIR"]), [Path(app.config["CORPUS_DIR"])], data_dir / "reindex.json"
    )
    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)  # the API authenticates each request with a bearer token instead
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    errors.register(app)
    return app
