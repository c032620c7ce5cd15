"""Fixtures: real pyvi, real Whoosh indexes in temp folders, the real Flask app."""

from __future__ import annotations

import gzip
import json
import random
import textwrap
from pathlib import Path

import pytest

from indexer.build import build_index, open_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared" / "corpus"
SEEDS = SHARED / "seeds"
DANTRI = SHARED / "dantri.jsonl.gz"

needs_shared = pytest.mark.skipif(not SEEDS.exists(), reason="../shared/corpus is not beside the checkout")


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
    """The bundled sample corpus plus the two seed pages, indexed once per session."""
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    sources = [CORPUS] + ([SEEDS] if SEEDS.exists() else [])
    report = build_index(sources, index_dir)
    assert not report.errors, report.errors
    return index_dir


@pytest.fixture(scope="session")
def dantri_jsonl(tmp_path_factory) -> Path:
    """dantri with units, types and dates assigned by a seeded generator (the articles keep their own dates)."""
    if not DANTRI.exists():
        pytest.skip("../shared/corpus/dantri.jsonl.gz is not available")
    from indexer.metadata import DOC_TYPES, load_units

    rng = random.Random(20261125)
    units = [u.name for u in load_units()]
    types = [*DOC_TYPES, "tin tức", "tin tức", "tin tức"]
    out = tmp_path_factory.mktemp("dantri") / "dantri-seeded.jsonl"
    with gzip.open(DANTRI, "rt", encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            record = json.loads(line)
            record["unit"] = rng.choice(units)
            record["type"] = rng.choice(types)
            dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


@pytest.fixture(scope="session")
def big_index(tmp_path_factory, dantri_jsonl) -> Path:
    """Sample corpus + seeds + all of dantri (2,653 real articles with real dates)."""
    index_dir = tmp_path_factory.mktemp("big") / "index"
    sources = [CORPUS, dantri_jsonl] + ([SEEDS] if SEEDS.exists() else [])
    build_index(sources, index_dir)
    return index_dir


def searcher_for(index_dir: Path):
    return open_index(index_dir).searcher()


@pytest.fixture(scope="session")
def app(big_index, tmp_path_factory):
    """The real app over the sample corpus, the seeds and dantri."""
    from search_app import create_app

    data = tmp_path_factory.mktemp("appdata")
    return create_app({"TESTING": True, "INDEX_DIR": str(big_index), "DATA_DIR": str(data)})


@pytest.fixture
def client(app):
    return app.test_client()
