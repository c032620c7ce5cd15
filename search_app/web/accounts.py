"""Staff accounts, their sessions and API tokens, kept in the data folder. Secrets as hashes only.

No account exists until `tracuu user add NAME` creates one; there is no default password.
Sessions are kept here too, not only in the browser's cookie: signing out ends one, and a new
password or a removed account ends every session of that account at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import tempfile
import time
from contextlib import closing
from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

USERS = "users.json"
TOKENS = "tokens.json"
SESSIONS = "sessions.sqlite"
MIN_PASSWORD = 10
SESSION_SECONDS = 12 * 3600  # a sign-in lasts a working day


class AccountError(ValueError):
    """A refused account change, in Vietnamese."""


def _load(path: Path) -> dict:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def _save(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def valid_name(name: str) -> bool:
    return 2 <= len(name) <= 64 and name.replace("-", "").replace("_", "").replace(".", "").isalnum()


def add_user(data_dir: str | Path, name: str, password: str) -> None:
    """Create a staff account, or give an existing one a new password (ending its sessions)."""
    if not valid_name(name):
        raise AccountError("Tên tài khoản chỉ gồm chữ, số, '-', '_' hoặc '.', từ 2 đến 64 ký tự.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")
    path = Path(data_dir) / USERS
    users = _load(path)
    users[name] = {"hash": generate_password_hash(password), "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    _save(path, users)
    end_sessions(data_dir, name)


def user_exists(data_dir: str | Path, name: str) -> bool:
    return name in _load(Path(data_dir) / USERS)


def remove_user(data_dir: str | Path, name: str) -> None:
    """Remove an account; its sessions end with it."""
    path = Path(data_dir) / USERS
    users = _load(path)
    if users.pop(name, None) is None:
        raise AccountError(f"Không có tài khoản {name}.")
    _save(path, users)
    end_sessions(data_dir, name)


@lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def check_user(data_dir: str | Path, name: str, password: str) -> bool:
    user = _load(Path(data_dir) / USERS).get(name)
    if user is None:
        # one check against a hash of the same kind: an unknown name takes as long as a known one
        check_password_hash(_unknown_user_hash(), password)
        return False
    return check_password_hash(user["hash"], password)


# --- sessions -------------------------------------------------------------------------------


def _sessions(data_dir: str | Path) -> sqlite3.Connection:
    path = Path(data_dir) / SESSIONS
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=10)
    db.execute("CREATE TABLE IF NOT EXISTS sessions (digest TEXT PRIMARY KEY, user TEXT NOT NULL, until REAL NOT NULL)")
    os.chmod(path, 0o600)
    return db


def open_session(data_dir: str | Path, name: str) -> str:
    """A new session of ``name``: its id goes into the signed cookie, its hash stays here."""
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    with closing(_sessions(data_dir)) as db, db:
        db.execute("DELETE FROM sessions WHERE until < ?", (now,))
        db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (_digest(session_id), name, now + SESSION_SECONDS))
    return session_id


def session_user(data_dir: str | Path, session_id: str) -> str | None:
    """Whose session this is, while it lasts and the account exists; else None."""
    if not session_id:
        return None
    with closing(_sessions(data_dir)) as db:
        row = db.execute(
            "SELECT user FROM sessions WHERE digest = ? AND until >= ?", (_digest(session_id), time.time())
        ).fetchone()
    return row[0] if row and user_exists(data_dir, row[0]) else None


def end_session(data_dir: str | Path, session_id: str) -> None:
    with closing(_sessions(data_dir)) as db, db:
        db.execute("DELETE FROM sessions WHERE digest = ?", (_digest(session_id),))


def end_sessions(data_dir: str | Path, name: str) -> int:
    """End every session of an account; how many there were."""
    with closing(_sessions(data_dir)) as db, db:
        return db.execute("DELETE FROM sessions WHERE user = ?", (name,)).rowcount


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(data_dir: str | Path, name: str) -> str:
    """A new API token for scripted ingest; shown once, stored as a hash."""
    if not valid_name(name):
        raise AccountError("Tên token chỉ gồm chữ, số, '-', '_' hoặc '.', từ 2 đến 64 ký tự.")
    token = secrets.token_urlsafe(32)
    path = Path(data_dir) / TOKENS
    tokens = _load(path)
    tokens[_digest(token)] = {"name": name, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    _save(path, tokens)
    return token


def list_tokens(data_dir: str | Path) -> list[dict]:
    """Each token's name and when it was made (never the token)."""
    entries = _load(Path(data_dir) / TOKENS).values()
    return sorted(({"name": e["name"], "created": e["created"]} for e in entries), key=lambda e: e["created"])


def revoke_token(data_dir: str | Path, name: str) -> int:
    """Revoke every token of that name; how many there were."""
    path = Path(data_dir) / TOKENS
    tokens = _load(path)
    kept = {digest: entry for digest, entry in tokens.items() if entry["name"] != name}
    if len(kept) == len(tokens):
        raise AccountError(f"Không có token tên {name}.")
    _save(path, kept)
    return len(tokens) - len(kept)


def token_owner(data_dir: str | Path, token: str) -> str | None:
    digest = _digest(token)
    for known, entry in _load(Path(data_dir) / TOKENS).items():
        if hmac.compare_digest(known, digest):
            return entry["name"]
    return None
