"""A large build reads its sources in several processes: the plan must see exactly what reading them
in one process gives, in the same order, bad lines and broken files included."""

import gzip
import json
import shutil
from pathlib import Path

from indexer.documents.article import ReadError
from indexer.documents.extract import read_sources
from indexer.index import reading
from indexer.index.build import build_index, open_index

from conftest import write_jsonl
from generated import generated_records

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _sources(tmp_path: Path) -> list[Path]:
    """Documents of every kind the readers take, and the ways they go wrong."""
    folder = tmp_path / "sources"
    shutil.copytree(CORPUS, folder / "corpus")
    records = generated_records(700, seed=5)
    lines = [json.dumps(r, ensure_ascii=False) for r in records[:600]]
    lines[10] = "{not json"
    lines[300] = "[1, 2]"
    lines[420] = ""
    lines[599] = json.dumps({"title": "no id"}, ensure_ascii=False)
    (folder / "bulk.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_jsonl(folder / "more.jsonl", records[600:650])
    packed = gzip.compress("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[650:]).encode())
    (folder / "cut.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])  # breaks off part way
    return [folder, tmp_path / "gone"]


def _seen(items) -> list[tuple]:
    """Each article as (id, source, content hash, everything it holds); each error as ("error", where, why)."""
    out = []
    for item in items:
        if isinstance(item, ReadError):
            out.append(("error", item.path, item.reason))
        else:
            article = item.queued.article()
            out.append((article.id, article.source, item.content_hash, article.to_dict()))
    return out


def test_reading_in_several_processes_gives_what_one_process_reads_in_the_same_order(tmp_path):
    sources = _sources(tmp_path)
    alone = list(reading.read_queued(sources, processes=1))
    together = list(reading.read_queued(sources, processes=2, parallel_from=0))
    assert _seen(together) == _seen(alone)
    # and what the readers give one at a time: the same articles, the same errors, in order
    expected = [
        ("error", i.path, i.reason) if isinstance(i, ReadError) else (i.id, i.source, i.content_hash, i.to_dict())
        for i in read_sources(sources)
    ]
    assert _seen(together) == expected
    errors = [row for row in expected if row[0] == "error"]
    assert any(path.endswith("bulk.jsonl:11") for _e, path, _r in errors)
    assert any(path.endswith("bulk.jsonl:301") for _e, path, _r in errors)
    assert any(path.endswith("cut.jsonl.gz") for _e, path, _r in errors)
    assert any(path.endswith("gone") and "không tìm thấy" in reason for _e, path, reason in errors)
    # the lines of the broken file before the break are read once
    ids = [row[0] for row in expected if row[0] != "error"]
    assert len(ids) == len(set(ids)) and str(generated_records(700, seed=5)[650]["id"]) in ids


def test_a_build_read_in_several_processes_indexes_what_one_reading_process_does(tmp_path, monkeypatch):
    sources = _sources(tmp_path)[:1]
    one = build_index(sources, tmp_path / "one", workers=2)
    monkeypatch.setattr(reading, "PARALLEL_FROM_BYTES", 0)
    two = build_index(sources, tmp_path / "two", workers=2)
    assert (two.added, len(two.errors)) == (one.added, len(one.errors)) and one.added > 600
    assert [(e.path, e.reason) for e in two.errors] == [(e.path, e.reason) for e in one.errors]
    with open_index(tmp_path / "one").searcher() as a, open_index(tmp_path / "two").searcher() as b:
        # the same documents in the same order (when each was taken in aside)
        assert [_content(d["doc"]) for d in a.all_stored_fields()] == [
            _content(d["doc"]) for d in b.all_stored_fields()
        ]


def _content(doc: dict) -> dict:
    return {name: value for name, value in doc.items() if name not in ("added", "changed")}
