"""Harvest benchmark: a first and an unchanged run against the test site, and the page readers compared.

Timing: ``tests/harvest_site.Site`` on 127.0.0.1 with ``--extra`` generated articles listed in its
sitemap (default 200, so about 210 documents), politeness delay 0, per-request timeout 0.5 s
(the test site's slow page costs that much on every run). Reported: wall time, requests, bytes
downloaded and what was indexed, for a first run into an empty index and for a second run
against the unchanged site (conditional requests only, no commit).

Comparison (``--compare``): the same pages read by four extractors, scored against what the
pages hold (title, date line, author, body paragraphs, captions; furniture such as the menu,
the "Tin mới" sidebar, the slogan and the footer must not reach the body):

- ``page`` (ours, ``indexer.harvest.page.read_page`` then ``extract.from_html`` on the clean page);
- ``from_html`` on the raw page (what ``tracuu index`` does with a saved .html);
- trafilatura 2.3.1 (``bare_extraction`` with metadata: main text, title, date, author);
- htmldate 1.11.0 (the date only).

Pages: the test site's nine articles, and the seed pages of ``../shared/corpus/seeds`` laid out as
the site lays out an article (slogan, menu, date line, photos with alt text and captions, author
line, sidebar), the seed text itself giving what each part should be.

    python -m bench.harvest [--extra 200] [--compare]
"""

from __future__ import annotations

import argparse
import html as htmllib
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from harvest_site import ARTICLES, SITE, Site  # noqa: E402

from bench import report  # noqa: E402
from indexer.documents import metadata as meta  # noqa: E402
from indexer.documents.extract import from_html  # noqa: E402
from indexer.harvest import HarvestConfig, harvest  # noqa: E402
from indexer.harvest.page import clean_html, read_page  # noqa: E402
from indexer.text.normalise import fold_accents  # noqa: E402

SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
FURNITURE = ("Trang chủ", "Tin mới", "Ảnh hoạt động", "Lượt xem", "Bản quyền", "đổi mới nội dung", "Liên kết website")


# --- timing -------------------------------------------------------------------------------------


def time_runs(extra: int) -> dict:
    with Site(extra_articles=extra) as site, tempfile.TemporaryDirectory() as tmp:
        config = HarvestConfig(Path(tmp) / "thu-thap", tuple(site.start_points), delay=0.0, timeout=0.5)
        figures = {}
        for name in ("first", "unchanged"):
            site.clear_requests()
            started = time.perf_counter()
            run = harvest(config, Path(tmp) / "index")
            seconds = time.perf_counter() - started
            downloaded = sum(1 for r in site.requests if r.status == 200)
            figures[name] = {
                "seconds": round(seconds, 2),
                "requests": run.requests,
                "conditional": sum(1 for r in site.requests if r.conditional),
                "downloaded": downloaded,
                "not_modified": run.not_modified,
                "added": run.added,
                "changed": run.changed,
                "committed": run.committed,
                "errors": len(run.errors),
            }
        return figures


# --- comparison ---------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold_accents(text).lower())


def _f1(expected: str, found: str) -> tuple[float, float]:
    want, got = _words(expected), _words(found)
    if not want or not got:
        return 0.0, 0.0
    pool: dict[str, int] = {}
    for w in want:
        pool[w] = pool.get(w, 0) + 1
    hit = 0
    for w in got:
        if pool.get(w, 0) > 0:
            pool[w] -= 1
            hit += 1
    return hit / len(got), hit / len(want)  # precision, recall


def site_pages(site: Site) -> list[dict]:
    """The test site's articles as served, with what each should read as (from its content file)."""
    import httpx

    pages = []
    for path in ARTICLES:
        fragment = (SITE / path.lstrip("/")).read_text("utf-8")
        body_html = fragment.split('itemprop="articleBody">', 1)[1]
        paragraphs = [re.sub(r"<[^>]+>", "", p).strip() for p in re.findall(r"<p[^>]*>(.*?)</p>", body_html, re.S)]
        captions = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<em>(.*?)</em>", body_html)]
        author_line = re.findall(r"<strong>(.*?)</strong>", body_html)
        body = [p for p in paragraphs if p and p not in captions and p not in author_line]
        pages.append(
            {
                "name": path,
                "html": httpx.get(site.url(path)).text,
                "url": site.url(path),
                "title": htmllib.unescape(re.search(r'itemprop="headline">(.*?)</h2>', fragment).group(1)),
                "date": meta.cms_date(re.search(r'class="create">(.*?)</dd>', fragment).group(1)),
                "author": author_line[0].split(" - ")[0] if author_line else None,
                "body": "\n".join(htmllib.unescape(p) for p in body),
                "captions": captions,
            }
        )
    return pages


