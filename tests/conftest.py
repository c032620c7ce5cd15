"""Fixtures: real pyvi, real Whoosh indexes in temp folders, the real Flask app."""

from __future__ import annotations

import gzip
import json
import random
import textwrap
from pathlib import Path

import pytest

from indexer.index.build import build_index, open_index
from search_app import create_app
from search_app.engine import Engine
from search_app.settings import Settings

from generated import generated_records

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared" / "corpus"
SEEDS = SHARED / "seeds"
DANTRI = SHARED / "dantri.jsonl.gz"
GENERATED_COUNT = 2000  # documents in the seeded generated corpus of the engine's tests


def pytest_runtest_setup(item):
    """Tests marked ``shared`` read ../shared/corpus: without it they fail, never skip."""
    if item.get_closest_marker("shared") and not SEEDS.exists():
        pytest.fail(f"{SHARED} is missing: tests marked 'shared' read it (run them with ../shared beside the checkout)")


def write_doc(folder: Path, name: str, front: dict, body: str) -> Path:
    """A front-matter Markdown document, as staff write them."""
    lines = ["---"]
    for key, value in front.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value}")
    lines += ["---", textwrap.dedent(body).strip(), ""]
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def make_corpus(tmp_path):
    """Write documents into a fresh folder and return it."""

    def make(docs: dict[str, tuple[dict, str]]) -> Path:
        folder = tmp_path / "corpus"
        folder.mkdir(exist_ok=True)
        for name, (front, body) in docs.items():
            write_doc(folder, name, front, body)
        return folder

    return make


@pytest.fixture
def index_of(tmp_path):
    """Build an index of some sources and return a function that searches it."""

    def build(*sources) -> Path:
        index_dir = tmp_path / "index"
        build_index(list(sources), index_dir)
        return index_dir

    return build


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """The bundled sample corpus, indexed once per session."""
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    report = build_index([CORPUS], index_dir)
    assert not report.errors, report.errors
    return index_dir


def write_jsonl(path: Path, records) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _several_segments(root: Path, whoosh_positions: bool) -> Path:
    """The sample corpus and 2,000 generated documents, in several segments with deletions.

    Two worker processes write a segment each; the sample arrives in a later commit of its own;
    a third commit replaces some generated documents, so older segments hold deleted documents
    as in a long-running index (fewer than four small segments: the merge policy leaves them).
    """
    generated, index_dir = root / "generated.jsonl", root / "index"
    write_jsonl(generated, generated_records(GENERATED_COUNT))
    build_index([generated], index_dir, workers=2, whoosh_positions=whoosh_positions)
    build_index([CORPUS], index_dir, whoosh_positions=whoosh_positions)
    records = generated_records(GENERATED_COUNT)
    for record in records[:40]:
        record["lead"] = (record.get("lead") or "") + " Bài viết đã được cập nhật."
    write_jsonl(generated, records)
    report = build_index([generated], index_dir, whoosh_positions=whoosh_positions)
    assert report.updated == 40 and not report.errors
    with open_index(index_dir).searcher() as s:
        assert len(list(s.reader().leaf_readers())) == 4
    return index_dir


def _same_documents(index_dir: Path, twin: Path) -> None:
    """Twin indexes number every document alike (what comparing their answers needs)."""
    with open_index(index_dir).searcher() as ours, open_index(twin).searcher() as theirs:
        assert list(ours.reader().all_doc_ids()) == list(theirs.reader().all_doc_ids())
        assert list(ours.reader().column_reader("id")) == list(theirs.reader().column_reader("id"))


@pytest.fixture(scope="session")
def big_index(tmp_path_factory) -> Path:
    """The sample corpus and 2,000 generated documents, in several segments with deletions
    (``_several_segments``), positions in the packed files only, as ``tracuu index`` builds."""
    return _several_segments(tmp_path_factory.mktemp("big"), whoosh_positions=False)


@pytest.fixture(scope="session")
def big_reference(tmp_path_factory, big_index) -> Path:
    """``big_index`` built again with its positions in Whoosh's postings too: Whoosh's own matchers
    (phrases included) run on it, the reference our evaluator is held to; same document numbers."""
    twin = _several_segments(tmp_path_factory.mktemp("big-reference"), whoosh_positions=True)
    _same_documents(big_index, twin)
    return twin


def _real(folder: Path, whoosh_positions: bool) -> Path:
    from indexer.documents.gazetteer import current
    from indexer.documents.metadata import DOC_TYPES

    rng = random.Random(20261125)
    units = [u.name for u in current().units]
    types = [*DOC_TYPES, "tin tức", "tin tức", "tin tức"]
    records = []
    with gzip.open(DANTRI, "rt", encoding="utf-8") as src:
        for line in src:
            record = json.loads(line)
            records.append(record | {"unit": rng.choice(units), "type": rng.choice(types)})
    dantri = write_jsonl(folder / "dantri-seeded.jsonl", records)
    build_index([CORPUS, SEEDS, dantri], folder / "index", whoosh_positions=whoosh_positions)
    return folder / "index"


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> Path:
    """For tests marked ``shared``: the sample corpus, the two seed pages and all of dantri (2,653 real
    articles with their own dates; units and types assigned by a seeded generator)."""
    return _real(tmp_path_factory.mktemp("real"), whoosh_positions=False)


@pytest.fixture(scope="session")
def real_reference(tmp_path_factory, real_index) -> Path:
    """``real_index`` with its positions in Whoosh's postings too (see ``big_reference``)."""
    twin = _real(tmp_path_factory.mktemp("real-reference"), whoosh_positions=True)
    _same_documents(real_index, twin)
    return twin


def engine_for(index_dir: Path, **options) -> Engine:
    """An engine over a test index, without a result cache unless asked: every search is run."""
    return Engine(index_dir, **{"result_cache": 0, **options})


@pytest.fixture(scope="session")
def big_engine(big_index) -> Engine:
    return engine_for(big_index)


@pytest.fixture(scope="session")
def sample_engine(sample_index) -> Engine:
    return engine_for(sample_index)


def settings_for(data: Path, index: Path | None = None, **values) -> Settings:
    """Settings for a test app: nothing read from the environment of the machine."""
    return Settings.from_env({}, data=data, index=index, **values)


@pytest.fixture(scope="session")
def app(big_index, tmp_path_factory):
    """The real app over the sample corpus and the generated documents."""
    data = tmp_path_factory.mktemp("appdata")
    return create_app(settings_for(data, big_index), {"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()
