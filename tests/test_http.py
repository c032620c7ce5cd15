"""The conventions of the web kept: validators and 304s, Cache-Control per route, compression,
Allow on 405, the icon and manifest, API paging links, and an OpenAPI document that is true."""

import gzip
import json
import re

import brotli
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from indexer.index.build import build_index

from test_staff import make_staff_app, signed_in

DOC = "/tai-lieu/tt-2019-bhxh-chi-lang"


@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    """The sample corpus, with a staff account; tests that change the index make their own."""
    return make_staff_app(tmp_path_factory.mktemp("http"))


def test_a_repeated_request_is_answered_304_until_the_index_changes(tmp_path):
    app = make_staff_app(tmp_path)
    client = app.test_client()
    for url in ("/?q=cong+doan", "/api/search?q=cong+doan", "/feed?q=cong+doan", DOC + "?q=bhxh"):
        first = client.get(url)
        assert first.status_code == 200, url
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["ETag"] == etag
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304, url
        # another question is another answer
        assert client.get(url + "&x", headers={"If-None-Match": etag}).status_code == 200, url

    before = client.get("/?q=cong+doan&sort=newest")
    corpus = tmp_path / "corpus"
    (corpus / "moi.md").write_text("---\ntitle: Công đoàn thêm bài mới\ndate: 2026-11-28\n---\nNội dung công đoàn.\n")
    build_index([corpus], tmp_path / "index")
    after = client.get("/?q=cong+doan&sort=newest", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "thêm bài mới" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_304_comes_before_the_search(client):
    first = client.get("/?q=bao+hiem")
    # a request the engine would refuse still gets its 304: the answer was not computed again
    etag = first.headers["ETag"]
    assert client.get("/?q=bao+hiem", headers={"If-None-Match": f'"x", {etag}'}).status_code == 304


def test_cache_control_suits_each_route(client, tmp_path):
    assert client.get("/?q=luong").headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/api/search?q=luong").headers["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in client.get("/?q=luong").headers["Vary"]
    assert client.get("/opensearch.xml").headers["Cache-Control"] == "public, max-age=86400"
    assert client.get("/quan-tri/dang-nhap").headers["Cache-Control"] == "no-store"
    assert client.get("/tai-lieu/khong-co-tai-lieu-nay").headers["Cache-Control"] == "no-cache"

    html = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert {link.split("?")[0] for link in links} >= {"/static/style.css", "/static/app.js", "/static/favicon.svg"}
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", link), link
        assert client.get(link).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # without the fingerprint a file is checked again each time
    assert client.get("/static/style.css").headers["Cache-Control"] == "no-cache"
    assert client.get("/static/style.css?v=0123456789ab").headers["Cache-Control"] == "no-cache"


def test_a_signed_in_staff_member_gets_pages_kept_by_their_browser_only(small_app):
    member = small_app.test_client().get(DOC)
    assert "Sửa hoặc gỡ" not in member.get_data(as_text=True)
    client = signed_in(small_app)
    staff = client.get(DOC)
    assert staff.headers["Cache-Control"] == "private, no-cache"
    assert "Sửa hoặc gỡ" in staff.get_data(as_text=True)
    # the member's copy is not the staff member's
    assert client.get(DOC, headers={"If-None-Match": member.headers["ETag"]}).status_code == 200


def _same(url: str, one: bytes, other: bytes) -> bool:
    if not url.startswith("/api/"):
        return one == other
    first, second = json.loads(one), json.loads(other)
    return first.pop("took_ms") >= 0 and second.pop("took_ms") >= 0 and first == second


# pages of results, the API and the feed repeat their markup from hit to hit: a third or less;
# one document's own prose compresses less (about 0.4), and is only checked to be compressed
@pytest.mark.parametrize(
    "url, ratio",
    [
        ("/?q=cong+doan", 1 / 3),
        ("/", 1 / 3),
        ("/api/search?q=cong+doan&per_page=20", 1 / 3),
        ("/feed", 1 / 3),
        (DOC, 0.5),
    ],
)
def test_answers_are_compressed(small_app, url, ratio):
    client = small_app.test_client()
    raw = client.get(url)
    assert "Content-Encoding" not in raw.headers
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        packed = client.get(url, headers={"Accept-Encoding": f"{encoding}, identity"})
        assert packed.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert _same(url, decode(packed.data), raw.data)
        assert len(packed.data) <= ratio * len(raw.data), (encoding, len(packed.data), len(raw.data))


def test_a_wrong_method_says_which_are_allowed(client):
    response = client.post("/api/search")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert response.get_json()["error"]["status"] == 405
    page = client.put("/")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    assert "không nhận yêu cầu" in page.get_data(as_text=True)


def test_icon_and_manifest(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json(force=True)
    assert body["lang"] == "vi" and body["start_url"] == "/" and len(body["short_name"]) <= 12
    assert client.get(body["icons"][0]["src"]).status_code == 200
    html = client.get("/").get_data(as_text=True)
    assert 'rel="manifest"' in html and 'rel="icon"' in html


def test_api_pages_link_to_the_next_and_previous(client):
    first = client.get("/api/search?q=cong+doan&per_page=5")
    body = first.get_json()
    assert body["prev_url"] is None and body["next_url"].endswith("page=2")
    assert first.headers["Link"] == f'<{body["next_url"]}>; rel="next"'
    second = client.get(body["next_url"])
    assert second.get_json()["page"] == 2
    assert f'<{second.get_json()["prev_url"]}>; rel="prev"' in second.headers["Link"]
    ids = {h["id"] for h in body["hits"]}
    assert ids.isdisjoint(h["id"] for h in second.get_json()["hits"])
    last_page = -(-body["total"] // 5)
    last = client.get(f"/api/search?q=cong+doan&per_page=5&page={last_page}")
    assert last.get_json()["next_url"] is None and 'rel="next"' not in last.headers.get("Link", "")


def test_api_facet_values_toggle_like_the_page(client):
    html = client.get("/?q=cong+doan").get_data(as_text=True)
    page_links = set(re.findall(r'<a href="/\?([^"]+)" data-param', html))
    body = client.get("/api/search?q=cong+doan").get_json()
    api_links = {v["toggle_url"].split("/api/search?")[1] for values in body["facets"].values() for v in values}
    assert {link.replace("&amp;", "&") for link in page_links} == api_links
    unit = body["facets"]["unit"][0]
    narrowed = client.get(unit["toggle_url"]).get_json()
    assert narrowed["total"] == unit["count"]
    chosen = next(v for v in narrowed["facets"]["unit"] if v["value"] == unit["value"])
    assert chosen["selected"] and client.get(chosen["toggle_url"]).get_json()["total"] == body["total"]


def _api_rules(app) -> dict[str, set[str]]:
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:path:)?(\w+)>", r"{\1}", rule.rule).replace("{doc_id}", "{id}")
            rules.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return rules


def test_openapi_document_is_valid_and_describes_every_route(app, client):
    doc = client.get("/api/openapi.json").get_json()
    validate(doc)  # the OpenAPI 3.1 schema
    described = {path: set(ops) for path, ops in doc["paths"].items()}
    assert described == _api_rules(app)
    assert set(doc["components"]["securitySchemes"]) == {"bearerToken", "staffSession"}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method in ("post", "delete"):
                assert op["security"] and "401" in op["responses"], (path, method)


def _schema(doc: dict, name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]})


