"""Harvesting the federation's website: against a real HTTP server on 127.0.0.1 serving tests/site/.

Real httpx, real pyvi, real Whoosh indexes in temp folders, the real Flask app, and real
processes killed with SIGKILL. The site (``harvest_site.Site``) has listings with pagination, a
sitemap, a feed, a PDF, a robots.txt that disallows a page, and pages that change, disappear,
redirect to another host, are too large or answer too late.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from harvest_site import (
    ARTICLES,
    ATTACHMENT,
    CHANGING,
    DISALLOWED,
    HUGE,
    REDIRECT,
    SITE,
    SLOW,
    VANISHING,
    Site,
)

from indexer.harvest import HarvestConfig, confirm_removal, harvest, pending_removals
from indexer.harvest.page import OWN_SITE_META
from indexer.index import ingest
from indexer.index.build import build_index, open_index, recorded_sources
from search_app.cli import cli
from search_app.engine import SearchRequest
from search_app.web import accounts, create_app

from conftest import ROOT, engine_for, settings_for
from test_staff import PASSWORD, signed_in

TIMEOUT = 0.5  # the slow page answers after 2 s: always too late
MAX_BYTES = 1024 * 1024  # the huge page is 3 MB
CHANGED = (SITE / "tin-tuc" / "ky-ket-thoa-uoc-nganh-giao-duc.v2.html").read_text("utf-8")


def config_for(root: Path, site: Site, **changes) -> HarvestConfig:
    values = {"delay": 0.0, "timeout": TIMEOUT, "max_bytes": MAX_BYTES}
    return HarvestConfig(root / "data" / "thu-thap", tuple(site.start_points), **{**values, **changes})


def documents(index_dir: Path) -> dict[str, dict]:
    """url -> stored document, for every document of the index."""
    with open_index(index_dir).searcher() as searcher:
        return {doc["doc"]["url"] or doc["id"]: doc["doc"] for doc in searcher.documents()}


def snapshot(index_dir: Path) -> tuple:
    """Everything a commit changes: the generation, Whoosh's table of contents, every stored document."""
    ix = open_index(index_dir)
    with ix.searcher() as searcher:
        stored = sorted((doc["id"], json.dumps(doc["doc"], sort_keys=True)) for doc in searcher.documents())
    return (os.readlink(index_dir / "current"), ix.latest_generation(), stored)


def search(index_dir: Path, q: str) -> list[str]:
    return [hit.id for hit in engine_for(index_dir).search(SearchRequest(q=q)).hits]


