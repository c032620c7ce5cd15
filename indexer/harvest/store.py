"""Harvested documents as files: a stable id and file for each address, and their identity sidecar.

A page is kept as the clean HTML of ``page.clean_html``, an attachment as the file the site
served, under ``<documents>/<host>/<id>.<suffix>``. The id is made from the address alone
("web-" and the host and path folded to ascii, with a digest when it is long or has a query), so a
page keeps its id run after run, whatever the folder is read as.

Beside each file, its ``.meta.yaml`` sidecar (see ``extract.sidecar_for``) holds ``id`` and
``url``. The same sidecar holds staff's corrections (``ingest.edit`` writes there): the harvester
only adds ``id`` and ``url`` when missing and never touches anything else, so a correction
survives every later harvest of the page.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from indexer.documents.extract import sidecar_for
from indexer.text.normalise import folded

ID_PREFIX = "web-"
MAX_SLUG = 90


def doc_id_for(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"\.(html?|php|aspx?|pdf|docx)$", "", parts.path, flags=re.I)
    slug = re.sub(r"[^a-z0-9]+", "-", folded(f"{parts.hostname} {path}")).strip("-")
    if parts.query or len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rstrip("-") + "-" + hashlib.sha1(url.encode()).hexdigest()[:8]
    return ID_PREFIX + slug


def relative_file(url: str, suffix: str) -> str:
    """Where an address's document lives, relative to the documents folder."""
    host = re.sub(r"[^a-z0-9.-]+", "_", urlsplit(url).netloc.lower())
    return f"{host}/{doc_id_for(url)}{suffix}"


def sidecar_relative(relative: str) -> str:
    return sidecar_for(Path(relative)).as_posix()


def identity_sidecar(existing: Path, doc_id: str, url: str) -> bytes | None:
    """The sidecar to write so the file carries its id and address; None when it already does."""
    current = {}
    if existing.exists():
        try:
            loaded = yaml.safe_load(existing.read_text("utf-8"))
        except (OSError, yaml.YAMLError):
            loaded = None
        current = loaded if isinstance(loaded, dict) else {}
    wanted = {"id": doc_id, "url": url}
    if all(current.get(k) for k in wanted):
        return None
    merged = {**wanted, **{k: v for k, v in current.items() if v not in (None, "")}}
    return yaml.safe_dump(merged, allow_unicode=True, sort_keys=False).encode("utf-8")
