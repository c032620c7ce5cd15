"""An article page of the federation's website, read into its parts and written back as clean HTML.

The site's pages (a Joomla-like CMS, as the seed pages show) put the article in a container
(``itemprop="articleBody"``, ``.item-page``, ``<article>`` …) among a slogan, menus, sidebar
modules ("Tin mới", "Ảnh hoạt động") and a footer. ``read_page`` finds the article, its title, its
date line ("Thứ bảy, 27 Tháng 4 2024 07:25"), its paragraphs, the captions under its photos
(a paragraph of images followed by a short paragraph in italics, or ``<figcaption>``) and the
attachments it links (.pdf, .docx). ``clean_html`` writes those parts as a small HTML page
that ``indexer.documents.extract.from_html`` reads back exactly: the title as ``<h1>``, the date
in ``<time>``, the captions in ``<figcaption>``, the "Name - Unit" line last, and the page's
address as ``<link rel="canonical">`` with ``<meta name="tracuu:own-site">``: this is the
federation's own page.

``bench/harvest.py --compare`` measures this reader against ``from_html`` on the raw page and
against trafilatura and htmldate, on the test site's pages and on pages laid out as the seeds.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from indexer.documents import metadata as meta
from indexer.documents.extract import html_blocks, is_boilerplate
from indexer.text.normalise import normalise

ATTACHMENT_SUFFIXES = (".pdf", ".docx")
OWN_SITE_META = "tracuu:own-site"

# where a CMS puts the article, most specific first
_CONTAINERS = (
    '[itemprop="articleBody"]',
    ".item-page",
    "article",
    ".news-detail",
    ".entry-content",
    ".post-content",
    "main",
    "#content",
)
_TITLES = ('[itemprop="headline"]', "h1", ".contentheading", "h2")
# site furniture: never part of an article, whatever tags the theme uses
FURNITURE = (
    "script, style, noscript, template, form, nav, header, footer, aside, iframe, marquee, select, "
    ".moduletable, .module, .sidebar, #right, #left, .menu, .breadcrumb, .breadcrumbs, .pagination, "
    ".pagenav, .article-info, .tags, .social, .share, .print, .related, .items-more"
)
_SHORT = 200  # a caption is shorter than this


@dataclass
class PageContent:
    title: str
    published: date | None
    date_line: str | None
    paragraphs: list[str]
    captions: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)

    @property
    def text_length(self) -> int:
        return sum(len(p) for p in self.paragraphs)


def _text(node) -> str:
    return " ".join((node.text(deep=True, separator=" ") or "").split())


def _find_date(tree) -> tuple[date | None, str | None]:
    """The page's publication date: a machine-readable one, else the CMS's date line."""
    for selector, attribute in (
        ('meta[property="article:published_time"]', "content"),
        ('[itemprop="datePublished"]', "content"),
        ("time[datetime]", "datetime"),
    ):
        node = tree.css_first(selector)
        value = (node.attributes.get(attribute) or "")[:10] if node is not None else ""
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            found = meta.parse_date(value)
            if found:
                return found, _text(node) or None
    for node in tree.css("dd, span, div, p, time, td, li"):
        line = _text(node)
        if len(line) <= 80:
            found = meta.cms_date(line)
            if found:
                return found, line
    return None, None


def _is_images_only(node) -> bool:
    return node.css_first("img") is not None and not _text(node)


def _caption_of(node) -> str | None:
    """The text of a caption paragraph: short, and all of it in italics (or marked as a caption)."""
    text = _text(node)
    if not text or len(text) > _SHORT:
        return None
    classes = node.attributes.get("class") or ""
    if "caption" in classes:
        return text
    italic = " ".join(_text(n) for n in node.css("em, i"))
    return text if italic and len(italic) >= 0.9 * len(text) else None


def _take_captions(scope) -> list[str]:
    captions = []
    for figure in scope.css("figure"):
        caption = figure.css_first("figcaption")
        if caption is not None and _text(caption):
            captions.append(normalise(_text(caption)))
        figure.decompose()
    for node in scope.css("p, div"):
        if not _is_images_only(node):
            continue
        following = node.next
        while following is not None and following.tag == "-text" and not (following.text() or "").strip():
            following = following.next
        caption = _caption_of(following) if following is not None and following.tag in ("p", "div") else None
        if caption:
            captions.append(normalise(caption))
            following.decompose()
        node.decompose()
    return captions


def read_page(page: str, url: str) -> PageContent:
    """The parts of an article page (empty paragraphs when the page holds no article)."""
    tree = LexborHTMLParser(page)
    published, date_line = _find_date(tree)
    title_node = None
    for selector in _TITLES:
        title_node = next((n for n in tree.css(selector) if _text(n) and not _in_furniture(n)), None)
        if title_node is not None:
            break
    title = _text(title_node) if title_node is not None else ""
    if not title:
        og = tree.css_first('meta[property="og:title"]')
        title = (og.attributes.get("content") or "") if og is not None else ""
    for node in tree.css(FURNITURE):
        node.decompose()
    scope = next((tree.css_first(s) for s in _CONTAINERS if tree.css_first(s) is not None), None) or tree.body
    if scope is None:
        return PageContent(normalise(title), published, date_line, [])
    attachments = []
    for link in scope.css("a[href]"):
        target = urljoin(url, link.attributes.get("href") or "").split("#", 1)[0]
        if target.lower().split("?", 1)[0].endswith(ATTACHMENT_SUFFIXES) and target not in attachments:
            attachments.append(target)
    for node in scope.css('[itemprop="headline"], h1, .page-header'):
        node.decompose()
    captions = _take_captions(scope)
    paragraphs = []
    for block in html_blocks(scope):
        block = normalise(block)
        if block and not is_boilerplate(block) and not meta.cms_date(block) and block != normalise(title):
            paragraphs.append(block)
    return PageContent(normalise(title), published, date_line, paragraphs, captions, attachments)


def _in_furniture(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("nav", "header", "footer", "aside"):
            return True
        classes = f" {parent.attributes.get('class') or ''} {parent.attributes.get('id') or ''} "
        if any(f" {name} " in classes for name in ("moduletable", "module", "sidebar", "right", "left", "menu")):
            return True
        parent = parent.parent
    return False


def clean_html(content: PageContent, url: str) -> str:
    """The article as the small page we keep: what ``extract.from_html`` reads back, and the address."""
    e = html.escape
    head = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        '<head><meta charset="utf-8">',
        f"<title>{e(content.title)}</title>",
        f'<link rel="canonical" href="{e(url)}">',
        f'<meta name="{OWN_SITE_META}" content="1">',
        "</head>",
        "<body><article>",
        f"<h1>{e(content.title)}</h1>",
    ]
    if content.published:
        head.append(f'<time datetime="{content.published.isoformat()}">{e(content.date_line or "")}</time>')
    body = [f"<p>{e(p)}</p>" for p in content.paragraphs]
    figures = [f"<figure><figcaption>{e(c)}</figcaption></figure>" for c in content.captions]
    return "\n".join([*head, *figures, *body, "</article></body></html>"]) + "\n"
