"""Sessions that end, sign-in limits that hold, headers of a careful site, sources never dropped unasked.

Each test replays one finding of the outside probe against the real app over a real index.
"""

import json
import os
import re
import shutil
import threading
import time

import pytest
from click.testing import CliRunner

from indexer.index.build import build_index, open_index
from search_app import create_app
from search_app.cli import cli
from search_app.web import accounts

from conftest import CORPUS, settings_for, write_doc
from test_staff import PASSWORD, csrf, make_staff_app, signed_in


def sign_in(client, name="bientap", password=PASSWORD, **headers):
    html = client.get("/quan-tri/dang-nhap", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    if headers.get("X-Forwarded-Proto") == "https":  # over https the form must come from this site
        headers = headers | {"Referer": "https://localhost/quan-tri/dang-nhap"}
    return client.post(
        "/quan-tri/dang-nhap", data={"name": name, "password": password, "csrf_token": token}, headers=headers
    )


def add_by_form(client, title):
    form = {"title": title, "date": "2026-01-20", "unit": "LĐLĐ tỉnh Lạng Sơn", "type": "thông báo"}
    # the sign-in page always carries a form token, signed in or not
    form |= {"body": "Nội dung thông báo.", "csrf_token": csrf(client, "/quan-tri/dang-nhap")}
    return client.post("/quan-tri/them", data=form)


def total(client, q):
    return client.get("/api/search", query_string={"q": q}).get_json()["total"]


@pytest.fixture
def staff_app(tmp_path):
    return make_staff_app(tmp_path)


def test_a_cookie_replayed_after_sign_out_opens_nothing(staff_app):
    client = signed_in(staff_app)
    cookie = client.get_cookie("session").value
    client.post("/quan-tri/dang-xuat", data={"csrf_token": csrf(client, "/quan-tri/")})
    replay = staff_app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/quan-tri/")
    assert response.status_code == 302 and "/quan-tri/dang-nhap" in response.headers["Location"]


@pytest.mark.parametrize("change", ["passwd", "remove"])
def test_a_new_password_or_a_removed_account_ends_every_session(staff_app, change):
    data = staff_app.extensions["settings"].data
    one, two = signed_in(staff_app), signed_in(staff_app)
    runner = CliRunner()
    args = ["user", change, "--data", str(data), "bientap"]
    if change == "passwd":
        args += ["--password", "mat-khau-moi-2026-dai"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    for client in (one, two):
        assert client.get("/quan-tri/").status_code == 302
        before = total(client, "nghi tet binh ngo")
        add_by_form(client, "Thông báo nghỉ Tết Bính Ngọ")  # a deleted account adds nothing
        assert total(client, "nghi tet binh ngo") == before
    log = (data / "audit.jsonl").read_text("utf-8")
    assert f'"action": "user-{change}"' in log


def test_tokens_are_listed_by_name_and_a_revoked_one_is_refused(staff_app):
    data = staff_app.extensions["settings"].data
    token = accounts.add_token(data, "may-chu-cms")
    client = staff_app.test_client()
    body = {"title": "Kế hoạch thử", "body": "Nội dung", "type": "KH"}
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/documents", json=body, headers=headers).status_code == 201
    runner = CliRunner()
    listed = runner.invoke(cli, ["token", "list", "--data", str(data)])
    assert listed.exit_code == 0 and "may-chu-cms" in listed.output and token not in listed.output
    assert runner.invoke(cli, ["token", "revoke", "--data", str(data), "may-chu-cms"]).exit_code == 0
    assert client.post("/api/documents", json=body | {"title": "Lần hai"}, headers=headers).status_code == 401
    assert runner.invoke(cli, ["token", "revoke", "--data", str(data), "khong-co"]).exit_code == 1


def test_failed_sign_ins_lock_the_account_not_every_staff_member(staff_app):
    data = staff_app.extensions["settings"].data
    accounts.add_user(data, "bientap2", PASSWORD)
    client = staff_app.test_client()
    for _ in range(5):
        assert sign_in(client, password="sai-mat-khau").status_code == 401
    assert sign_in(client).status_code == 429  # that account waits
    assert sign_in(client, name="bientap2").status_code == 302  # a colleague at the same address does not


def test_behind_a_proxy_clients_are_told_apart_by_their_real_address(tmp_path):
    app = make_staff_app(tmp_path)
    app = create_app(app.extensions["settings"].with_values(proxy_hops=1), {"TESTING": True, "SIGNIN_FAILURE_DELAY": 0})
    accounts.add_user(app.extensions["settings"].data, "khac", PASSWORD)
    client = app.test_client()
    for n in range(20):  # one client tries many names
        sign_in(client, name=f"ten-{n}", password="sai", **{"X-Forwarded-For": "203.0.113.7"})
    assert sign_in(client, name="khac", **{"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert sign_in(client, name="khac", **{"X-Forwarded-For": "198.51.100.4"}).status_code == 302


def test_parallel_tries_get_no_more_password_checks_than_the_limit(staff_app):
    codes = []

    def attempt():
        codes.append(sign_in(staff_app.test_client(), password="sai-mat-khau").status_code)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(401) == 5 and codes.count(429) == 11


def test_unknown_and_known_names_get_the_same_answer_in_the_same_time(staff_app):
    data = staff_app.extensions["settings"].data
    accounts.check_user(data, "khong-co", "x")  # the stand-in hash is made once

    def cost(name):
        started = time.process_time()
        for _ in range(3):
            assert accounts.check_user(data, name, "sai-mat-khau") is False
        return time.process_time() - started

    known, unknown = cost("bientap"), cost("khong-co-ai")
    assert 0.6 < unknown / known < 1.6
    answers = {
        sign_in(staff_app.test_client(), name=n, password="sai").get_data(as_text=True) for n in ("bientap", "x1")
    }
    assert len({re.sub(r'value="[^"]+"', "", a) for a in answers}) == 1


def test_a_password_typed_as_the_name_is_not_kept(staff_app):
    sign_in(staff_app.test_client(), name="MatKhauBiMat2026", password="x")
    stored = staff_app.extensions["settings"].data / "signin.sqlite"
    assert b"MatKhauBiMat2026" not in stored.read_bytes()
    assert stored.stat().st_mode & 0o077 == 0


def test_pages_carry_the_headers_of_a_careful_site(client):
    for url in ("/", "/tai-lieu/kh-15-2017-ldld", "/quan-tri/dang-nhap", "/api/search?q=x"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain http: no promise of https


def test_behind_https_the_cookie_is_secure_and_https_is_required(tmp_path):
    app = make_staff_app(tmp_path)
    app = create_app(app.extensions["settings"].with_values(proxy_hops=1), {"TESTING": True, "SIGNIN_FAILURE_DELAY": 0})
    client = app.test_client()
    response = sign_in(client, **{"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" not in sign_in(app.test_client()).headers["Set-Cookie"]


def test_links_use_the_configured_address_and_other_hosts_are_refused(tmp_path, sample_index):
    settings = settings_for(tmp_path / "data", sample_index, base_url="https://tracuu.ldld.example")
    client = create_app(settings, {"TESTING": True}).test_client()
    headers = {"Host": "tracuu.ldld.example"}
    assert client.get("/api/openapi.json", headers=headers).get_json()["servers"] == [
        {"url": "https://tracuu.ldld.example"}
    ]
    feed = client.get("/feed?q=ke+hoach", headers=headers).get_data(as_text=True)
    assert "https://tracuu.ldld.example/tai-lieu/" in feed
    assert client.get("/api/openapi.json", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize("target", ["/quan-tri/\r\nSet-Cookie: x=1", "https://evil.example/", "//evil.example"])
def test_where_to_go_after_sign_in_is_never_a_header_or_another_site(staff_app, target):
    client = staff_app.test_client()
    token = csrf(client, "/quan-tri/dang-nhap")
    response = client.post(
        "/quan-tri/dang-nhap",
        query_string={"next": target},
        data={"name": "bientap", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/quan-tri/"


def test_only_excluded_words_is_refused_with_a_reason(client):
    response = client.get("/api/search", query_string={"q": "-khen"})
    assert response.status_code == 400 and "ít nhất một từ" in response.get_json()["error"]["message"]


def test_a_reindex_stops_when_a_recorded_source_is_missing_unless_staff_confirm(tmp_path):
    app = make_staff_app(tmp_path)
    other = tmp_path / "other"
    write_doc(other, "x.md", {"id": "x", "title": "Bảo hiểm xã hội cho người lao động"}, "Nội dung.")
    build_index([other], app.extensions["settings"].index_dir)
    shutil.rmtree(other)
    client = signed_in(app)
    before = total(client, "")
    reindexer = app.extensions["reindexer"]
    client.post("/quan-tri/lap-chi-muc", data={"csrf_token": csrf(client, "/quan-tri/")})
    reindexer.thread.join(timeout=120)
    page = client.get("/quan-tri/").get_data(as_text=True)
    assert str(other) in page and "không tìm thấy nguồn" in page and 'name="bo-nguon-thieu"' in page
    assert total(client, "") == before
    token = csrf(client, "/quan-tri/")
    client.post("/quan-tri/lap-chi-muc", data={"csrf_token": token, "bo-nguon-thieu": "1"})
    reindexer.thread.join(timeout=120)
    assert reindexer.state.error is None and total(client, "") == before - 1


def test_a_reindex_with_every_recorded_source_missing_never_falls_back_to_the_sample(tmp_path):
    app = make_staff_app(tmp_path)
    client = signed_in(app)
    before = total(client, "")
    shutil.rmtree(tmp_path / "corpus")  # the only recorded source
    reindexer = app.extensions["reindexer"]
    token = csrf(client, "/quan-tri/")
    client.post("/quan-tri/lap-chi-muc", data={"csrf_token": token, "bo-nguon-thieu": "1"})
    reindexer.thread.join(timeout=120)
    assert "không tìm thấy nguồn" in reindexer.state.error and total(client, "") == before


def test_a_run_left_by_a_dead_process_is_seen_even_when_its_process_id_lives_on(tmp_path):
    app = make_staff_app(tmp_path)
    status = app.extensions["settings"].data / "reindex.json"
    # a container restarted: the process id the dead run recorded now belongs to a live process
    status.write_text(json.dumps({"running": True, "pid": os.getpid(), "started": time.time()}), "utf-8")
    progress = signed_in(app).get("/quan-tri/tien-do").get_json()
    assert progress["running"] is False and "gián đoạn" in progress["error"]


def test_indexing_a_missing_source_exits_non_zero_and_changes_nothing(tmp_path):
    index = tmp_path / "index"
    build_index([CORPUS], index)
    with open_index(index).searcher() as s:
        before = s.doc_count()
    result = CliRunner().invoke(cli, ["index", "--index", str(index), str(CORPUS), str(tmp_path / "khong-co")])
    assert result.exit_code == 1 and "Không tìm thấy" in result.output and "Traceback" not in result.output
    with open_index(index).searcher() as s:
        assert s.doc_count() == before


def test_a_fifo_in_a_source_folder_is_passed_over(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "a.md", {"id": "a", "title": "Tin A"}, "Nội dung.")
    os.mkfifo(corpus / "ong.md")
    report = build_index([corpus], tmp_path / "index")
    assert report.added == 1 and not report.errors
