"""The production server runs several processes: they must answer alike and share staff state.

Each process builds its own app; what they share is the data folder. Two apps over the same
folders stand for two processes in the state tests, and ``tracuu serve`` itself is started
as a real process tree for the serving test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from search_app import create_app

from test_staff import PASSWORD, csrf, make_staff_app, signed_in


def twin(app):
    """A second server process: its own app over the same index and data folders."""
    return create_app(app.extensions["settings"], {"TESTING": True, "SIGNIN_FAILURE_DELAY": 0.0})


def sign_in(client, password):
    token = csrf(client, "/quan-tri/dang-nhap")
    return client.post("/quan-tri/dang-nhap", data={"name": "bientap", "password": password, "csrf_token": token})


def test_failed_sign_ins_count_across_server_processes(tmp_path):
    first = make_staff_app(tmp_path)
    second = twin(first)
    one, two = first.test_client(), second.test_client()
    for client in (one, two, one, two, one):
        assert sign_in(client, "sai-mat-khau").status_code == 401
    response = sign_in(two, PASSWORD)
    assert response.status_code == 429 and "quá nhiều lần" in response.get_data(as_text=True)


def test_reindex_progress_shows_in_every_process_and_a_dead_run_is_reported(tmp_path):
    first = make_staff_app(tmp_path)
    second = twin(first)
    client = signed_in(first)
    client.post("/quan-tri/lap-chi-muc", data={"csrf_token": csrf(client, "/quan-tri/")})
    first.extensions["reindexer"].thread.join(timeout=120)
    seen_elsewhere = signed_in(second).get("/quan-tri/tien-do").get_json()
    assert seen_elsewhere["running"] is False and seen_elsewhere["error"] is None
    assert "Đã lập lại chỉ mục" in seen_elsewhere["summary"] and seen_elsewhere["done"] > 40

    # a process that died mid-run left "running" behind: shown as interrupted, and a new run may start
    status = first.extensions["settings"].data / "reindex.json"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    state = json.loads(status.read_text("utf-8")) | {"running": True, "pid": dead.pid, "error": None}
    status.write_text(json.dumps(state), "utf-8")
    other = signed_in(second)
    progress = other.get("/quan-tri/tien-do").get_json()
    assert progress["running"] is False and "gián đoạn" in progress["error"]
    other.post("/quan-tri/lap-chi-muc", data={"csrf_token": csrf(other, "/quan-tri/")})
    second.extensions["reindexer"].thread.join(timeout=120)
    assert "Đã lập lại chỉ mục" in other.get("/quan-tri/tien-do").get_json()["summary"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tracuu_serve_answers_from_several_worker_processes(tmp_path, sample_index):
    index = tmp_path / "index"
    shutil.copytree(sample_index, index, symlinks=True)
    port = free_port()
    tracuu = Path(sys.executable).with_name("tracuu")
    cmd = [str(tracuu), "serve", "--index", str(index), "--port", str(port), "--workers", "2", "--threads", "2"]
    server = subprocess.Popen(cmd, env=os.environ | {"TRACUU_DATA": str(tmp_path / "data")}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "tracuu serve exited"
            try:
                with urllib.request.urlopen(base + "/api/search?q=nghi+quyet+dai+hoi", timeout=30) as response:
                    first = json.load(response)
                break
            except OSError:
                assert time.monotonic() < deadline, "tracuu serve did not answer"
                time.sleep(0.5)
        # gunicorn forks its workers one after the other: the first may answer before the second is up
        while True:
            workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
            if len(workers) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(workers) == 2
        answers = []
        for _ in range(12):  # new connections each time, spread over the workers
            with urllib.request.urlopen(base + "/api/search?q=nghi+quyet+dai+hoi", timeout=30) as response:
                answers.append(json.load(response))
        assert first["total"] > 0
        assert all(a["total"] == first["total"] and a["hits"] == first["hits"] for a in answers)
        with urllib.request.urlopen(base + "/?q=cong+doan+co+so", timeout=30) as response:
            assert "Công đoàn cơ sở" in response.read().decode("utf-8")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def test_a_repeated_search_is_never_older_than_the_index(tmp_path):
    """Results are kept per index version: the same search after a change shows the change."""
    app = make_staff_app(tmp_path)
    client = signed_in(app)
    other = twin(app).test_client()  # another process, with its own cache
    query = {"q": "nghi tet binh ngo", "type": "thông báo", "per_page": 100}
    title = "Thông báo nghỉ Tết Bính Ngọ"

    def titles(c):
        return [h["title"] for h in c.get("/api/search", query_string=query).get_json()["hits"]]

    for c in (client, other, client):
        assert title not in titles(c)
    token = csrf(client, "/quan-tri/")
    form = {"title": title, "date": "2026-01-20", "unit": "LĐLĐ tỉnh Lạng Sơn"}
    form |= {"type": "thông báo", "body": "Cơ quan nghỉ Tết từ ngày 14/2/2026.", "csrf_token": token}
    client.post("/quan-tri/them", data=form)
    for c in (client, other):
        assert titles(c)[0] == title
