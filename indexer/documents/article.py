"""The Article: one searchable document with its metadata, whatever file it came from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from urllib.parse import urlsplit

from indexer.documents.limits import MAX_FIELD_CHARS, MAX_TITLE_CHARS, check_text

WEB_SCHEMES = ("http", "https")


def web_url(value: str | None) -> str | None:
    """The URL if it is an http(s) address, else None: a "javascript:" link is never kept."""
    if not value:
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else None


def _cut(value: str | None, limit: int) -> str | None:
    return value[:limit].rstrip() + "…" if value and len(value) > limit else value


@dataclass
class Article:
    id: str
    title: str
    body: str
    date: date | None = None
    unit: str | None = None
    type: str = "tin tức"
    number: str | None = None  # the number the document is issued under
    numbers: list[str] = field(default_factory=list)  # every number it issues or cites
    terms: list[str] = field(default_factory=list)  # "2023-2028"
    congresses: list[str] = field(default_factory=list)  # "Đại hội XVII"
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    author: str | None = None
    captions: list[str] = field(default_factory=list)
    signer: str | None = None  # who signed an official document (structure.parts)
    # what it is based on, implements, guides, replaces, amends, repeals: {kind, number, sentence}
    relations: list[dict] = field(default_factory=list)
    source: str = ""  # the file it was read from
    # when the index first took it in, and when what it shows last changed (UTC, ISO 8601);
    # set by the build, not part of the content
    added: str | None = None
    changed: str | None = None

    def bounded(self) -> Article:
        """The article within the limits: fields cut, a web address or none; TooCostly for too much text."""
        check_text(self.body + "".join(self.captions))
        self.title = _cut(self.title, MAX_TITLE_CHARS) or ""
        for name in ("unit", "type", "number", "author", "signer"):
            setattr(self, name, _cut(getattr(self, name), MAX_FIELD_CHARS))
        self.url = web_url(self.url if self.url and len(self.url) <= 2000 else None)
        return self

    def to_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return data

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that is indexed or shown changes."""
        data = self.to_dict()
        for name in ("source", "added", "changed"):
            data.pop(name)
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReadError:
    """A file that could not be read, and why (in Vietnamese, for the person who gave it)."""

    path: str
    reason: str
