"""Incremental builds, rebuilds, one build at a time, and a build killed with SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from indexer.index.build import IndexBusy, build_index, current_generation, open_index
from indexer.index.workers import MOST_SEGMENTS
from search_app.engine import SearchRequest

from conftest import ROOT, engine_for, write_doc, write_jsonl
from generated import generated_records


def doc_ids(index_dir):
    with open_index(index_dir).searcher() as s:
        return {fields["id"] for fields in s.all_stored_fields()}


def hits(index_dir, q):
    return [h.id for h in engine_for(index_dir).search(SearchRequest(q=q)).hits]


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    write_doc(folder, "a.md", {"id": "a", "title": "Hội nghị tổng kết công tác Công đoàn"}, "Ngày 5/1/2024, tổng kết.")
    write_doc(folder, "b.md", {"id": "b", "title": "Tháng Công nhân năm 2024"}, "Ngày 1/5/2024, phát động.")
    return folder


def test_incremental_add_change_and_delete(tmp_path, corpus):
    index_dir = tmp_path / "index"
    first = build_index([corpus], index_dir)
    assert (first.added, first.unchanged) == (2, 0)

    again = build_index([corpus], index_dir)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 2)

    write_doc(corpus, "c.md", {"id": "c", "title": "Mái ấm Công đoàn trao nhà"}, "Ngày 9/9/2024, trao nhà.")
    write_doc(corpus, "b.md", {"id": "b", "title": "Tháng Công nhân năm 2025"}, "Ngày 1/5/2025, phát động.")
    (corpus / "a.md").unlink()
    report = build_index([corpus], index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 0)
    assert doc_ids(index_dir) == {"b", "c"}
    assert hits(index_dir, "thang cong nhan 2025") == ["b"]
    assert hits(index_dir, "mai am") == ["c"]
    assert hits(index_dir, "tong ket") == []


def test_indexing_another_source_does_not_remove_the_first(tmp_path, corpus):
    other = tmp_path / "other"
    write_doc(other, "x.md", {"id": "x", "title": "Bảo hiểm xã hội cho người lao động"}, "Nội dung.")
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    build_index([other], index_dir)
    assert doc_ids(index_dir) == {"a", "b", "x"}


def test_unreadable_file_is_reported_and_its_old_documents_kept(tmp_path, corpus):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    (corpus / "a.md").write_bytes(b"---\ntitle: [unclosed\n---\n\xff\xfe broken")
    report = build_index([corpus], index_dir)
    assert [e.path.endswith("a.md") for e in report.errors] == [True]
    assert doc_ids(index_dir) == {"a", "b"}


def test_rebuild_swaps_in_a_new_index_and_old_searchers_keep_working(tmp_path, corpus):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    old = open_index(index_dir).searcher()
    write_doc(corpus, "c.md", {"id": "c", "title": "Mái ấm Công đoàn"}, "Trao nhà.")
    report = build_index([corpus], index_dir, rebuild=True)
    assert report.added == 3
    assert doc_ids(index_dir) == {"a", "b", "c"}
    assert old.doc_count() == 2 and old.document(id="a")["id"] == "a"
    old.close()


def _subset(tmp_path, n):
    """``n`` generated articles as JSON Lines."""
    return write_jsonl(tmp_path / "bulk.jsonl", generated_records(n))


def _start_build(index_dir, *sources, rebuild=False, options=(), told=False):
    """``tracuu index`` in a subprocess; ``told``: what it prints kept (stdout, errors with it)."""
    cmd = [sys.executable, "-m", "search_app", "index", "--index", str(index_dir), *options, *map(str, sources)]
    if rebuild:
        cmd.append("--rebuild")
    if told:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_lock_holder(index_dir, proc, timeout=60):
    import filelock

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            filelock.FileLock(str(index_dir / "build.lock")).acquire(timeout=0).lock.release()
        except filelock.Timeout:
            return
        time.sleep(0.05)
    pytest.fail("the build subprocess never took the lock")


@pytest.mark.parametrize("rebuild", [False, True], ids=["incremental", "rebuild"])
def test_build_killed_mid_way_leaves_the_last_commit_searchable(tmp_path, corpus, rebuild):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    bulk = _subset(tmp_path, 600)
    proc = _start_build(index_dir, corpus, bulk, rebuild=rebuild)
    _wait_for_lock_holder(index_dir, proc)
    time.sleep(1.5)
    assert proc.poll() is None, "the build finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    assert doc_ids(index_dir) == {"a", "b"}
    assert hits(index_dir, "thang cong nhan") == ["b"]
    report = build_index([corpus, bulk], index_dir)
    assert report.added == 600 and not report.errors
    assert len(doc_ids(index_dir)) == 602


def test_a_second_build_stops_with_a_clear_message_while_one_runs(tmp_path, corpus):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    proc = _start_build(index_dir, corpus, _subset(tmp_path, 400))
    try:
        _wait_for_lock_holder(index_dir, proc)
        with pytest.raises(IndexBusy, match="đang chạy"):
            build_index([corpus], index_dir, wait=0)
    finally:
        proc.kill()
        proc.wait()
    assert doc_ids(index_dir) == {"a", "b"}


def test_jsonl_ids_are_the_documents_own(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps(
            {"id": "dantri-123", "title": "Tiêu đề", "body": "Nội dung", "date": "2020-01-02"}, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    build_index([path], tmp_path / "index")
    assert doc_ids(tmp_path / "index") == {"dantri-123"}


def _results(index_dir, queries):
    engine = engine_for(index_dir)
    out = {}
    for q in queries:
        result = engine.search(SearchRequest(q=q, per_page=20))
        out[q] = (result.total, [(h.id, round(h.score, 4)) for h in result.hits])
    return out


def test_worker_processes_index_what_one_process_would(tmp_path, corpus):
    bulk = _subset(tmp_path, 300)
    alone, parallel = tmp_path / "alone", tmp_path / "parallel"
    ticks: list[int] = []
    build_index([corpus, bulk], alone, workers=1)
    # a pool of 1 MB: each worker cuts several segments
    report = build_index([corpus, bulk], parallel, workers=2, pool_mb=1, progress=ticks.append)
    assert report.added == 302 and sum(ticks) == 302
    # each worker cut many segments and joined them: at most four, and no file of the joined ones left
    segments = open_index(parallel)._segments()
    assert 2 <= len(segments) <= MOST_SEGMENTS
    names = {segment.segment_id() for segment in segments}
    leftover = [p.name for p in current_generation(parallel).iterdir() if p.name.startswith("MAIN_") and "." in p.name]
    assert leftover and all(name.split(".")[0] in names for name in leftover), leftover
    queries = ["công đoàn", "giao thong", '"tai nạn giao thông"', "người lao động", "bóng đá -việt"]
    assert _results(parallel, queries) == _results(alone, queries)

    # a change to 250 of them: the new versions replace the old ones, none is left twice
    lines = bulk.read_text("utf-8").splitlines()
    changed = []
    for n, line in enumerate(lines):
        record = json.loads(line)
        if n < 250:
            record["title"] = "Xembanmoi " + record["title"]
        changed.append(json.dumps(record, ensure_ascii=False))
    bulk.write_text("\n".join(changed) + "\n", "utf-8")
    report = build_index([corpus, bulk], parallel, workers=2, pool_mb=1)
    assert (report.updated, report.added, report.removed) == (250, 0, 0)
    with open_index(parallel).searcher() as s:
        ids = [fields["id"] for fields in s.all_stored_fields()]
        assert len(ids) == len(set(ids)) == 302
    assert engine_for(parallel).search(SearchRequest(q="xembanmoi")).total == 250


def test_a_worker_killed_mid_way_stops_the_build_with_a_message_and_the_last_commit_serves(tmp_path, corpus):
    import psutil

    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    bulk = _subset(tmp_path, 800)
    proc = _start_build(index_dir, corpus, bulk, options=("--workers", "2"), told=True)
    try:
        _wait_for_lock_holder(index_dir, proc)
        deadline = time.monotonic() + 60
        workers = []
        while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
            workers = psutil.Process(proc.pid).children()
            time.sleep(0.05)
        assert len(workers) == 2, "the build never started its two workers"
        time.sleep(1.0)  # both are writing, and sending them more is waiting on the one killed
        workers[0].kill()
        out, _ = proc.communicate(timeout=120)  # the build stops: it does not wait forever
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert "dừng đột ngột" in out and "Traceback" not in out
    assert doc_ids(index_dir) == {"a", "b"}
    assert build_index([corpus, bulk], index_dir).added == 800
