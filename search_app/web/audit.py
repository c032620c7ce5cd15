"""The audit log: who added, changed or removed what, and when. One JSON object per line."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from pathlib import Path

AUDIT = "audit.jsonl"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # as stored in the log
_lock = threading.Lock()

ACTIONS = {
    "add": "Thêm",
    "edit": "Sửa",
    "remove": "Gỡ",
    "reindex": "Lập lại chỉ mục",
    "harvest": "Thu thập từ trang web",
    "harvest-remove": "Gỡ trang không còn trên trang web",
    "harvest-keep": "Giữ trang không còn trên trang web",
    "signin": "Đăng nhập",
    "user-add": "Tạo tài khoản",
    "user-passwd": "Đổi mật khẩu",
    "user-remove": "Xoá tài khoản",
    "token-add": "Tạo mã truy cập (token)",
    "token-revoke": "Thu hồi mã truy cập (token)",
}


def record(data_dir: str | Path, user: str, action: str, doc_id: str = "", title: str = "", detail: str = "") -> None:
    entry = {
        "time": time.strftime(TIME_FORMAT),
        "user": user,
        "action": action,
        "id": doc_id,
        "title": title,
        "detail": detail,
    }
    path = Path(data_dir) / AUDIT
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def recent(data_dir: str | Path, limit: int = 50) -> list[dict]:
    path = Path(data_dir) / AUDIT
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        last = deque(fh, maxlen=limit)
    entries = [json.loads(line) for line in last if line.strip()]
    for entry in entries:
        entry["action_label"] = ACTIONS.get(entry["action"], entry["action"])
    return list(reversed(entries))
