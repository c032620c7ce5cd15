"""Finding the site's articles: from sitemaps, RSS/Atom feeds and category listings with their pages.

Each start point is read for what it is (``kind_of``): a sitemap (or a sitemap index, whose
sitemaps are read in turn), a feed, or an HTML listing. A listing's articles are the links of its
teasers (a heading's link, "Xem tiếp", ``itemprop="url"``); its further pages are the links of its
pagination (``rel="next"``, ``.pagination``); menus, sidebars and footers are not followed. Links
to .pdf and .docx files are attachments, fetched and indexed as documents of their own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from indexer.harvest.fetch import normal_url
from indexer.harvest.page import ATTACHMENT_SUFFIXES, FURNITURE

_TEASER_LINKS = "h1 a[href], h2 a[href], h3 a[href], h4 a[href], a[itemprop=url], .readmore a[href], a.readmore"
_PAGINATION = (
    'a[rel="next"], link[rel="next"], .pagination a[href], .pager a[href], .paging a[href], '
    ".phan-trang a[href], .pagenav a[href]"
)


@dataclass
class Links:
    """What one start point or listing page points to."""

    pages: list[str] = field(default_factory=list)  # articles and document pages
    listings: list[str] = field(default_factory=list)  # further pages of a listing, sitemaps of an index
    attachments: list[str] = field(default_factory=list)  # .pdf, .docx

    def add(self, kind: str, url: str | None) -> None:
        if url is None:
            return
        if kind == "pages" and is_attachment(url):
            kind = "attachments"
        target = getattr(self, kind)
        if url not in target:
            target.append(url)

    def as_dict(self) -> dict:
        return {"pages": self.pages, "listings": self.listings, "attachments": self.attachments}

    @classmethod
    def from_dict(cls, data: dict | None) -> Links:
        data = data or {}
        return cls(list(data.get("pages", [])), list(data.get("listings", [])), list(data.get("attachments", [])))


def is_attachment(url: str) -> bool:
    return url.lower().split("?", 1)[0].endswith(ATTACHMENT_SUFFIXES)


def kind_of(body: bytes, content_type: str) -> str:
    """'sitemap', 'feed' or 'html', by what the answer holds rather than by its name."""
    head = body[:2048].lstrip().lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    if "xml" in content_type and b"<html" not in head:
        return "xml"
    return "html"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _xml_root(body: bytes):
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None


def from_sitemap(body: bytes, base: str) -> Links:
    """A sitemap's pages, or a sitemap index's sitemaps (as listings, to read in turn)."""
    links = Links()
    root = _xml_root(body)
    if root is None:
        return links
    kind = "listings" if _local(root.tag) == "sitemapindex" else "pages"
    for node in root.iter():
        if _local(node.tag) == "loc" and node.text:
            links.add(kind, normal_url(node.text, base))
    return links


def from_feed(body: bytes, base: str) -> Links:
    """The entries of an RSS 2.0, RSS 1.0 or Atom feed."""
    links = Links()
    root = _xml_root(body)
    if root is None:
        return links
    for entry in root.iter():
        if _local(entry.tag) not in ("item", "entry"):
            continue
        for child in entry:
            if _local(child.tag) != "link":
                continue
            href = child.attrib.get("href") or (child.text or "")
            rel = child.attrib.get("rel", "alternate")
            if href.strip() and rel == "alternate":
                links.add("pages", normal_url(href, base))
                break
    return links


def _content_tree(page: str) -> LexborHTMLParser:
    tree = LexborHTMLParser(page)
    for node in tree.css(FURNITURE.replace(".pagination, ", "").replace(".pagenav, ", "")):
        node.decompose()
    return tree


def from_listing(page: str, base: str) -> Links:
    """A category listing's teasers, its further pages and the files it links."""
    links = Links()
    tree = LexborHTMLParser(page)
    for node in tree.css(_PAGINATION):
        links.add("listings", normal_url(node.attributes.get("href") or "", base))
    tree = _content_tree(page)
    for node in tree.css(_TEASER_LINKS):
        links.add("pages", normal_url(node.attributes.get("href") or "", base))
    for node in tree.css("a[href]"):
        url = normal_url(node.attributes.get("href") or "", base)
        if url and is_attachment(url):
            links.add("attachments", url)
    links.listings = [u for u in links.listings if u != normal_url(base) and u not in links.pages]
    return links


_TEASER_COUNT = 3


def looks_like_listing(page: str, base: str) -> bool:
    """A category page rather than an article: teasers of three or more articles, or pagination."""
    links = from_listing(page, base)
    return len(links.pages) >= _TEASER_COUNT or bool(links.listings) or bool(re.search(r'rel="?next', page[:20000]))