@pytest.fixture
def site():
    with Site() as running:
        yield running


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One harvest of the whole site, shared by the tests that only read what it did."""
    root = tmp_path_factory.mktemp("first")
    with Site() as running:
        config = config_for(root, running)
        report = harvest(config, root / "index")
        yield running, config, root / "index", report


# --- a first harvest ------------------------------------------------------------------------------


def test_first_harvest_indexes_every_allowed_article_with_its_metadata(first_run):
    site, _config, index_dir, report = first_run
    found = documents(index_dir)
    articles = {site.url(path) for path in ARTICLES}
    assert set(found) == articles | {site.url(ATTACHMENT)}
    assert report.added == len(found) and report.committed
    for path, (title, unit) in ARTICLES.items():
        doc = found[site.url(path)]
        assert doc["title"].startswith(title), doc["title"]
        if unit and path != "/van-ban/nghi-quyet-45-nq-ldld.html":  # a document page: the lead's rules decide
            assert doc["unit"] == unit, (path, doc["unit"])
    article = found[site.url("/tin-tuc/hoi-nghi-quan-triet-cdvc.html")]
    assert article["date"] == "2024-05-10"  # the date line, not the event's date in the lead (09/5)
    assert article["author"] == "Hoàng Thu Trang"
    assert article["captions"] == [
        "Đồng chí Chủ tịch Công đoàn Viên chức tỉnh phát biểu khai mạc hội nghị",
        "Các đại biểu dự hội nghị",
    ]
    body = article["body"]
    assert "Sáng ngày 09/5/2024" in body and body.rstrip().endswith("ngay trong quý II năm 2024./.")
    for furniture in ("Trang chủ", "Tin mới", "Ảnh hoạt động", "Lượt xem", "Bản quyền", "đổi mới nội dung"):
        assert furniture not in body, furniture
    # the attached PDF of the document page is fetched and indexed as the resolution it is
    pdf = found[site.url(ATTACHMENT)]
    assert pdf["type"] == "nghị quyết" and pdf["number"] == "45/NQ-LĐLĐ"
    assert (
        search(index_dir, "mai am cong doan trang dinh")[0]
        == found[site.url("/tin-tuc/mai-am-cong-doan-trang-dinh.html")]["id"]
    )


def test_first_harvest_refuses_what_it_must_and_says_why_in_vietnamese(first_run):
    site, _config, _index_dir, report = first_run
    asked = {request.path for request in site.requests}
    assert DISALLOWED not in asked  # robots.txt: never even asked
    assert site.elsewhere.requests == []  # the redirect to another host is not followed
    reasons = {error["url"].removeprefix(site.base): error["reason"] for error in report.errors}
    assert set(reasons) == {REDIRECT, HUGE, SLOW}
    assert reasons[REDIRECT].startswith("chuyển hướng sang trang ngoài (127.0.0.1:")
    assert reasons[HUGE].startswith("quá lớn (") and "tối đa 1 MB" in reasons[HUGE]
    assert reasons[SLOW] == "hết thời gian chờ (quá 0,5 giây)"
    assert all(request.user_agent.startswith("tracuu-thu-thap/") for request in site.requests)
    # every listing page was read: the second and third pages of "Tin tức" too
    assert {"/tin-tuc.html?start=4", "/tin-tuc.html?start=8", "/sitemap.xml", "/tin-tuc/feed.rss"} <= asked


def test_harvested_pages_say_they_are_the_federations_own(first_run):
    site, config, index_dir, _report = first_run
    for url, doc in documents(index_dir).items():
        assert config.own_site(doc["url"]) and url.startswith(site.base)
        assert doc["id"].startswith("web-127-0-0-1-")
    kept = next(config.documents.rglob("web-127-0-0-1-tin-tuc-hoi-nghi-quan-triet-cdvc.html")).read_text("utf-8")
    assert f'<link rel="canonical" href="{site.url("/tin-tuc/hoi-nghi-quan-triet-cdvc.html")}">' in kept
    assert f'<meta name="{OWN_SITE_META}" content="1">' in kept
    assert not config.own_site("https://baolaodong.vn/tin-tuc/bai-viet.html")


def test_a_full_reindex_keeps_the_harvested_documents(first_run, tmp_path):
    _site, config, index_dir, _report = first_run
    assert config.documents.resolve() in recorded_sources(index_dir)
    before = set(documents(index_dir))
    copy = tmp_path / "rebuilt"
    build_index(recorded_sources(index_dir), copy, rebuild=True)
    assert set(documents(copy)) == before


# --- the runs after ---------------------------------------------------------------------------------


def test_an_unchanged_site_costs_only_conditional_requests_and_no_commit(site, tmp_path):
    config = config_for(tmp_path, site)
    harvest(config, tmp_path / "index")
    # (the slow page's answer is sent in the end, to a client that stopped waiting)
    fetched_before = {r.path for r in site.requests if r.status == 200} - {SLOW}
    before = snapshot(tmp_path / "index")
    site.clear_requests()
    report = harvest(config, tmp_path / "index")
    assert snapshot(tmp_path / "index") == before and not report.committed
    assert report.downloaded == 0 and report.added == report.changed == 0
    for request in site.requests:
        if request.path in fetched_before:
            assert request.conditional and request.status == 304, request
    # what could not be fetched is asked again, and still reported (the huge page without its body)
    assert {r.path for r in site.requests if not r.conditional} == {REDIRECT, SLOW}
    assert {e["url"].removeprefix(site.base) for e in report.errors} == {REDIRECT, HUGE, SLOW}


def test_a_changed_page_replaces_its_document_under_the_same_id(site, tmp_path):
    config = config_for(tmp_path, site)
    harvest(config, tmp_path / "index")
    old = documents(tmp_path / "index")[site.url(CHANGING)]
    site.change(CHANGING, CHANGED)
    report = harvest(config, tmp_path / "index")
    assert (report.added, report.changed, report.committed) == (0, 1, True)
    new = documents(tmp_path / "index")[site.url(CHANGING)]
    assert new["id"] == old["id"] and new["title"].endswith("giai đoạn 2024-2026")
    assert search(tmp_path / "index", "nghỉ thai sản giáo viên mầm non") == [new["id"]]
    assert len(documents(tmp_path / "index")) == 10


def test_a_page_that_disappears_waits_for_staff_to_confirm_its_removal(site, tmp_path):
    config = config_for(tmp_path, site)
    index_dir = tmp_path / "index"
    harvest(config, index_dir)
    doc_id = documents(index_dir)[site.url(VANISHING)]["id"]
    site.remove(VANISHING, 410)
    first = harvest(config, index_dir)
    again = harvest(config, index_dir)
    assert (first.flagged, first.pending, again.flagged, again.pending) == (1, 1, 0, 1)
    assert search(index_dir, "an toàn vệ sinh viên") == [doc_id]  # never removed silently
    assert [p["url"] for p in pending_removals(config)] == [site.url(VANISHING)]
    assert confirm_removal(config, index_dir, site.url(VANISHING)).startswith("Hội thảo nâng cao")
    assert search(index_dir, "an toàn vệ sinh viên") == [] and pending_removals(config) == []
    later = harvest(config, index_dir)
    assert later.pending == 0 and site.url(VANISHING) not in documents(index_dir)


def test_staff_corrections_survive_a_new_harvest_of_the_page(site, tmp_path):
    config = config_for(tmp_path, site)
    index_dir = tmp_path / "index"
    harvest(config, index_dir)
    doc_id = documents(index_dir)[site.url(CHANGING)]["id"]
    ingest.edit(index_dir, doc_id, {"title": "Thỏa ước lao động tập thể ngành Giáo dục 2024", "date": "2024-04-10"})
    site.change(CHANGING, CHANGED)
    report = harvest(config, index_dir)
    assert report.changed == 1
    doc = documents(index_dir)[site.url(CHANGING)]
    assert (doc["id"], doc["title"], doc["date"]) == (
        doc_id,
        "Thỏa ước lao động tập thể ngành Giáo dục 2024",
        "2024-04-10",
    )
    assert "nghỉ thai sản" in doc["body"]  # the page's new text, under staff's title and date


# --- kill -9 ----------------------------------------------------------------------------------------


def _harvest_process(tmp_path: Path, site: Site, timeout: float) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
    env |= {
        "TRACUU_DATA": str(tmp_path / "data"),
        "TRACUU_INDEX": str(tmp_path / "index"),
        "TRACUU_HARVEST_START": " ".join(site.start_points),
        "TRACUU_HARVEST_DELAY": "0",
        "TRACUU_HARVEST_TIMEOUT": str(timeout),
        "TRACUU_HARVEST_MAX_MB": "1",
        "TRACUU_INDEX_WORKERS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "search_app", "harvest"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(process: subprocess.Popen, ready, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_a_harvest_killed_while_fetching_leaves_the_index_as_it_was_and_the_next_run_resumes(tmp_path):
    with Site(slow_seconds=30) as site:
        config = config_for(tmp_path, site)
        harvest(config, tmp_path / "index")
        before = snapshot(tmp_path / "index")
        site.change(CHANGING, CHANGED)
        site.clear_requests()
        process = _harvest_process(tmp_path, site, timeout=20)
        _kill_when(process, lambda: any(r.path == SLOW for r in site.requests))  # waiting for the slow page
        assert any(r.path == CHANGING and r.status == 200 for r in site.requests)  # fetched, not indexed
        assert snapshot(tmp_path / "index") == before
        site.clear_requests()
        report = harvest(config, tmp_path / "index")
        assert report.resumed and (report.changed, report.committed) == (1, True)
        # the page the killed run fetched is not downloaded again: its staged copy is confirmed by a 304
        asked = [r for r in site.requests if r.path == CHANGING]
        assert [(r.conditional, r.status) for r in asked] == [(True, 304)]
        assert documents(tmp_path / "index")[site.url(CHANGING)]["title"].endswith("giai đoạn 2024-2026")


def test_a_harvest_killed_while_indexing_leaves_the_index_as_it_was_and_the_next_run_finishes(site, tmp_path):
    config = config_for(tmp_path, site)
    harvest(config, tmp_path / "index")
    before = snapshot(tmp_path / "index")
    site.change(CHANGING, CHANGED)
    process = _harvest_process(tmp_path, site, timeout=TIMEOUT)
    plan = config.folder / "dang-tai" / "plan.json"
    _kill_when(process, plan.exists)  # fetching done, the commit under way
    assert snapshot(tmp_path / "index") == before
    report = harvest(config, tmp_path / "index")
    assert report.resumed and report.committed
    assert documents(tmp_path / "index")[site.url(CHANGING)]["title"].endswith("giai đoạn 2024-2026")
    assert not plan.exists()
    # and the killed run is in the history, said to staff as interrupted
    from indexer.harvest import history

    outcomes = [run.outcome for run in history.recent_runs(config.folder)]
    assert outcomes[:2] == ["ok", "interrupted"] or outcomes[:2] == ["errors", "interrupted"]


# --- the command line ---------------------------------------------------------------------------------


def test_the_command_harvests_lists_and_confirms_removals(site, tmp_path):
    env = {
        "TRACUU_DATA": str(tmp_path / "data"),
        "TRACUU_HARVEST_START": " ".join(site.start_points),
        "TRACUU_HARVEST_DELAY": "0",
        "TRACUU_HARVEST_TIMEOUT": str(TIMEOUT),
        "TRACUU_HARVEST_MAX_MB": "1",
    }
    runner = CliRunner(env=env)
    result = runner.invoke(cli, ["harvest"], prog_name="tracuu")
    assert result.exit_code == 1  # three pages were refused: a cron job learns of it
    assert "thêm 10, cập nhật 0" in result.stdout and "Bỏ qua " + site.url(HUGE) + ": quá lớn" in result.stderr
    site.remove(VANISHING)
    runner.invoke(cli, ["harvest"], prog_name="tracuu")
    listed = runner.invoke(cli, ["harvest", "--pending"], prog_name="tracuu")
    assert listed.stdout.startswith(site.url(VANISHING) + "\tHội thảo nâng cao")
    confirmed = runner.invoke(cli, ["harvest", "--confirm-removals"], prog_name="tracuu")
    assert confirmed.exit_code == 0 and confirmed.stdout.startswith("Đã gỡ: Hội thảo nâng cao")
    assert site.url(VANISHING) not in documents(tmp_path / "data" / "index")
    assert "Không có trang nào" in runner.invoke(cli, ["harvest", "--pending"], prog_name="tracuu").stdout


def test_the_command_every_hour_runs_again_and_says_so_each_time(site, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
    env |= {
        "TRACUU_DATA": str(tmp_path / "data"),
        "TRACUU_HARVEST_START": " ".join(site.start_points),
        "TRACUU_HARVEST_DELAY": "0",
        "TRACUU_HARVEST_TIMEOUT": str(TIMEOUT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "search_app", "harvest", "--every", "1s"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = [process.stdout.readline(), process.stdout.readline()]
    finally:
        process.terminate()
        process.wait()
    assert "thêm 10" in lines[0] and "thêm 0, cập nhật 0" in lines[1]
    assert all(line.startswith("[") and "Thu thập xong" in line for line in lines)


def test_a_wrong_interval_or_start_point_is_one_vietnamese_line(tmp_path):
    result = CliRunner().invoke(cli, ["harvest", "--every", "mỗi giờ"], prog_name="tracuu")
    assert result.exit_code == 2 and "không phải khoảng thời gian như 30m, 1h" in result.stderr
    env = {"TRACUU_DATA": str(tmp_path), "TRACUU_HARVEST_START": "ftp://ldld.vn/"}
    result = CliRunner(env=env).invoke(cli, ["harvest"], prog_name="tracuu")
    assert result.exit_code == 1 and "TRACUU_HARVEST_START" in result.stderr and result.stderr.count("\n") == 1


# --- the staff page -------------------------------------------------------------------------------------


def test_staff_start_a_harvest_see_its_history_and_confirm_a_removal(tmp_path):
    with Site(slow_seconds=3) as site:
        accounts.add_user(tmp_path / "data", "bientap", PASSWORD)
        settings = settings_for(
            tmp_path / "data",
            tmp_path / "index",
            harvest_start=site.start_points,
            harvest_delay=0.0,
            harvest_timeout=1.0,
        )
        app = create_app(settings, {"TESTING": True, "SIGNIN_FAILURE_DELAY": 0.0})
        client = signed_in(app)
        token = _csrf(client)
        response = client.post("/quan-tri/thu-thap", data={"csrf_token": token})
        assert response.status_code == 302
        again = client.post("/quan-tri/thu-thap", data={"csrf_token": token}, follow_redirects=True)
        assert "Đang có một lần thu thập chạy; hãy đợi nó xong." in again.get_data(as_text=True)
        progress = _wait_for_harvest(client)
        assert progress["current"]["added"] == 10
        page = client.get("/quan-tri/").get_data(as_text=True)
        assert "Thu thập xong sau" in page and "thêm 10, cập nhật 0" in page
        assert "hết thời gian chờ (quá 1 giây)" in page and "chuyển hướng sang trang ngoài" in page
        assert "Thu thập từ trang web" in page  # the audit log names the run
        assert client.get("/api/search", query_string={"q": "mái ấm công đoàn"}).get_json()["total"] >= 1

        site.remove(VANISHING)
        client.post("/quan-tri/thu-thap", data={"csrf_token": token})
        _wait_for_harvest(client)
        page = client.get("/quan-tri/").get_data(as_text=True)
        assert "chờ xác nhận gỡ" in page and site.url(VANISHING) in page and "Gỡ khỏi tra cứu" in page
        refused = client.post("/quan-tri/thu-thap/go", data={"url": site.url(VANISHING)})
        assert refused.status_code == 400  # no CSRF token, no removal
        done = client.post(
            "/quan-tri/thu-thap/go", data={"url": site.url(VANISHING), "csrf_token": token}, follow_redirects=True
        )
        text = done.get_data(as_text=True)
        assert "Đã gỡ: Hội thảo nâng cao" in text and "Gỡ trang không còn trên trang web" in text
        assert client.get("/api/search", query_string={"q": "an toàn vệ sinh viên"}).get_json()["total"] == 0


def _csrf(client) -> str:
    import re

    page = client.get("/quan-tri/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _wait_for_harvest(client, limit: float = 60) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        progress = client.get("/quan-tri/thu-thap/tien-do").get_json()
        if progress["current"] and not progress["current"]["running"]:
            return progress
        time.sleep(0.1)
    raise AssertionError("the harvest never finished")
