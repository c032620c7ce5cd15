"""Staff changes to the corpus: add, correct, remove documents, with the index kept in step.

A change touches a file (new ones go to the uploads folder the caller names, in the data
folder) and then indexes just that file; if indexing fails, the file is put back as it was,
so the files and the index never disagree. Uploaded files are checked by content, never
trusted by name, and saved under a name we make.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from indexer.documents.article import Article, ReadError, web_url
from indexer.documents.extract import EDITABLE, read_file, sidecar_for
from indexer.documents.limits import MAX_FIELD_CHARS, MAX_FILE_BYTES, MAX_TITLE_CHARS, TooCostly, check_text
from indexer.documents.metadata import slugify
from indexer.index.build import build_index, open_index

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
        raise IngestError(f"Tệp “{upload.filename}” quá lớn: tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB.")
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
    rollback = _Rollback(*paths)
    try:
        write()
        return _index_file(index_path, index_dir)
    except BaseException:
        rollback.restore()
        raise


def add_upload(uploads_dir: Path, index_dir: Path, upload: Upload, fields: dict) -> Article:
    """Save an upload into ``uploads_dir`` with staff's corrections, and index it.

    The file is read once before anything is written or locked (``preview``, with the limits of
    ``indexer.documents.limits``): a file we refuse never holds up the index.
    """
    suffix = check_upload(upload)
    fields = _clean_fields(fields)
    preview(upload)
    folder = Path(uploads_dir)
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
    path = _unique(folder, safe_stem(fields["title"])[:60], ".md")
    fields["id"] = f"{UPLOAD_FOLDER}-{path.stem}"
    if "date" in fields:
        fields["date"] = str(fields["date"])

    def write():
        front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
        path.write_text(f"---\n{front}---\n{body.strip()}\n", "utf-8")

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
    """Delete a document's file from the corpus and the document from the index."""
    path, doc = source_of(index_dir, doc_id)
    if not _single_document(path):
        raise IngestError("Tài liệu này nằm trong một tệp gồm nhiều bài; hãy sửa tệp nguồn.")
    side = sidecar_for(path)

    def write():
        path.unlink()
        side.unlink(missing_ok=True)

    _commit([path, side], write, path, Path(index_dir))
    return doc