def seed_pages(layout: str) -> list[dict]:
    """Seed pages with a date line, laid out as the site lays out an article."""
    pages = []
    for path in sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []:
        lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.strip()]
        dated = next((i for i, ln in enumerate(lines[:5]) if meta.cms_date(ln)), None)
        if dated is None:
            continue
        title, rest = lines[dated + 1], lines[dated + 2 :]
        while rest and (rest[-1].strip() in ("Ảnh hoạt động", ":") or not rest[-1].strip(" :")):
            rest.pop()
        author_line = rest.pop() if rest and " - " in rest[-1] else None
        blocks, body, captions, n = [], [], [], 0
        while n < len(rest):
            line = rest[n]
            if line[:1].isspace() and n + 1 < len(rest):  # the image's alt text, then its caption
                blocks.append(
                    f'<p style="text-align:center"><img src="/anh/{n}.jpg" alt="{htmllib.escape(line.strip())}"></p>'
                )
                blocks.append(f'<p style="text-align:center"><em>{htmllib.escape(rest[n + 1].strip())}</em></p>')
                captions.append(rest[n + 1].strip())
                n += 2
                continue
            blocks.append(f"<p>{htmllib.escape(line.strip())}</p>")
            body.append(line.strip())
            n += 1
        if author_line:
            blocks.append(f'<p style="text-align: right;"><strong>{htmllib.escape(author_line)}</strong></p>')
        content = (
            '<div class="item-page"><div class="page-header"><h2 itemprop="headline">'
            f"{htmllib.escape(title)}</h2></div>"
            f'<dl class="article-info"><dd class="create">{lines[dated]}</dd><dd class="hits">Lượt xem: 97</dd></dl>'
            f'<div itemprop="articleBody">{"".join(blocks)}</div></div>'
        )
        pages.append(
            {
                "name": f"seed {path.name}",
                "html": layout.replace("{title}", htmllib.escape(title)).replace("{content}", content),
                "url": f"https://ldld.example/tin-tuc/{path.stem}.html",
                "title": title,
                "date": meta.cms_date(lines[dated]),
                "author": author_line.split(" - ")[0].strip() if author_line else None,
                "body": "\n".join(body),
                "captions": captions,
            }
        )
    return pages


def _read(html: str) -> dict:
    article = from_html(html, Path("/p/a.html"), Path("/p"))
    return {name: getattr(article, name) for name in ("title", "date", "author", "body", "captions")}


def _ours(page: dict) -> dict:
    return _read(clean_html(read_page(page["html"], page["url"]), page["url"]))


def _from_html(page: dict) -> dict:
    return _read(page["html"])


def _trafilatura(page: dict) -> dict:
    from datetime import date

    import trafilatura

    found = trafilatura.bare_extraction(page["html"], url=page["url"], with_metadata=True, include_comments=False)
    day = date.fromisoformat(found.date[:10]) if found and found.date else None
    return {
        "title": found.title if found else "",
        "date": day,
        "author": found.author if found else None,
        "body": (found.text or "") if found else "",
        "captions": [],
    }


def _htmldate(page: dict) -> dict:
    from datetime import date

    from htmldate import find_date

    found = find_date(page["html"], url=page["url"], original_date=True)
    return {"title": None, "date": date.fromisoformat(found) if found else None, "author": None, "body": None}


EXTRACTORS = {
    "page (ours)": _ours,
    "from_html (raw page)": _from_html,
    "trafilatura": _trafilatura,
    "htmldate": _htmldate,
}