def test_answers_match_what_the_openapi_document_says(small_app):
    client = small_app.test_client()
    doc = client.get("/api/openapi.json").get_json()
    for url in ("/api/search?q=cong+doan&per_page=2", "/api/search", "/api/search?q=khong+co+gi+ca+xyzqv"):
        body = client.get(url).get_json()
        errors = [e.message for e in _schema(doc, "Results").iter_errors(body)]
        assert not errors, (url, errors)
    document = client.get("/api/documents/tt-2019-bhxh-chi-lang").get_json()
    assert not [e.message for e in _schema(doc, "Document").iter_errors(document)]
    for url in ("/api/search?page=abc", "/api/documents/khong-co"):
        assert not list(_schema(doc, "Error").iter_errors(client.get(url).get_json()))
    # a document that breaks the description is caught
    assert list(_schema(doc, "Results").iter_errors({"total": "many"}))


def test_a_staff_session_can_use_the_api_with_its_csrf_token_only(tmp_path):
    client = signed_in(make_staff_app(tmp_path))
    new = {"title": "Thông báo lịch họp Ban Thường vụ", "body": "Nội dung thông báo lịch họp."}
    assert client.post("/api/documents", json=new).status_code == 401  # the cookie alone: no
    assert client.post("/api/documents", json=new, headers={"X-CSRFToken": "forged"}).status_code == 401
    html = client.get("/quan-tri/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    added = client.post("/api/documents", json=new, headers={"X-CSRFToken": token})
    assert added.status_code == 201
    doc = client.get("/api/openapi.json").get_json()
    assert not list(_schema(doc, "Document").iter_errors(added.get_json()))
    assert added.get_json()["added"] and added.get_json()["page_url"].endswith(added.get_json()["id"])
    assert client.get("/api/search?q=lich+hop+ban+thuong+vu").get_json()["hits"][0]["title"] == new["title"]


def test_dates_and_months_read_as_members_write_them(client):
    iso = client.get("/api/search?q=cong+doan&from=2021-05-01&to=2023-12-31").get_json()["total"]
    assert client.get("/api/search?q=cong+doan&from=1/5/2021&to=31/12/2023").get_json()["total"] == iso > 0
    html = client.get("/?q=cong+doan&from=2021-05-01&year=2022&month=2022-03").get_data(as_text=True)
    chips = re.findall(r'<ul class="chips".*?</ul>', html, re.S)[0]
    assert "Từ ngày 01/05/2021" in chips and "Tháng 3/2022" in chips
    assert "2021-05-01" not in re.sub(r'href="[^"]*"', "", chips)
    for url, words in (("/?page=abc", "Số trang phải là một số"), ("/?from=32/13/2024", "ngày/tháng/năm")):
        page = client.get(url).get_data(as_text=True)
        assert words in page and "page" not in page.split("<main")[1].split("</main>")[0].replace("page=", "")


def test_the_months_of_a_chosen_year_come_right_after_it(client):
    body = client.get("/api/search?q=cong+doan&year=2021&year=2023").get_json()
    values = [(v["param"], v["value"]) for v in body["facets"]["date"]]
    for n, (param, value) in enumerate(values):
        if param == "month":
            year = next(v for p, v in reversed(values[:n]) if p == "year")
            assert value.startswith(year + "-"), values
    assert {v[:4] for p, v in values if p == "month"} == {"2021", "2023"}


def test_a_site_without_an_index_yet_says_so_to_members_without_commands(tmp_path):
    from search_app.web import create_app

    from conftest import settings_for

    client = create_app(settings_for(tmp_path, tmp_path / "index"), {"TESTING": True}).test_client()
    page = client.get("/?q=cong+doan")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "quay lại sau" in text and "tracuu" not in text.split("<main")[1]
    assert client.get("/api/search?q=x").get_json()["error"]["status"] == 503
