"""What the harvester remembers of each address between runs, and the staging area of a run.

``state.json`` (in the harvest folder) maps each address to a ``Record``: what it is (a page, an
attachment, a listing, a robots.txt), the validators the site gave (ETag, Last-Modified) for the
next conditional request, a digest of the body, the document it became (id and file), and its
status: ``ok``; ``gone`` (it answered 404 or 410 while its document is in the index: listed for
staff to confirm); ``kept`` (staff chose to keep the document); ``removing``/``removed`` (staff
confirmed); ``skipped`` (not an article). It is only ever replaced whole (written beside, then
renamed), and only after the index has committed what it describes.

``Staging`` is ``dang-tai/`` in the harvest folder: the files a run has fetched and not yet
indexed, with a journal of what each is; ``plan.json`` there means the run had finished fetching
and was committing. Whatever a killed run leaves there, the next run takes up (see ``run``).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

STATE = "state.json"
STAGING = "dang-tai"
JOURNAL = "journal.jsonl"
PLAN = "plan.json"


@dataclass
class Record:
    kind: str  # page | attachment | listing | robots | skipped
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None  # sha256 of the body as fetched
    doc_id: str | None = None
    file: str | None = None  # relative to the documents folder
    final_url: str | None = None
    title: str | None = None
    status: str = "ok"
    checked: str | None = None  # when last asked (UTC, ISO 8601)
    gone_since: str | None = None
    links: dict = field(default_factory=dict)  # a listing's Links, kept for a 304
    text: str | None = None  # a robots.txt, kept for a 304
    error: str | None = None  # why the last answer was refused (too large …)

    @classmethod
    def from_dict(cls, data: dict) -> Record:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` whole: a reader (or a crash) sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    with partial.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, path)


def load_state(folder: Path) -> dict[str, Record]:
    path = Path(folder) / STATE
    if not path.exists():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return {url: Record.from_dict(record) for url, record in data.get("urls", {}).items()}


def state_text(records: dict[str, Record]) -> str:
    data = {"version": 1, "urls": {url: asdict(r) for url, r in sorted(records.items())}}
    return json.dumps(data, ensure_ascii=False, indent=1)


def save_state(folder: Path, records: dict[str, Record]) -> None:
    write_atomically(Path(folder) / STATE, state_text(records))


class Staging:
    """The files of a run not yet indexed (``files/``), with their journal; see the module docstring."""

    def __init__(self, folder: Path):
        self.root = Path(folder) / STAGING
        self.files = self.root / "files"

    @property
    def plan_path(self) -> Path:
        return self.root / PLAN

    def has_plan(self) -> bool:
        return self.plan_path.exists()

    def journal(self) -> dict[str, dict]:
        """url -> what an earlier, interrupted run fetched of it (its record and staged files)."""
        path = self.root / JOURNAL
        found: dict[str, dict] = {}
        if not path.exists():
            return found
        for line in path.read_text("utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # the line a kill cut short
            found[entry["url"]] = entry
        return found

    def stage(self, relative: str, data: bytes) -> None:
        target = self.files / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.part")
        partial.write_bytes(data)
        os.replace(partial, target)

    def note(self, url: str, record: Record, staged: list[str]) -> None:
        """Durably note that ``url`` was fetched into ``staged`` files (for a run that dies after)."""
        self.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"url": url, "record": asdict(record), "staged": staged}, ensure_ascii=False)
        with (self.root / JOURNAL).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def forget(self, relative: str) -> None:
        (self.files / relative).unlink(missing_ok=True)

    def staged(self, relative: str) -> bool:
        return (self.files / relative).exists()

    def write_plan(self, plan: dict) -> None:
        write_atomically(self.plan_path, json.dumps(plan, ensure_ascii=False))

    def read_plan(self) -> dict:
        return json.loads(self.plan_path.read_text("utf-8"))

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