def compare(pages: list[dict]) -> dict:
    results = {}
    for name, extract in EXTRACTORS.items():
        scores = {"title": 0, "date": 0, "author": 0, "captions": 0, "clean": 0, "p": [], "r": [], "ms": []}
        extract(pages[0])  # imports and caches warmed, not timed
        for page in pages:
            started = time.perf_counter()
            got = extract(page)
            scores["ms"].append((time.perf_counter() - started) * 1000)
            scores["title"] += got["title"] == page["title"]
            scores["date"] += got["date"] == page["date"]
            scores["author"] += (got["author"] or None) == page["author"]
            if got["body"] is not None:
                precision, recall = _f1(page["body"], got["body"])
                scores["p"].append(precision)
                scores["r"].append(recall)
                scores["clean"] += not any(f.lower() in got["body"].lower() for f in FURNITURE)
                scores["captions"] += got.get("captions", []) == page["captions"]
        results[name] = scores
    return results


def compare_markdown(sets: dict[str, list[dict]]) -> str:
    rows = []
    for label, pages in sets.items():
        n = len(pages)
        for name, s in compare(pages).items():
            has_body = bool(s["p"])
            rows.append(
                (
                    label,
                    name,
                    f"{s['title']}/{n}" if name != "htmldate" else "—",
                    f"{s['date']}/{n}",
                    f"{s['author']}/{n}" if name != "htmldate" else "—",
                    f"{sum(s['p']) / n:.2f} / {sum(s['r']) / n:.2f}" if has_body else "—",
                    f"{s['clean']}/{n}" if has_body else "—",
                    f"{s['captions']}/{n}" if has_body else "—",
                    f"{sum(s['ms']) / n:.1f}",
                )
            )
    header = (
        "pages",
        "extractor",
        "title",
        "date",
        "author",
        "body words P / R",
        "no furniture",
        "captions",
        "ms/page",
    )
    return report.table(rows, header)


CHOICE = """Chosen: our reader (`indexer/harvest/page.py`). trafilatura finds the body and the title as well
(its lower word precision is the captions it runs into the text), but not the date: it reads the event's
date in the lead ("Sáng ngày 09/5/2024") or none instead of the site's date line ("Thứ sáu, 10 Tháng 5
2024 08:15"), finds no author in the "Name - Unit" line and cannot keep captions apart; htmldate dates
1 page in 9 the same way. It would also bring about 55 MB of dependencies (babel, dateparser, regex…)
and took 2 to 30 times as long per page. Both stay in the `bench` extra for this comparison; httpx is the
only new dependency. (Captions for from_html and trafilatura count as right on pages without photos.)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=200, help="generated articles added to the test site")
    parser.add_argument("--compare", action="store_true", help="also compare the page readers")
    args = parser.parse_args()
    figures = time_runs(args.extra)
    first, again = figures["first"], figures["unchanged"]
    body = (
        f"### Test site plus {args.extra} generated articles: `python -m bench.harvest --extra {args.extra}`; "
        f"code {report.code_version()}\n\n"
        "Politeness delay 0, timeout 0.5 s (the slow page costs that on every run), pyvi loaded in the first run.\n\n"
        + report.table(
            [
                (
                    name,
                    f["seconds"],
                    f["requests"],
                    f["conditional"],
                    f["downloaded"],
                    f["not_modified"],
                    f["added"],
                    f["changed"],
                    "yes" if f["committed"] else "no",
                )
                for name, f in (("first run", first), ("unchanged site", again))
            ],
            ("run", "seconds", "requests", "conditional", "200", "304", "added", "changed", "commit"),
        )
        + "\n\n`200` counts the server's full answers: in the unchanged run, the slow page's, sent after the "
        "harvester had stopped waiting (it asks again each run: it never answered in time)."
        + "\n\nIn production each request also waits `TRACUU_HARVEST_DELAY` (1 s): an unchanged run of a site of N "
        "pages costs about N seconds of waiting and N 304s, and no index write.\n"
    )
    report.update(f"harvest-{args.extra}", "Harvesting the federation's website (issue 17)", body)
    report.save_json(f"harvest-{args.extra}", figures)
    print(body)
    if args.compare:
        with Site() as site:
            layout = site.layout
            sets = {"test site": site_pages(site), "seed layout": seed_pages(layout)}
        text = (
            "### Page readers compared: `python -m bench.harvest --compare`\n\n"
            "Exact title, date and author; body as word precision / recall against the page's paragraphs; "
            "pages whose body holds none of the site's furniture; captions kept apart as captions.\n\n"
            + compare_markdown(sets)
            + "\n\n"
            + CHOICE
        )
        report.update("harvest-compare", "Harvesting the federation's website (issue 17)", text)
        print(text)


if __name__ == "__main__":
    main()
