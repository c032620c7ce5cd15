"""The Engine: one object the pages, the API and the CLI ask, over the generated index."""

import json

from click.testing import CliRunner

from search_app.cli import cli
from search_app.engine import SearchRequest

from conftest import engine_for, settings_for


def test_a_search_leaves_the_request_it_was_given_as_it_was(big_engine):
    request = SearchRequest(q="cong doan", units=["CĐVC"], types=["NQ", "kh"], page=1)
    before = repr(request)
    result = big_engine.search(request)
    assert repr(request) == before
    # the answer says which units and types it understood
    assert result.request.units == ("Công đoàn Viên chức tỉnh",)
    assert result.request.types == ("nghị quyết", "kế hoạch")


def test_the_api_and_the_command_line_give_the_same_answer(client, big_index, tmp_path):
    api = client.get("/api/search", query_string={"q": "nghi quyet dai hoi", "per_page": 5}).get_json()
    runner = CliRunner()
    options = ["--data", str(tmp_path), "--index", str(big_index), "--limit", "5", "--json"]
    out = runner.invoke(cli, ["search", *options, "nghi quyet dai hoi"])
    assert out.exit_code == 0, out.output
    cli_answer = json.loads(out.output)
    # the web's own links come on top of the one shape
    assert api.pop("next_url") and api.pop("prev_url") is None
    for values in api["facets"].values():
        for value in values:
            assert value.pop("toggle_url").startswith("http")
    for answer in (api, cli_answer):
        answer.pop("took_ms")
        for hit in answer["hits"]:
            hit.pop("url")
    assert api == cli_answer and api["total"] > 0


def test_document_related_and_suggest(big_engine):
    doc = big_engine.document("kh-15-2017-ldld")
    assert doc["title"].startswith("Kế hoạch") and doc["number"] == "15/KH-LĐLĐ"
    assert big_engine.document("khong-co") is None
    related = big_engine.related("kh-15-2017-ldld")
    assert related and "kh-15-2017-ldld" not in {d["id"] for d in related}
    assert big_engine.suggest("cong doam") == "cong doan"
    assert big_engine.suggest("cong doan") is None


def test_related_documents_are_whooshs_more_like_this(big_engine, big_reference):
    """Whoosh's "more like this" runs on the twin keeping its postings; ours on the packed files."""
    from indexer.index.build import open_index

    with open_index(big_reference).searcher() as searcher:
        ids = list(searcher.reader().column_reader("id"))
        shown = big_engine.arrays(big_engine.searcher()).shown()
        keys = big_engine.arrays(big_engine.searcher()).dates("dupkey")
        compared = 0
        for docnum in range(0, len(ids), 97):
            if not shown[docnum] or searcher.reader().is_deleted(docnum):
                continue
            doc = searcher.stored_fields(docnum)["doc"]
            text = doc["title"] + "\n" + doc.get("body", "")[:4000]
            hits = searcher.more_like(docnum, "body_folded", text=text, top=200, numterms=12)
            theirs = [
                h["doc"]["id"]
                for h in hits
                if shown[h.docnum] and (keys[docnum] == 0 or keys[h.docnum] != keys[docnum])
            ][:5]
            ours = [d["id"] for d in big_engine.related(ids[docnum])]
            assert ours == theirs, doc["id"]
            compared += bool(ours)
    assert compared >= 10


def test_a_cached_answer_is_never_older_than_the_index(tmp_path):
    from indexer.index.build import build_index

    from conftest import write_doc

    corpus = tmp_path / "corpus"
    write_doc(corpus, "a.md", {"id": "a", "title": "Hội nghị tổng kết năm"}, "Nội dung.")
    build_index([corpus], tmp_path / "index")
    engine = engine_for(tmp_path / "index", result_cache=16)
    assert engine.search(SearchRequest(q="mai am")).total == 0
    assert engine.search(SearchRequest(q="mai am")).total == 0  # answered from the cache
    write_doc(corpus, "b.md", {"id": "b", "title": "Mái ấm Công đoàn"}, "Trao nhà.")
    build_index([corpus], tmp_path / "index")
    assert engine.search(SearchRequest(q="mai am")).total == 1


def test_the_app_reads_its_settings_once_and_keeps_user_data_in_the_data_folder(tmp_path, sample_index):
    from search_app import create_app

    settings = settings_for(tmp_path / "data", sample_index, result_cache=0)
    app = create_app(settings, {"TESTING": True})
    assert app.extensions["engine"].results.capacity == 0
    assert (tmp_path / "data" / "secret_key").exists()
