"""The staff area and scripted ingest, on a real app over a copy of the sample corpus."""

import io
import re
import shutil
import threading
import time

import docx
import pytest

from indexer.index.build import build_index, open_index
from search_app.web import accounts, create_app

from conftest import CORPUS, settings_for, write_jsonl
from generated import generated_records

PASSWORD = "mat-khau-rat-dai-2024"


def make_staff_app(root, extra=None):
    """The real app over a copy of the sample corpus (plus ``extra`` files), with one staff account."""
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    for name, text in (extra or {}).items():
        (corpus / name).write_text(text, "utf-8")
    build_index([corpus], root / "index")
    accounts.add_user(root / "data", "bientap", PASSWORD)
    settings = settings_for(root / "data", root / "index", corpus=corpus)
    return create_app(settings, {"TESTING": True, "SIGNIN_FAILURE_DELAY": 0.0})


def settings_of(app):
    return app.extensions["settings"]


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory):
    app = make_staff_app(tmp_path_factory.mktemp("staff"))
    return app


def csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(app):
    client = app.test_client()
    token = csrf(client, "/quan-tri/dang-nhap")
    response = client.post("/quan-tri/dang-nhap", data={"name": "bientap", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def total(client, q):
    return client.get("/api/search", query_string={"q": q}).get_json()["total"]


def corpus_files(app):
    """The files of the corpus, and those staff added (relative to the data folder)."""
    settings = settings_of(app)
    corpus = [p.relative_to(settings.corpus).as_posix() for p in settings.corpus.rglob("*") if p.is_file()]
    added = [p.relative_to(settings.data).as_posix() for p in settings.uploads_dir.rglob("*") if p.is_file()]
    return sorted(corpus + added)


def test_staff_area_requires_sign_in(staff_app):
    client = staff_app.test_client()
    response = client.get("/quan-tri/")
    assert response.status_code == 302 and "/quan-tri/dang-nhap" in response.headers["Location"]
    assert client.post("/quan-tri/lap-chi-muc").status_code == 400  # no CSRF token, no session


def test_no_default_account_and_wrong_password_is_refused(staff_app):
    client = staff_app.test_client()
    for name, password in (("admin", "admin"), ("bientap", "sai-mat-khau")):
        token = csrf(client, "/quan-tri/dang-nhap")
        response = client.post("/quan-tri/dang-nhap", data={"name": name, "password": password, "csrf_token": token})
        assert response.status_code == 401 and "Sai tên đăng nhập" in response.get_data(as_text=True)


def test_forms_without_the_csrf_token_are_refused(staff_app):
    client = signed_in(staff_app)
    response = client.post("/quan-tri/them", data={"title": "Không có token", "body": "x"})
    assert response.status_code == 400
    assert "biểu mẫu không hợp lệ" in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(staff_app):
    client = staff_app.test_client()
    token = csrf(client, "/quan-tri/dang-nhap")
    response = client.post("/quan-tri/dang-nhap", data={"name": "bientap", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_repeated_failed_sign_ins_are_slowed_down(tmp_path):
    app = create_app(settings_for(tmp_path / "d", tmp_path / "i"), {"TESTING": True, "SIGNIN_FAILURE_DELAY": 0.0})
    accounts.add_user(tmp_path / "d", "bientap", PASSWORD)
    client = app.test_client()
    for _ in range(5):
        token = csrf(client, "/quan-tri/dang-nhap")
        client.post("/quan-tri/dang-nhap", data={"name": "bientap", "password": "sai", "csrf_token": token})
    token = csrf(client, "/quan-tri/dang-nhap")
    response = client.post("/quan-tri/dang-nhap", data={"name": "bientap", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429 and "quá nhiều lần" in response.get_data(as_text=True)


def _docx_bytes():
    document = docx.Document()
    for line in [
        "LIÊN ĐOÀN LAO ĐỘNG TỈNH LẠNG SƠN",
        "Số: 77/HD-LĐLĐ",
        "Lạng Sơn, ngày 2 tháng 6 năm 2025",
        "HƯỚNG DẪN",
        "Tổ chức hội thi an toàn giao thông cho đoàn viên",
        "Các cấp công đoàn tổ chức hội thi tìm hiểu pháp luật về trật tự an toàn giao thông.",
    ]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


UPLOADS = {
    "bai-viet.md": (
        "---\ntitle: Hội thao chào mừng Ngày Quốc tế Lao động\ndate: 2025-05-01\n---\n"
        "Ngày 30/4/2025, Công đoàn ngành Y tế tổ chức hội thao bóng bàn.\n"
    ).encode(),
    "trang.txt": "Tin ngắn\n\nNgày 3/3/2025, LĐLĐ huyện Chi Lăng tổ chức giải kéo co truyền thống.".encode(),
    "trang.html": (
        "<html><body><article><h1>Tọa đàm về nhà ở xã hội cho công nhân</h1>"
        "<p>Ngày 8/3/2025, Công đoàn Khu kinh tế tổ chức tọa đàm nhà ở xã hội.</p></article></body></html>"
    ).encode(),
    "huong-dan.docx": _docx_bytes(),
    "nghi-quyet.pdf": (CORPUS / "dinh-kem" / "nq-45-2019-ldld.pdf").read_bytes(),
}
QUERIES = {
    "bai-viet.md": "hoi thao bong ban",
    "trang.txt": "keo co truyen thong",
    "trang.html": "nha o xa hoi",
    "huong-dan.docx": "an toan giao thong hoi thi",
    "nghi-quyet.pdf": "45/NQ-LĐLĐ",
}


@pytest.mark.parametrize("name", list(UPLOADS))
def test_each_file_type_uploaded_becomes_searchable_after_review(staff_app, name):
    client = signed_in(staff_app)
    token = csrf(client, "/quan-tri/")
    review = client.post(
        "/quan-tri/tai-len",
        data={"csrf_token": token, "files": (io.BytesIO(UPLOADS[name]), name)},
        content_type="multipart/form-data",
    )
    html = review.get_data(as_text=True)
    assert review.status_code == 200 and "Kiểm tra thông tin trước khi lưu" in html
    staging = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    title = re.search(r'name="0-title" value="([^"]*)"', html).group(1)
    assert title  # the extracted title is offered for correction
    fields = {
        "csrf_token": csrf(client, "/quan-tri/"),
        "token": staging,
        "0-title": title + " (đã sửa)",
        "0-type": "hướng dẫn" if name.endswith(".docx") else "tin tức",
        "0-unit": "Công đoàn ngành Y tế",
    }
    response = client.post("/quan-tri/luu", data=fields)
    assert response.status_code == 302
    found = client.get("/api/search", query_string={"q": QUERIES[name], "unit": "Công đoàn ngành Y tế"}).get_json()
    assert not found["relaxed"]
    # the upload is the one document with every word (others, if any, lack one and say which)
    assert [h["title"] for h in found["hits"] if not h["missing"]] == [title + " (đã sửa)"]
    assert found["hits"][0]["title"] == title + " (đã sửa)" and found["complete"] == 1
    home = client.get("/quan-tri/").get_data(as_text=True)
    assert "Thêm" in home and "(đã sửa)" in home  # the audit log


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("anh.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "không phải"),
        ("virus.exe", b"MZ\x90\x00", "Không nhận loại tệp"),
        ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "Không nhận loại tệp"),
        ("../../etc/passwd.md", b"---\ntitle: x\n", None),
        ("hong.docx", b"PK\x03\x04" + b"\x00" * 64, "không phải văn bản Word"),
        ("to.txt", b"a" * (10 * 1024 * 1024 + 10), "quá lớn"),
        ("latin.txt", "Công đoàn".encode("cp1258", errors="replace") + b"\xff\xfe", "UTF-8"),
    ],
)
def test_bad_uploads_get_a_clear_message_and_change_nothing(staff_app, name, data, message):
    client = signed_in(staff_app)
    files_before = corpus_files(staff_app)
    with open_index(settings_of(staff_app).index_dir).searcher() as s:
        docs_before = s.doc_count()
    token = csrf(client, "/quan-tri/")
    response = client.post(
        "/quan-tri/tai-len",
        data={"csrf_token": token, "files": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    if message is None:  # a traversal name with an allowed type: saved under a name we make, never outside
        assert response.status_code == 200
        staging = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
        client.post("/quan-tri/luu", data={"csrf_token": csrf(client, "/quan-tri/"), "token": staging})
        added = set(corpus_files(staff_app)) - set(files_before)
        assert added and all(a.startswith("tai-len/") and ".." not in a for a in added)
        return
    assert response.status_code in (400, 413)
    assert message.lower() in html.lower()
    assert corpus_files(staff_app) == files_before
    with open_index(settings_of(staff_app).index_dir).searcher() as s:
        assert s.doc_count() == docs_before


def test_add_by_form_edit_and_remove_reach_corpus_and_index_together(staff_app):
    client = signed_in(staff_app)
    token = csrf(client, "/quan-tri/")
    client.post(
        "/quan-tri/them",
        data={
            "csrf_token": token,
            "title": "Thông báo nghỉ Tết Nguyên đán Bính Ngọ",
            "date": "2026-01-20",
            "unit": "LĐLĐ tỉnh Lạng Sơn",
            "type": "thông báo",
            "number": "99/TB-LĐLĐ",
            "body": "Cơ quan nghỉ Tết từ ngày 14/2/2026.",
        },
    )
    hit = client.get("/api/search?q=99/TB-LĐLĐ").get_json()["hits"][0]
    assert hit["title"] == "Thông báo nghỉ Tết Nguyên đán Bính Ngọ" and hit["type"] == "thông báo"
    doc_id = hit["id"]

    token = csrf(client, f"/quan-tri/tai-lieu/{doc_id}/sua")
    response = client.post(
        f"/quan-tri/tai-lieu/{doc_id}/sua",
        data={
            "csrf_token": token,
            "title": "Thông báo lịch nghỉ Tết Bính Ngọ 2026",
            "type": "thông báo",
            "unit": "Công đoàn Viên chức tỉnh",
        },
    )
    assert response.status_code == 302
    doc = client.get(f"/api/documents/{doc_id}").get_json()
    assert doc["title"] == "Thông báo lịch nghỉ Tết Bính Ngọ 2026" and doc["unit"] == "Công đoàn Viên chức tỉnh"

    token = csrf(client, "/quan-tri/")
    client.post(f"/quan-tri/tai-lieu/{doc_id}/xoa", data={"csrf_token": token})
    assert client.get(f"/api/documents/{doc_id}").status_code == 404
    assert not any(doc_id.removeprefix("tai-len-") in f for f in corpus_files(staff_app))
    log = client.get("/quan-tri/").get_data(as_text=True)
    assert "Gỡ" in log and "Sửa" in log


def test_scripted_ingest_with_a_bearer_token(staff_app):
    client = staff_app.test_client()
    body = {
        "title": "Kế hoạch kiểm tra tài chính năm 2026",
        "date": "2026-02-01",
        "unit": "UBKT",
        "type": "KH",
        "number": "05/KH-LĐLĐ",
        "body": "Kiểm tra tài chính công đoàn cơ sở.",
    }
    assert client.post("/api/documents", json=body).status_code == 401
    assert client.post("/api/documents", json=body, headers={"Authorization": "Bearer sai"}).status_code == 401
    token = accounts.add_token(settings_of(staff_app).data, "may-chu-cms")
    auth = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/documents", json=body, headers=auth)
    assert response.status_code == 201
    doc_id = response.get_json()["id"]
    assert client.get("/api/search?q=kiem+tra+tai+chinh+2026").get_json()["hits"][0]["id"] == doc_id
    bad = client.post(
        "/api/documents", headers=auth, data={"file": (io.BytesIO(b"MZ"), "x.exe")}, content_type="multipart/form-data"
    )
    assert bad.status_code == 400 and "Không nhận loại tệp" in bad.get_json()["error"]["message"]
    assert client.delete(f"/api/documents/{doc_id}", headers=auth).status_code == 204
    assert client.delete(f"/api/documents/{doc_id}", headers=auth).status_code == 404
    assert client.get(f"/api/documents/{doc_id}").status_code == 404


def test_searches_stay_correct_while_a_full_reindex_of_3000_documents_runs(tmp_path):
    import json

    placeholder = json.dumps({"id": "placeholder", "title": "Tin tạm", "body": "Nội dung tạm."}) + "\n"
    app = make_staff_app(tmp_path, {"bulk.jsonl": placeholder})
    bulk = tmp_path / "corpus" / "bulk.jsonl"
    client = signed_in(app)
    queries = ["nghi quyet dai hoi", "15/KH-LĐLĐ", "mái ấm công đoàn", "zqxwkv"]
    before = {q: client.get("/api/search", query_string={"q": q}).get_json() for q in queries}
    assert before["zqxwkv"]["total"] == 0

    # staff replace the bulk file with 3,000 articles, then reindex everything
    records = generated_records(3000)
    for record in records[::300]:
        record["body"] += " Zqxwkv."
    write_jsonl(bulk, records)
    client.post("/quan-tri/lap-chi-muc", data={"csrf_token": csrf(client, "/quan-tri/")})
    reindexer = app.extensions["reindexer"]
    seen: list[tuple[str, int, str | None]] = []

    def answer(c, q):
        data = c.get("/api/search", query_string={"q": q}).get_json()
        return data["total"], data["hits"][0]["id"] if data["hits"] else None

    def search_meanwhile():
        other = app.test_client()  # another server thread, its own searcher
        while reindexer.state.running:
            seen.extend((q, *answer(other, q)) for q in queries)

    searcher_thread = threading.Thread(target=search_meanwhile)
    searcher_thread.start()
    while reindexer.state.running:
        progress = client.get("/quan-tri/tien-do").get_json()
        time.sleep(0.5)
    searcher_thread.join()
    assert reindexer.state.error is None, reindexer.state.error
    assert progress["total"] >= 3000 and progress["done"] > 0
    # every answer given meanwhile was the last commit's: the old index, or the new one once swapped in
    old = {q: (before[q]["total"], before[q]["hits"][0]["id"] if before[q]["hits"] else None) for q in queries}
    new = {q: answer(client, q) for q in queries}
    assert len(seen) > 20
    assert all((total, first) in (old[q], new[q]) for q, total, first in seen)
    assert sum((total, first) == old[q] for q, total, first in seen) > len(seen) // 2
    after = client.get("/api/search", query_string={"q": "zqxwkv"}).get_json()
    assert after["total"] == 10 and after["hits"][0]["id"].startswith("gen-")
    assert client.get("/api/search?q=15/KH-LĐLĐ").get_json()["hits"][0]["id"] == "kh-15-2017-ldld"


def test_a_failed_reindex_shows_its_error_and_the_old_index_keeps_serving(staff_app):
    import filelock

    client = signed_in(staff_app)
    before = client.get("/api/search?q=mai+am+cong+doan").get_json()
    # a build started from the command line holds the index
    held = filelock.FileLock(str(__import__("pathlib").Path(settings_of(staff_app).index_dir) / "build.lock"))
    held.acquire()
    try:
        client.post("/quan-tri/lap-chi-muc", data={"csrf_token": csrf(client, "/quan-tri/")})
        reindexer = staff_app.extensions["reindexer"]
        reindexer.thread.join(timeout=60)
    finally:
        held.release()
    page = client.get("/quan-tri/").get_data(as_text=True)
    assert "đang chạy trên thư mục này" in page
    after = client.get("/api/search?q=mai+am+cong+doan").get_json()
    assert after["total"] == before["total"] and after["hits"] == before["hits"]
