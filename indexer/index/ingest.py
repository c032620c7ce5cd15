"""Staff changes to the corpus: add, correct, remove documents, with the index kept in step.

A change touches a file (new ones go to the uploads folder the caller names, in the data
folder) and then indexes just that file; if indexing fails, the file is put back as it was,
so the files and the index never disagree. Uploaded files are checked by content, never
trusted by name, and saved under a name we make.

A process can also die in the middle of a change (kill -9, a power cut). Each change is
therefore journaled: before a file is touched, a note naming it goes into the index folder's
``journal/``, and it is removed once the index agrees with the file. Whoever comes next (the
next change, or the app when it starts) finishes what a note names: the file's document is
indexed as the file now is, or removed if the file is gone. So no document outlives its file
("ghosts"), no file is left unindexed ("orphans"), and a retry finds the work done: the same
upload again is the same document, not a copy, and a remove of a half-removed document finishes it.
Changes run one at a time (a lock beside the journal), so an edit cannot meet a remove halfway.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import filelock
import yaml

from indexer.documents.article import Article, ReadError, web_url
from indexer.documents.extract import EDITABLE, read_file, sidecar_for
from indexer.documents.gazetteer import slugify
from indexer.documents.limits import MAX_FIELD_CHARS, MAX_FILE_BYTES, MAX_TITLE_CHARS, TooCostly, check_text, mb
from indexer.index.build import IndexBusy, build_index, open_index

__all__ = ["MAX_FILE_BYTES"]  # the web reads uploads up to this size
UPLOAD_FOLDER = "tai-len"  # the id prefix of uploaded and typed-in documents
KINDS = {".pdf": "PDF", ".docx": "Word (.docx)", ".html": "HTML", ".htm": "HTML", ".md": "Markdown", ".txt": "văn bản"}


class IngestError(ValueError):
    """A refused change, with the reason in Vietnamese."""


@dataclass
class Upload:
    filename: str  # as the client sent it: shown, never used as a path
    data: bytes


def sniff(data: bytes) -> str:
    """The file type by content: '.pdf', '.docx', '.html', '.txt'. Raises IngestError otherwise."""
    if data.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return ".docx"
        except zipfile.BadZipFile:
            pass
        raise IngestError("Tệp nén không phải văn bản Word (.docx) hợp lệ.")
    if b"\x00" in data[:4096]:
        raise IngestError("Tệp không phải văn bản, PDF hay Word.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError("Tệp văn bản phải dùng bảng mã UTF-8.") from None
    head = text[:4096].lower()
    if "<html" in head or "<body" in head or "<!doctype html" in head or "<article" in head:
        return ".html"
    return ".txt"


def check_upload(upload: Upload) -> str:
    """The suffix to save an upload under; IngestError when its name and content disagree."""
    if not upload.data:
        raise IngestError(f"Tệp “{upload.filename}” rỗng.")
    if len(upload.data) > MAX_FILE_BYTES:
        raise IngestError(f"Tệp “{upload.filename}” quá lớn: tối đa {mb(MAX_FILE_BYTES)}.")
    claimed = Path(upload.filename.replace("\\", "/")).suffix.lower()
    if claimed not in KINDS:
        raise IngestError(
            f"Không nhận loại tệp “{claimed or upload.filename}”: chỉ nhận .md, .txt, .html, .docx, .pdf."
        )
    actual = sniff(upload.data)
    if actual == ".txt" and claimed in (".md", ".txt"):
        return claimed
    if actual == ".html" and claimed in (".html", ".htm"):
        return ".html"
    if actual != claimed:
        raise IngestError(f"Nội dung tệp “{upload.filename}” không phải {KINDS[claimed]} như tên tệp.")
    return actual


def safe_stem(filename: str) -> str:
    """A name we make from the client's: no folders, no dots, ascii only."""
    stem = Path(filename.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return (slugify(stem) or "tai-lieu")[:80]


def _unique(folder: Path, stem: str, suffix: str) -> Path:
    """A new file name whose stem no other file of the folder has, whatever its extension:
    the stem is the document's id, so "ok.pdf" after "ok.docx" must not replace it."""
    taken = {p.name.split(".", 1)[0] for p in folder.iterdir()} if folder.exists() else set()
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    return folder / f"{candidate}{suffix}"


def preview(upload: Upload) -> Article:
    """What the indexer would read from an upload, for staff to check before saving."""
    suffix = check_upload(upload)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{safe_stem(upload.filename)}{suffix}"
        path.write_bytes(upload.data)
        items = list(read_file(path, Path(tmp)))
    errors = [i for i in items if isinstance(i, ReadError)]
    if errors:
        raise IngestError(f"Không đọc được tệp “{upload.filename}”: {errors[0].reason}")
    if len(items) != 1:
        raise IngestError(f"Tệp “{upload.filename}” chứa {len(items)} bài; hãy tải lên từng bài một.")
    return items[0]


def _clean_fields(fields: dict) -> dict:
    """Staff's fields, checked: a web address or none, no field longer than a field can be."""
    clean = {k: v for k, v in fields.items() if k in EDITABLE and v not in (None, "", [])}
    if "url" in clean and web_url(str(clean["url"])) is None:
        raise IngestError("Nguồn (url) phải là một địa chỉ http:// hoặc https://.")
    for key, value in clean.items():
        limit = MAX_TITLE_CHARS if key == "title" else MAX_FIELD_CHARS
        if isinstance(value, str) and len(value) > limit:
            raise IngestError(f"Trường “{key}” quá dài: tối đa {limit} ký tự.")
    return clean


def _write_sidecar(path: Path, fields: dict) -> None:
    sidecar_for(path).write_text(yaml.safe_dump(fields, allow_unicode=True, sort_keys=False), "utf-8")


JOURNAL = "journal"
CHANGES_LOCK = "changes.lock"


def _journal(index_dir: Path) -> Path:
    return Path(index_dir) / JOURNAL


def _note(index_dir: Path, path: Path) -> Path:
    """Write down, durably, that ``path`` is about to change."""
    folder = _journal(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    note = folder / f"{time.time_ns()}-{os.getpid()}.json"
    partial = note.with_suffix(".part")
    with partial.open("w", encoding="utf-8") as fh:
        json.dump({"path": str(path)}, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, note)
    return note


def recover(index_dir: str | Path) -> list[str]:
    """Finish the changes that a dead process left half done; the files they name, in order.

    The index is brought to what each named file is now: indexed if it exists (sidecar
    included), removed from the index if it does not.
    """
    folder = _journal(Path(index_dir))
    if not folder.is_dir():
        return []
    finished = []
    for note in sorted(folder.glob("*.json")):
        path = Path(json.loads(note.read_text("utf-8"))["path"])
        if path.exists() or _indexed(Path(index_dir), path):
            build_index([path], index_dir, wait=60, remove_missing=True)
        note.unlink()
        finished.append(str(path))
    for partial in folder.glob("*.part"):  # a note never completed: its change never started
        partial.unlink()
    return finished


def _indexed(index_dir: Path, path: Path) -> bool:
    with open_index(index_dir).searcher() as searcher:
        return searcher.document(source=str(path.resolve())) is not None


def _change(index_dir: Path, path: Path, change: Callable[[], Article | None]) -> Article | None:
    """Run one staff change of ``path``: one at a time, journaled, anything half done finished first."""
    index_dir = Path(index_dir)
    try:
        lock = filelock.FileLock(str(index_dir / CHANGES_LOCK)).acquire(timeout=120)
    except filelock.Timeout:
        raise IndexBusy("Một thay đổi khác đang được lưu; hãy thử lại sau ít phút.") from None
    with lock:
        recover(index_dir)
        note = _note(index_dir, path)
        result = change()
        note.unlink()
        return result


def _index_file(path: Path, index_dir: Path) -> Article | None:
    # the file is the caller's to manage: gone, its document goes too
    report = build_index([path], index_dir, wait=60, remove_missing=True)
    if report.errors:
        raise IngestError(f"Không lập được chỉ mục: {report.errors[0].reason}")
    if not path.exists():
        return None
    items = [i for i in read_file(path, path.parent) if isinstance(i, Article)]
    return items[0] if items else None


class _Rollback:
    """Remember files before a change; put them back if the change fails."""

    def __init__(self, *paths: Path):
        self.saved = {p: (p.read_bytes() if p.exists() else None) for p in paths}

    def restore(self) -> None:
        for path, data in self.saved.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)


def _commit(paths: list[Path], write, index_path: Path, index_dir: Path) -> Article | None:
    def change():
        rollback = _Rollback(*paths)
        try:
            write()
            return _index_file(index_path, index_dir)
        except Exception:
            rollback.restore()
            raise

    return _change(index_dir, index_path, change)


def _same_file(folder: Path, data: bytes) -> Path | None:
    """A file of the folder with exactly these bytes: a retried upload, already saved."""
    if not folder.is_dir():
        return None
    digest = hashlib.sha256(data).digest()
    for candidate in folder.iterdir():
        if candidate.is_file() and candidate.stat().st_size == len(data) and not candidate.name.endswith(".yaml"):
            if hashlib.sha256(candidate.read_bytes()).digest() == digest:
                return candidate
    return None


def _retried(path: Path, index_dir: Path) -> Article:
    """The document of a file saved by an earlier try, indexed now if that try died before."""
    return _change(index_dir, path, lambda: _index_file(path, index_dir))


def add_upload(uploads_dir: Path, index_dir: Path, upload: Upload, fields: dict) -> Article:
    """Save an upload into ``uploads_dir`` with staff's corrections, and index it.

    The file is read once before anything is written or locked (``preview``, with the limits of
    ``indexer.documents.limits``): a file we refuse never holds up the index.
    """
    suffix = check_upload(upload)
    fields = _clean_fields(fields)
    preview(upload)
    folder = Path(uploads_dir)
    earlier = _same_file(folder, upload.data)
    if earlier is not None:
        return _retried(earlier, index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = _unique(folder, safe_stem(upload.filename), suffix)
    fields = {**fields, "id": f"{UPLOAD_FOLDER}-{path.stem}"}

    def write():
        path.write_bytes(upload.data)
        _write_sidecar(path, fields)

    article = _commit([path, sidecar_for(path)], write, path, Path(index_dir))
    assert article is not None
    return article


def add_text(uploads_dir: Path, index_dir: Path, fields: dict, body: str) -> Article:
    """A document typed into the staff form, saved in ``uploads_dir`` as front-matter Markdown."""
    fields = _clean_fields(fields)
    if not fields.get("title") or not body.strip():
        raise IngestError("Cần có tiêu đề và nội dung.")
    try:
        check_text(body)
    except TooCostly as exc:
        raise IngestError(f"Không nhận tài liệu: {exc}.") from None
    folder = Path(uploads_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_stem(fields["title"])[:60]
    if "date" in fields:
        fields["date"] = str(fields["date"])

    def text_for(path: Path) -> str:
        front = yaml.safe_dump({**fields, "id": f"{UPLOAD_FOLDER}-{path.stem}"}, allow_unicode=True, sort_keys=False)
        return f"---\n{front}---\n{body.strip()}\n"

    # the same article sent again (a retry after a lost answer) is the document already saved
    for n in ("", *(f"-{k}" for k in range(2, 50))):
        earlier = folder / f"{stem}{n}.md"
        if not earlier.exists():
            break
        if earlier.read_text("utf-8") == text_for(earlier):
            return _retried(earlier, index_dir)
    path = _unique(folder, stem, ".md")

    def write():
        path.write_text(text_for(path), "utf-8")

    article = _commit([path], write, path, Path(index_dir))
    assert article is not None
    return article


def source_of(index_dir: Path, doc_id: str) -> tuple[Path, dict]:
    with open_index(index_dir).searcher() as searcher:
        found = searcher.document(id=doc_id)
    if not found:
        raise IngestError("Không tìm thấy tài liệu này trong chỉ mục.")
    doc = found["doc"]
    return Path(doc["source"]), doc


def _single_document(path: Path) -> bool:
    return path.exists() and len(list(read_file(path, path.parent))) == 1


def edit(index_dir: Path, doc_id: str, fields: dict) -> Article:
    """Correct a document's metadata; kept beside its file so a full reindex keeps it."""
    path, doc = source_of(index_dir, doc_id)
    if not path.exists():
        raise IngestError("Tài liệu này vừa bị gỡ; không còn gì để sửa.")
    if not _single_document(path):
        raise IngestError("Tài liệu này nằm trong một tệp gồm nhiều bài; hãy sửa tệp nguồn.")
    side = sidecar_for(path)
    current = (yaml.safe_load(side.read_text("utf-8")) or {}) if side.exists() else {}
    merged = {**current, **_clean_fields(fields), "id": doc_id}
    if "date" in merged:
        merged["date"] = str(merged["date"])
    article = _commit([side], lambda: _write_sidecar(path, merged), path, Path(index_dir))
    assert article is not None
    return article


def remove(index_dir: Path, doc_id: str) -> dict:
    """Delete a document's file from the corpus and the document from the index.

    A document whose file is already gone (a remove that died half way) is removed from the index.
    """
    path, doc = source_of(index_dir, doc_id)
    if not path.exists():
        _change(index_dir, path, lambda: _index_file(path, index_dir))
        return doc
    if not _single_document(path):
        raise IngestError("Tài liệu này nằm trong một tệp gồm nhiều bài; hãy sửa tệp nguồn.")
    side = sidecar_for(path)

    def write():
        path.unlink()
        side.unlink(missing_ok=True)

    _commit([path, side], write, path, Path(index_dir))
    return doc
