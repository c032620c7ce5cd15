"""The staff area (/quan-tri): sign-in, upload and review, add by form, edit, remove, reindex, audit log."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from indexer.documents import gazetteer
from indexer.documents.metadata import DOC_TYPES, NEWS, TYPE_LABELS
from indexer.index import ingest
from indexer.index.build import IndexBusy
from search_app.dates import shown_time
from search_app.web import accounts, audit, settings
from search_app.web.errors import error_response

bp = Blueprint("staff", __name__, url_prefix="/quan-tri")
bp.add_app_template_filter(shown_time, "vndatetime")

MAX_ACCOUNT_FAILURES = 5  # per account name, whoever tries it
MAX_CLIENT_FAILURES = 20  # per client address (the real one, behind a configured proxy)
FAILURE_WINDOW = 15 * 60


class SigninThrottle:
    """Limits failed sign-ins per account and per client, across every server process.

    Each attempt is counted *before* its password is checked, in one SQLite transaction, so
    parallel tries cannot get more checks than the limit; a success clears the count. Account
    names are kept as keyed hashes: a password typed into the name field is never stored.
    """

    def __init__(self, path: Path, secret: str):
        self.path = path
        self._secret = secret.encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS failures_key ON failures (key, at)")
        path.chmod(0o600)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def keys(self, name: str, client: str) -> dict[str, int]:
        """The counters an attempt adds to, with their limits."""
        account = hmac.new(self._secret, name.encode("utf-8"), hashlib.sha256).hexdigest()
        return {f"name:{account}": MAX_ACCOUNT_FAILURES, f"client:{client}": MAX_CLIENT_FAILURES}

    def attempt(self, keys: dict[str, int]) -> bool:
        """Count one attempt against every key; False (and nothing counted) when one is at its limit."""
        now = time.time()
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM failures WHERE at <= ?", (now - FAILURE_WINDOW,))
                for key, limit in keys.items():
                    (count,) = db.execute("SELECT count(*) FROM failures WHERE key = ?", (key,)).fetchone()
                    if count >= limit:
                        db.execute("ROLLBACK")
                        return False
                db.executemany("INSERT INTO failures (key, at) VALUES (?, ?)", [(key, now) for key in keys])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return True

    def succeeded(self, keys: dict[str, int]) -> None:
        with closing(self._connect()) as db:
            db.executemany("DELETE FROM failures WHERE key = ?", [(key,) for key in keys])


def data_dir() -> Path:
    return settings().data


def index_dir() -> Path:
    return settings().index_dir


def uploads_dir() -> Path:
    return settings().uploads_dir


def login_required(view):
    """Only for a live session of an existing account: sign-out, a new password or a removed
    account ends it, whatever the browser still holds."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user = accounts.session_user(data_dir(), session.get("sid", ""))
        if user is None or user != session.get("staff"):
            session.clear()
            return redirect(url_for("staff.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str) -> str:
    """Where to go after sign-in: a path of the staff area, never another site or a header."""
    if target.startswith("/quan-tri") and target.isprintable() and "\\" not in target:
        return target
    return url_for("staff.home")


def choices() -> dict:
    return {"unit_groups": unit_groups(), "types": [(t, TYPE_LABELS[t]) for t in [*DOC_TYPES, NEWS]]}


def unit_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The units staff choose from: the province's own first, then national, then other provinces'
    (current before former), each as (name, label)."""
    gaz = gazetteer.current()
    own = gaz.within(gaz.own_unit) if gaz.own_unit else []
    national = [u.name for u in gaz.units if u.kind in ("national", "board", "industry", "corporation")]
    others = [u for u in gaz.units if u.kind == "province" and u.name not in own]
    others.sort(key=lambda u: (u.former, u.name))
    groups = [
        (f"Tỉnh {gaz.province}" if gaz.province else "Đơn vị", own),
        ("Toàn quốc", national),
        ("Các tỉnh, thành phố khác", [u.name for u in others]),
    ]
    return [(label, [(n, gaz.label(n)) for n in names]) for label, names in groups if names]


def form_fields(form, prefix: str = "") -> dict:
    return {k: form.get(prefix + k, "").strip() for k in ("title", "date", "unit", "type", "number", "url")}


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("staff/login.html")
    throttle: SigninThrottle = current_app.extensions["signin_throttle"]
    name = request.form.get("name", "").strip()[:64]
    keys = throttle.keys(name, request.remote_addr or "")
    if not throttle.attempt(keys):
        return render_template(
            "staff/login.html", error="Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."
        ), 429
    if not accounts.check_user(data_dir(), name, request.form.get("password", "")):
        time.sleep(current_app.config.get("SIGNIN_FAILURE_DELAY", 1.0))
        return render_template("staff/login.html", error="Sai tên đăng nhập hoặc mật khẩu."), 401
    throttle.succeeded(keys)
    session.clear()
    session["staff"] = name
    session["sid"] = accounts.open_session(data_dir(), name)
    audit.record(data_dir(), name, "signin")
    return redirect(safe_next(request.args.get("next", "")))


@bp.post("/dang-xuat")
def logout():
    if session.get("sid"):
        accounts.end_session(data_dir(), session["sid"])
    session.clear()
    return redirect(url_for("pages.index"))


@bp.get("/")
@login_required
def home():
    return _home_page()


def _home_page(errors: list[str] | None = None):
    reindexer = current_app.extensions["reindexer"]
    return render_template(
        "staff/home.html",
        errors=errors,
        log=audit.recent(data_dir()),
        reindex=reindexer.state.as_dict(),
        harvest=_harvest_view(),
        **choices(),
    )


@bp.get("/tien-do")
@login_required
def progress():
    return current_app.extensions["reindexer"].state.as_dict()


@bp.post("/lap-chi-muc")
@login_required
def reindex_all():
    reindexer = current_app.extensions["reindexer"]
    user = session["staff"]
    folder = data_dir()

    def done(state):
        audit.record(folder, user, "reindex", detail=state.error or state.summary or "")

    if reindexer.start(user, on_done=done, drop_missing=request.form.get("bo-nguon-thieu") == "1"):
        flash("Đã bắt đầu lập lại chỉ mục. Tìm kiếm vẫn hoạt động trong lúc chờ.", "ok")
    else:
        flash("Đang có một lần lập lại chỉ mục chạy; hãy đợi nó xong.", "error")
    return redirect(url_for("staff.home"))


def _staging() -> Path:
    return data_dir() / "staging"


def _drop_stale_staging(max_age: float = 24 * 3600) -> None:
    """Uploads reviewed but never saved are dropped after a day."""
    if not _staging().is_dir():
        return
    for folder in _staging().iterdir():
        if time.time() - folder.stat().st_mtime > max_age:
            shutil.rmtree(folder, ignore_errors=True)


@bp.post("/tai-len")
@login_required
def upload():
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        flash("Chưa chọn tệp nào.", "error")
        return redirect(url_for("staff.home"))
    _drop_stale_staging()
    token = secrets.token_hex(16)
    folder = _staging() / token
    items, errors = [], []
    for n, storage in enumerate(files):
        data = storage.read(ingest.MAX_FILE_BYTES + 1)
        upload = ingest.Upload(storage.filename, data)
        try:
            article = ingest.preview(upload)
        except ingest.IngestError as exc:
            errors.append(str(exc))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n}.bin").write_bytes(data)
        (folder / f"{n}.json").write_text(json.dumps({"filename": storage.filename}), "utf-8")
        items.append({"n": n, "filename": storage.filename, "article": article})
    if not items:
        return _home_page(errors), 400
    return render_template("staff/review.html", token=token, items=items, errors=errors, **choices())


@bp.post("/luu")
@login_required
def save_uploads():
    token = request.form.get("token", "")
    if not (len(token) == 32 and all(c in "0123456789abcdef" for c in token)):
        return error_response(400, "Phiên tải lên không hợp lệ.")
    folder = _staging() / token
    if not folder.is_dir():
        flash("Phiên tải lên đã hết hạn; hãy tải lại tệp.", "error")
        return redirect(url_for("staff.home"))
    saved = []
    try:
        for meta in sorted(folder.glob("*.json")):
            n = meta.stem
            if request.form.get(f"skip-{n}"):
                continue
            filename = json.loads(meta.read_text("utf-8"))["filename"]
            upload = ingest.Upload(filename, (folder / f"{n}.bin").read_bytes())
            try:
                article = ingest.add_upload(uploads_dir(), index_dir(), upload, form_fields(request.form, f"{n}-"))
            except (ingest.IngestError, IndexBusy) as exc:
                flash(f"{filename}: {exc}", "error")
                continue
            audit.record(data_dir(), session["staff"], "add", article.id, article.title, f"tải lên {filename}")
            saved.append(article)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for article in saved:
        flash(f"Đã thêm và lập chỉ mục: {article.title}", "ok")
    return redirect(url_for("staff.home"))


@bp.post("/them")
@login_required
def add_text():
    fields = form_fields(request.form)
    try:
        article = ingest.add_text(uploads_dir(), index_dir(), fields, request.form.get("body", ""))
    except (ingest.IngestError, IndexBusy) as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.home"))
    audit.record(data_dir(), session["staff"], "add", article.id, article.title, "nhập trực tiếp")
    flash(f"Đã thêm và lập chỉ mục: {article.title}", "ok")
    return redirect(url_for("staff.home"))


@bp.route("/tai-lieu/<path:doc_id>/sua", methods=["GET", "POST"])
@login_required
def edit(doc_id: str):
    try:
        _path, doc = ingest.source_of(index_dir(), doc_id)
    except ingest.IngestError as exc:
        return error_response(404, str(exc))
    if request.method == "GET":
        return render_template("staff/edit.html", doc=doc, **choices())
    try:
        article = ingest.edit(index_dir(), doc_id, form_fields(request.form))
    except (ingest.IngestError, IndexBusy) as exc:
        flash(str(exc), "error")
        return render_template("staff/edit.html", doc=doc, **choices()), 400
    audit.record(data_dir(), session["staff"], "edit", doc_id, article.title)
    flash(f"Đã cập nhật: {article.title}", "ok")
    return redirect(url_for("pages.document", doc_id=doc_id))


@bp.post("/tai-lieu/<path:doc_id>/xoa")
@login_required
def remove(doc_id: str):
    try:
        doc = ingest.remove(index_dir(), doc_id)
    except (ingest.IngestError, IndexBusy) as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.home"))
    audit.record(data_dir(), session["staff"], "remove", doc_id, doc.get("title", ""))
    flash(f"Đã gỡ: {doc.get('title', doc_id)}", "ok")
    return redirect(url_for("staff.home"))


# --- harvesting the federation's website (indexer.harvest) ---------------------------------------


def _harvest_view() -> dict:
    """What the harvest section of the staff page shows: the run going on or the last, the history
    of runs with their errors, and the pages waiting for a removal to be confirmed."""
    from indexer.harvest import history, pending_removals

    config = settings().harvest_config()
    last = history.current(config.folder)
    return {
        "configured": bool(config.start),
        "start": list(config.start),
        "current": last.as_dict() if last else None,
        "runs": [run.as_dict() for run in history.recent_runs(config.folder, 10)],
        "pending": pending_removals(config),
    }


def _build_options() -> dict:
    return {"workers": settings().index_workers or None, "pool_mb": settings().index_pool_mb}


@bp.post("/thu-thap")
@login_required
def harvest_start():
    from indexer.harvest import background

    config = settings().harvest_config()
    if not config.start:
        flash("Chưa cấu hình địa chỉ bắt đầu thu thập (TRACUU_HARVEST_START).", "error")
        return redirect(url_for("staff.home", _anchor="thu-thap"))
    user = session["staff"]
    folder = data_dir()

    def done(report) -> None:
        audit.record(folder, user, "harvest", detail=report.summary())

    if background.start(config, index_dir(), user, build_options=_build_options(), on_done=done):
        flash("Đã bắt đầu thu thập từ trang web. Tìm kiếm vẫn hoạt động trong lúc chờ.", "ok")
    else:
        flash("Đang có một lần thu thập chạy; hãy đợi nó xong.", "error")
    return redirect(url_for("staff.home", _anchor="thu-thap"))


@bp.get("/thu-thap/tien-do")
@login_required
def harvest_progress():
    return _harvest_view()


@bp.post("/thu-thap/go")
@login_required
def harvest_remove():
    from indexer.harvest import HarvestBusy, HarvestError, confirm_removal

    url = request.form.get("url", "")
    try:
        title = confirm_removal(settings().harvest_config(), index_dir(), url, _build_options())
    except (HarvestBusy, HarvestError, IndexBusy) as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.home", _anchor="thu-thap"))
    audit.record(data_dir(), session["staff"], "harvest-remove", title=title, detail=url)
    flash(f"Đã gỡ: {title}", "ok")
    return redirect(url_for("staff.home", _anchor="thu-thap"))


@bp.post("/thu-thap/giu")
@login_required
def harvest_keep():
    from indexer.harvest import HarvestBusy, HarvestError, keep_document

    url = request.form.get("url", "")
    try:
        title = keep_document(settings().harvest_config(), url)
    except (HarvestBusy, HarvestError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.home", _anchor="thu-thap"))
    audit.record(data_dir(), session["staff"], "harvest-keep", title=title, detail=url)
    flash(f"Giữ lại: {title}", "ok")
    return redirect(url_for("staff.home", _anchor="thu-thap"))
