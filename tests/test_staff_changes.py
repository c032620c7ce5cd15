"""Staff changes that die half way (kill -9) leave the files and the index in agreement, and retries do no harm.

A "ghost" is a document whose file is gone; an "orphan" is a file whose document is not in the index.
"""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer.index import ingest
from indexer.index.build import build_index, open_index
from search_app import create_app

from conftest import CORPUS, ROOT, settings_for, write_doc

DOCX = (CORPUS / "dinh-kem" / "hd-02-2021-ldld.docx").read_bytes()


@pytest.fixture
def folders(tmp_path):
    index, uploads = tmp_path / "index", tmp_path / "tai-len"
    build_index([write_doc(tmp_path / "c", "a.md", {"id": "a", "title": "Tin A"}, "Nội dung.")], index)
    return index, uploads


def indexed_uploads(index: Path, uploads: Path) -> dict[str, str]:
    """id -> source of every indexed document that came from the uploads folder."""
    with open_index(index).searcher() as s:
        docs = [f["doc"] for f in s.all_stored_fields()]
    return {d["id"]: d["source"] for d in docs if d["source"].startswith(str(uploads.resolve()))}


def assert_in_agreement(index: Path, uploads: Path):
    indexed = indexed_uploads(index, uploads)
    files = {str(p.resolve()) for p in uploads.glob("*") if p.is_file() and not p.name.endswith(".yaml")}
    ghosts = {i for i, source in indexed.items() if not Path(source).exists()}
    orphans = files - set(indexed.values())
    assert not ghosts, f"documents whose file is gone: {ghosts}"
    assert not orphans, f"files not in the index: {orphans}"


def test_the_same_upload_sent_twice_is_one_document(folders):
    index, uploads = folders
    first = ingest.add_upload(uploads, index, ingest.Upload("huong-dan.docx", DOCX), {})
    again = ingest.add_upload(uploads, index, ingest.Upload("huong-dan.docx", DOCX), {})
    assert again.id == first.id and len(list(uploads.glob("*.docx"))) == 1


def test_the_same_article_typed_twice_is_one_document(folders):
    index, uploads = folders
    fields = {"title": "Thông báo nghỉ Tết", "date": "2026-01-20", "type": "thông báo"}
    first = ingest.add_text(uploads, index, fields, "Cơ quan nghỉ Tết từ ngày 14/2/2026.")
    again = ingest.add_text(uploads, index, fields, "Cơ quan nghỉ Tết từ ngày 14/2/2026.")
    other = ingest.add_text(uploads, index, fields, "Một thông báo khác cùng tiêu đề.")
    assert again.id == first.id != other.id
    assert len(list(uploads.glob("*.md"))) == 2


def test_removing_a_document_whose_file_is_already_gone_finishes_the_removal(folders, tmp_path):
    index, uploads = folders
    article = ingest.add_text(uploads, index, {"title": "Tin sẽ gỡ"}, "Nội dung.")
    (uploads / f"{article.id.removeprefix('tai-len-')}.md").unlink()  # a remove killed after the unlink
    app = create_app(settings_for(tmp_path / "data", index), {"TESTING": True})
    from search_app.web import accounts

    token = accounts.add_token(tmp_path / "data", "cms")
    client = app.test_client()
    response = client.delete(f"/api/documents/{article.id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    assert article.id not in indexed_uploads(index, uploads)
    assert_in_agreement(index, uploads)


def test_editing_a_document_removed_meanwhile_gets_a_clear_message(folders):
    index, uploads = folders
    article = ingest.add_text(uploads, index, {"title": "Tin sẽ gỡ"}, "Nội dung.")
    ingest.remove(index, article.id)
    with pytest.raises(ingest.IngestError, match="Không tìm thấy"):
        ingest.edit(index, article.id, {"title": "Sửa sau khi gỡ"})
    assert_in_agreement(index, uploads)


# A staff process that adds, uploads, edits and removes documents without end, until killed.
WORKER = textwrap.dedent(
    """
    import random, sys
    from pathlib import Path
    from indexer.index import ingest

    index, uploads, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    docx = Path(sys.argv[4]).read_bytes()
    rng = random.Random(seed)
    ingest.recover(index)
    print("ready", flush=True)
    for n in range(10_000):
        kind = rng.choice(["text", "text", "upload", "edit", "remove", "remove"])
        existing = sorted(p for p in uploads.glob("*") if p.suffix in (".md", ".docx"))
        if kind == "text" or not existing:
            ingest.add_text(uploads, index, {"title": f"Tin {seed}-{n}"}, f"Nội dung số {seed} {n}.")
        elif kind == "upload":
            ingest.add_upload(uploads, index, ingest.Upload(f"tep-{seed}-{n}.docx", docx + bytes([n % 7])), {})
        else:
            target = rng.choice(existing)
            doc_id = "tai-len-" + target.stem
            try:
                if kind == "edit":
                    ingest.edit(index, doc_id, {"title": f"Sửa {seed}-{n}"})
                else:
                    ingest.remove(index, doc_id)
            except ingest.IngestError:
                pass  # an upload the indexer read under another id: nothing to do
    """
)


def kill_staff_changes(tmp_path, kills: int, seed: int):
    index, uploads = tmp_path / "index", tmp_path / "tai-len"
    build_index([write_doc(tmp_path / "c", "a.md", {"id": "a", "title": "Tin A"}, "Nội dung.")], index)
    docx = tmp_path / "mau.docx"
    docx.write_bytes(DOCX)
    rng = random.Random(seed)
    done = 0
    for round_ in range(kills * 3):
        if done >= kills:
            break
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(index), str(uploads), str(round_), str(docx)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.2, 2.5))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            done += 1
        proc.wait()
        # what the next change, or the app at start, does first
        ingest.recover(index)
        assert_in_agreement(index, uploads)
    assert done >= kills
    assert indexed_uploads(index, uploads), "the staff process never got a change through"


def test_staff_changes_killed_at_random_moments_leave_no_ghost_and_no_orphan(tmp_path):
    kill_staff_changes(tmp_path, kills=4, seed=11)


@pytest.mark.slow
def test_twenty_staff_changes_killed_at_random_moments_leave_no_ghost_and_no_orphan(tmp_path):
    kill_staff_changes(tmp_path, kills=20, seed=12)
