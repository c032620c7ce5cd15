"""Staff accounts and API tokens, kept in the data folder. Passwords as salted hashes only.

No account exists until `tracuu user add NAME` creates one; there is no default password.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import time
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

USERS = "users.json"
TOKENS = "tokens.json"
MIN_PASSWORD = 10


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
    """Create or reset a staff account."""
    if not valid_name(name):
        raise AccountError("Tên tài khoản chỉ gồm chữ, số, '-', '_' hoặc '.', từ 2 đến 64 ký tự.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")
    path = Path(data_dir) / USERS
    users = _load(path)
    users[name] = {"hash": generate_password_hash(password), "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    _save(path, users)


def check_user(data_dir: str | Path, name: str, password: str) -> bool:
    user = _load(Path(data_dir) / USERS).get(name)
    if user is None:
        # spend the same time as a real check so names cannot be guessed by timing
        check_password_hash(generate_password_hash("x"), password)
        return False
    return check_password_hash(user["hash"], password)


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


def token_owner(data_dir: str | Path, token: str) -> str | None:
    digest = _digest(token)
    for known, entry in _load(Path(data_dir) / TOKENS).items():
        if hmac.compare_digest(known, digest):
            return entry["name"]
    return None
