"""Turn source files into Articles: front-matter Markdown, scraped pages, HTML, .docx, .pdf, JSON Lines.

``read_sources(paths)`` walks folders recursively and yields an Article for every document
and a ReadError for every file it cannot read; one bad file never stops a run.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import frontmatter

from indexer.documents import gazetteer, limits, structure
from indexer.documents import metadata as meta
from indexer.documents.article import Article, ReadError
from indexer.documents.gazetteer import Gazetteer, Mention
from indexer.documents.relations import find_relations
from indexer.text.normalise import folded, normalise

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
SUFFIXES = TEXT_SUFFIXES | {".html", ".htm", ".docx", ".pdf", ".jsonl", ".jsonl.gz"}
TITLE_MAX = 180

_LISTING_HEAD = re.compile(r"^(?P<title>.+?)\s*\((?P<count>\d+)\)\s*$")
_AUTHOR_LINE = re.compile(r"^(?P<author>[^\s.,:;-][^.:;]{1,50}?)\s+[-–]\s+(?P<org>[^.]{3,100})$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ])")
_SLUG = re.compile(r"[^a-z0-9]+")


def suffix_of(path: Path) -> str:
    name = path.name.lower()
    return ".jsonl.gz" if name.endswith(".jsonl.gz") else path.suffix.lower()


@lru_cache(maxsize=1)
def _boilerplate() -> frozenset[str]:
    text = resources.files("indexer.documents").joinpath("boilerplate.txt").read_text("utf-8")
    lines = (ln.strip() for ln in text.splitlines())
    return frozenset(folded(ln) for ln in lines if ln and not ln.startswith("#"))


def is_boilerplate(line: str) -> bool:
    stripped = line.strip()
    return not any(ch.isalnum() for ch in stripped) or folded(stripped) in _boilerplate()


def shorten(text: str, limit: int = TITLE_MAX) -> str:
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:]
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), 1)[0]


def doc_id_for(path: Path, root: Path) -> str:
    """A stable id from the file's place under the folder it was indexed from."""
    rel = path.relative_to(root) if path != root and root in path.parents else Path(path.name)
    stem = str(rel.with_suffix("")) if suffix_of(path) != ".jsonl.gz" else str(rel)[: -len(".jsonl.gz")]
    return _SLUG.sub("-", folded(stem)).strip("-")


def fill_metadata(article: Article, head: str | None = None) -> Article:
    """Complete what front matter or layout did not give, from the text itself.

    The date comes only from a date line: the official place-and-date line, or the full date
    a text's lead opens with; never from a date or year met in passing. The type comes only
    from the number, or from the title when the text is laid out as a document.
    """
    text = article.body
    head = head if head is not None else text[:1500]
    if article.number is None:
        article.number = meta.find_own_number(head)
    numbers = meta.find_numbers(article.title + "\n" + text)
    if article.number and article.number not in numbers:
        numbers.insert(0, article.number)
    article.numbers = article.numbers or numbers
    document = bool(article.number) or structure.is_official([p for p in head.split("\n") if p.strip()])
    if article.date is None:
        issued = meta.find_issued_date(head) if document else None
        event = meta.find_event_date(text)
        article.date = issued or (event[0] if event else None) or meta.find_date_line(text)
    if not article.type or article.type == meta.NEWS:
        article.type = meta.detect_type(article.title, article.number, document, text)
    if article.unit is None:
        article.unit = _find_unit(article, head)
    article.terms = article.terms or meta.find_terms(article.title + "\n" + text)
    article.congresses = article.congresses or meta.find_congresses(article.title + "\n" + text)
    paragraphs = [p for p in text.split("\n") if p.strip()]
    article.signer = article.signer or structure.parts(paragraphs).signer
    found = find_relations(article.title, paragraphs, article.number, official=article.type != meta.NEWS)
    article.relations = article.relations or [r.to_dict() for r in found]
    return article


def is_own(article: Article, gaz: Gazetteer | None = None) -> bool:
    """Whether the federation itself published the document: a page of its own site, or a
    file staff index or upload; a bulk load of news (JSON Lines) is not, unless its address
    is on the site."""
    gaz = gaz or gazetteer.current()
    host = (urlsplit(article.url).hostname or "").lower() if article.url else ""
    if host:
        return any(host == site or host.endswith("." + site) for site in gaz.sites)
    return not article.source.lower().endswith((".jsonl", ".jsonl.gz"))


def _find_unit(article: Article, head: str) -> str | None:
    """The unit a document is by or about. Generic phrases ("LĐLĐ tỉnh", "…/KH-LĐLĐ") mean the
    configured province's unit only in the federation's own documents (unless they name another
    province and not this one) or in a text that names the province. In other people's news the
    unit is one named in the title or lead; a generic phrase there is the federation of the one
    province the lead names, or nothing."""
    gaz = gazetteer.current()
    own = is_own(article, gaz)
    named = gaz.provinces_named(article.title + "\n" + article.body)
    local = gaz.province in named or (own and not named)
    if article.number:
        issuer = meta.number_issuer(article.number)
        unit = gaz.from_code(issuer, generic=local) if issuer else None
        if unit:
            return unit.name
    texts = [head[:400]] if article.type != meta.NEWS else []
    if own:
        texts += [article.title, _from_dated_clause(article.body), article.body]
    else:
        texts += [article.title, article.body[:NEWS_LEAD_CHARS]]
    if local:
        found = [gaz.mentions(text, generic=True) for text in texts]
    else:
        lead_named = gaz.provinces_named(article.title + "\n" + article.body[:NEWS_LEAD_CHARS])
        found = [
            [e for m in gaz.mentions(text, generic=True) if (e := _elsewhere(m, lead_named, gaz, article.date))]
            for text in texts
        ]
    # who acts before whose plan is cited ("Thực hiện Kế hoạch … của Ban Chấp hành LĐLĐ tỉnh, CĐ ngành
    # Giáo dục tổ chức …"); in the province's own news, its units before a national body met in passing
    # ("Thực hiện chủ trương của …, Tổng Liên đoàn …, Đại hội Công đoàn tỉnh Lạng Sơn …")
    province = set(gaz.within(gaz.own_unit)) if local and gaz.own_unit else set()
    for wanted in (
        lambda m: m.unit.name in province and not m.cited,
        lambda m: not m.cited,
        lambda m: True,
    ):
        for mentions in found:
            chosen = [m for m in mentions if wanted(m)]
            if chosen:
                return chosen[0].unit.name
    return None


NEWS_LEAD_CHARS = 700


def _elsewhere(mention: Mention, named: list[str], gaz: Gazetteer, day) -> Mention | None:
    """A mention in a text that is not the federation's own: a generic phrase ("Liên đoàn Lao
    động tỉnh") is the federation of the one province the text names, or nothing."""
    if not mention.generic:
        return mention
    if mention.cited or len(named) != 1 or mention.unit.name != gaz.own_unit and mention.unit.kind != "district":
        return None
    unit = gaz.province_unit(named[0], on=day)
    if unit is None or (mention.unit.kind == "district" and not unit.name.startswith("LĐLĐ thành phố")):
        return None  # "LĐLĐ thành phố" is a province's federation only in a centrally run city
    return Mention(unit, mention.start, True)


def _from_dated_clause(text: str) -> str:
    found = meta.find_event_date(text)
    return text[found[1] :] if found else text


# --- front-matter Markdown and plain text -------------------------------------------------------


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return meta.parse_date(value)
    return None


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [normalise(str(v)) for v in value]


EDITABLE = ("id", "title", "date", "unit", "type", "number", "url", "tags", "author")
META_SUFFIX = ".meta.yaml"


def apply_fields(article: Article, fields: dict) -> Article:
    """Set metadata given by a person (front matter, a staff correction) over what was found."""
    if fields.get("id"):
        article.id = str(fields["id"]).strip()
    if fields.get("title"):
        article.title = normalise(str(fields["title"])).strip()
    if fields.get("date"):
        article.date = _as_date(fields["date"]) or article.date
    if fields.get("unit"):
        resolved = gazetteer.current().resolve(str(fields["unit"]))
        article.unit = resolved.name if resolved else normalise(str(fields["unit"])).strip()
    if fields.get("type"):
        article.type = meta.resolve_type(str(fields["type"])) or article.type
    if fields.get("number"):
        found = meta.find_numbers(str(fields["number"]))
        if found:
            article.number = found[0]
            article.numbers = [found[0]] + [n for n in article.numbers if n != found[0]]
    for key in ("url", "author"):
        if fields.get(key):
            setattr(article, key, str(fields[key]).strip())
    if fields.get("tags"):
        article.tags = _as_list(fields["tags"])
    return article


def from_front_matter(text: str, path: Path, root: Path) -> Article:
    post = frontmatter.loads(text)
    body = markdown_to_text(normalise(post.content))
    article = Article(id=doc_id_for(path, root), title="", body=body, type="", source=str(path))
    apply_fields(article, post.metadata)
    if not article.title:
        article.title = shorten(first_sentence(body.split("\n", 1)[0]))
    return fill_metadata(article)


def sidecar_for(path: Path) -> Path:
    """Where staff corrections to a single-document file are kept: ``name.pdf.meta.yaml``."""
    return path.with_name(path.name + META_SUFFIX)


def _sidecar_fields(path: Path) -> dict:
    import yaml

    side = sidecar_for(path)
    if not side.exists():
        return {}
    data = yaml.safe_load(side.read_text("utf-8")) or {}
    return {k: v for k, v in data.items() if k in EDITABLE} if isinstance(data, dict) else {}


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    # CommonMark, parsed in time linear in the text (Python-Markdown took minutes on a run of
    # "[" or "<"); HTML written in an article is text to show, never markup to run or drop
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("list_markers", _keep_list_markers)
    return md


def _keep_list_markers(state) -> None:
    """An ordered item keeps its number as written ("02.", "3)") for ``html_blocks``."""
    for token in state.tokens:
        if token.type == "list_item_open" and token.info:
            token.attrSet("data-marker", token.info + token.markup)


def markdown_to_text(text: str) -> str:
    """Markdown as plain paragraphs: what is indexed and shown, without the markup."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(_markdown().render(text))
    blocks = html_blocks(tree.body) if tree.body is not None else []
    return "\n\n".join(blocks) if blocks else text.strip()


_BLOCK_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 blockquote pre div section article main ul ol li table thead tbody tfoot tr dl dt dd "
    "figure figcaption header footer hr address".split()
)
_SKIPPED_TAGS = frozenset("script style noscript template head title".split())


def html_blocks(node) -> list[str]:
    """The paragraphs of an HTML element in reading order, each once: a list item with its
    number or bullet ("1.", "a)" as written stays in the text; "-" for a bullet), a table
    row as its cells joined by " | ", text between blocks as a paragraph of its own."""
    out: list[str] = []
    _walk(node, out)
    return out


def _walk(node, out: list[str]) -> None:
    inline: list[str] = []

    def flush() -> None:
        text = " ".join("".join(inline).split())
        inline.clear()
        if text:
            out.append(text)

    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            inline.append(child.text(deep=False) or "")
        elif tag == "br":
            inline.append(" ")
        elif tag in _SKIPPED_TAGS or tag == "-comment":
            continue
        elif tag not in _BLOCK_TAGS:
            inline.append(child.text(deep=True, separator="") or "")
        else:
            flush()
            if tag in ("ul", "ol"):
                _list(child, out)
            elif tag == "tr":
                cells = [" ".join((c.text(deep=True, separator=" ") or "").split()) for c in child.css("th, td")]
                if any(cells):
                    out.append(" | ".join(cells))
            else:
                _walk(child, out)
    flush()


def _list(node, out: list[str]) -> None:
    ordered = node.tag == "ol"
    try:
        number = int(node.attributes.get("start") or 1)
    except ValueError:
        number = 1
    for item in node.iter(include_text=False):
        if item.tag != "li":
            continue
        inner: list[str] = []
        _walk(item, inner)
        if inner:
            marker = item.attributes.get("data-marker") or (f"{number}." if ordered else "-")
            inner[0] = f"{marker} {inner[0]}"
            out.extend(inner)
        number += 1


# --- scraped pages ------------------------------------------------------------------------------


def from_page(text: str, path: Path, root: Path) -> list[Article]:
    """A page saved as text: one article, or a listing with one article per teaser."""
    raw_lines = [ln.rstrip() for ln in normalise(text).splitlines()]
    lines = [ln for ln in raw_lines if ln.strip() and not is_boilerplate(ln)]
    if not lines:
        return []
    stripped = [ln.strip() for ln in lines]
    for i, line in enumerate(stripped):
        m = _LISTING_HEAD.match(line)
        if m and folded(m.group("title")) in {folded(s) for s in stripped[:i]}:
            return _listing(m.group("title"), stripped[i + 1 :], path, root)
    return [_single_page(lines, path, root)]


def _listing(category: str, teasers: list[str], path: Path, root: Path) -> list[Article]:
    base = doc_id_for(path, root)
    articles = []
    for n, teaser in enumerate(teasers, start=1):
        found = meta.find_event_date(teaser, limit=len(teaser))
        title_from = teaser[found[1] :] if found else teaser
        article = Article(
            id=f"{base}-{n}",
            title=shorten(first_sentence(title_from)),
            body=teaser,
            date=found[0] if found else None,
            tags=[category],
            source=str(path),
        )
        articles.append(fill_metadata(article, head=""))
    return articles


def _single_page(lines: list[str], path: Path, root: Path) -> Article:
    published = None
    start = 0
    for i, line in enumerate(lines[:5]):
        published = meta.cms_date(line)
        if published:
            start = i + 1
            break
    title = lines[start].strip() if start < len(lines) else ""
    body_lines: list[str] = []
    captions: list[str] = []
    rest = lines[start + 1 :]
    skip_next = False
    for i, line in enumerate(rest):
        if skip_next:
            skip_next = False
            continue
        if _is_photo_alt(line) and i + 1 < len(rest):
            captions.append(rest[i + 1].strip())
            skip_next = True
            continue
        body_lines.append(line.strip())
    return _article_from_blocks(path, root, title, body_lines, published, captions)


def _article_from_blocks(path, root, title, blocks, published, captions) -> Article:
    """A page's article; a closing "Name - Unit" line gives the author and the unit."""
    author = unit = None
    m = _AUTHOR_LINE.match(blocks[-1]) if blocks else None
    found = gazetteer.current().mentions(m.group("org"), generic=True) if m else []
    if found:
        author, unit = m.group("author").strip(), found[0].unit.name
        blocks = blocks[:-1]
    article = Article(
        id=doc_id_for(path, root),
        title=title,
        body="\n\n".join(blocks),
        date=published,
        unit=unit,
        author=author,
        captions=captions,
        source=str(path),
    )
    # a document page ("Số: 45/NQ-LĐLĐ" under its letterhead) has its number and date line in its opening
    return fill_metadata(article)


def _is_photo_alt(line: str) -> bool:
    """Image alt text stands on its own indented line, short and without a full stop."""
    return line[:1].isspace() and len(line) < 120 and not line.rstrip().endswith((".", ":"))


# --- official documents: .docx, .pdf -------------------------------------------------------------


def from_official_text(text: str, path: Path, root: Path) -> Article:
    """An administrative document: header, "Số: ..." line, place and date, title in capitals."""
    text = normalise(text)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = official_title(lines) or (shorten(lines[0]) if lines else path.stem)
    article = Article(
        id=doc_id_for(path, root),
        title=title,
        body="\n\n".join(lines),
        source=str(path),
    )
    return fill_metadata(article, head="\n".join(lines[:15]))


def official_title(lines: list[str]) -> str | None:
    """A document's title from its heading in capitals and the trích yếu under it:
    "KẾ HOẠCH" + "Tổ chức Tháng Công nhân" -> "Kế hoạch tổ chức Tháng Công nhân"."""
    for i, line in enumerate(lines[:25]):
        doc_type = meta.resolve_type(line) if line.isupper() else None
        if doc_type and doc_type != meta.NEWS:
            subject = lines[i + 1] if i + 1 < len(lines) else ""
            subject = subject[:1].lower() + subject[1:] if not subject.isupper() else subject.lower()
            return f"{line[:1]}{line[1:].lower()} {subject}".strip()  # "BỘ LUẬT" -> "Bộ luật"
    return None


def read_docx(path: Path) -> str:
    return limits.run_limited(_docx_text, path)


def _docx_text(path: Path) -> str:
    import docx
    from docx.table import Table

    limits.check_docx(path)
    document = docx.Document(str(path))
    parts = []
    # in reading order: a table stands between the paragraphs around it, not after all of them
    for block in document.iter_inner_content():
        parts.extend(_docx_rows(block) if isinstance(block, Table) else [block.text])
    return "\n".join(parts)


def _docx_rows(table) -> list[str]:
    """A Word table's rows, each as its cells joined by " | " (as ``html_blocks`` writes an HTML
    table's): a cell merged across columns once, a cell's own paragraphs joined by spaces."""
    rows = []
    for row in table.rows:
        cells, seen = [], []
        for cell in row.cells:
            if any(cell is other for other in seen):  # python-docx gives a merged cell once per column it spans
                continue
            seen.append(cell)
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def read_pdf(path: Path) -> str:
    return "\n".join(reflow(limits.run_limited(_pdf_text, path).splitlines()))


# a line that starts a paragraph of its own, whatever came before it
_PARAGRAPH_START = re.compile(
    r"^(?:(?:Phần|Chương|Mục|Điều)\s+[\dIVXLC]+|[IVXLC]+\.\s|\d{1,3}(?:\.\d{1,3})*[.)]\s|[a-zđ]\)\s|[-+•–]\s"
    r"|Căn cứ\b|Nơi nhận|Kính gửi|Số\s*:|(?:TM|KT|TL|TUQ)\.\s|V/v\b|CỘNG HÒA XÃ HỘI|Độc lập\s*-)",
)
_PLACE_DATE_LINE = re.compile(structure.PLACE_DATE)


def _width(line: str) -> float:
    """A line's printed width, roughly: capitals are wider than small letters, spaces narrower."""
    return sum(1.3 if c.isupper() else 0.5 if c.isspace() else 1.0 for c in line)


def _capitals(line: str) -> bool | None:
    """All in capitals (a heading), or not; None for a line of hardly any letters ("2020 - 2023")."""
    letters = [c for c in line if c.isalpha()]
    return all(c.isupper() for c in letters) if len(letters) >= 2 else None


def _same_case(one: str, other: str) -> bool:
    kinds = (_capitals(one), _capitals(other))
    return None in kinds or kinds[0] == kinds[1]


def reflow(lines: list[str]) -> list[str]:
    """Lines of a PDF page joined back into paragraphs: a line carries on the one before when
    that one was full and did not end a sentence, unless it opens a part ("Điều 5.", "1.",
    "a)", "- ", "Căn cứ …") or a heading in capitals begins or ends."""
    lines = [" ".join(line.split()) for line in lines]
    widths = sorted(_width(line) for line in lines if line)
    if not widths:
        return []
    full = widths[int(len(widths) * 0.9)] if len(widths) >= 5 else widths[-1]
    paragraphs: list[str] = []
    previous = ""
    for line in lines:
        if not line:
            previous = ""
            continue
        width = _width(previous)
        carries_on = (
            previous
            and not _PARAGRAPH_START.match(line)
            and not _PLACE_DATE_LINE.match(line)
            and _same_case(previous, line)
            and width >= 0.75 * full
            and not (previous.endswith((".", ":", ";", "!", "?", "./.")) and width < 0.92 * full)
        )
        if carries_on:
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
        previous = line
    return paragraphs


def _pdf_text(path: Path) -> str:
    import pypdf

    reader = pypdf.PdfReader(str(path))
    if len(reader.pages) > limits.PDF_MAX_PAGES:
        raise limits.TooCostly(f"tệp PDF có {len(reader.pages)} trang, tối đa {limits.PDF_MAX_PAGES}")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    limits.check_text(text)
    return text


# --- HTML pages ---------------------------------------------------------------------------------


def from_html(html: str, path: Path, root: Path) -> Article:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    for node in tree.css("script, style, nav, header, footer, aside, noscript, form"):
        node.decompose()
    scope = tree.css_first("article") or tree.css_first("main") or tree.body or tree.root
    heading = scope.css_first("h1") or tree.css_first("h1") or tree.css_first("title")
    title = normalise(heading.text(strip=True)) if heading else ""
    published = None
    time_node = scope.css_first("time")
    if time_node is not None:
        published = _as_date((time_node.attributes.get("datetime") or "")[:10]) or _as_date(time_node.text(strip=True))
    captions = [normalise(n.text(strip=True)) for n in scope.css("figcaption")]
    for node in scope.css("figure, h1, time"):
        node.decompose()
    blocks = [normalise(b) for b in html_blocks(scope)]
    blocks = [b for b in blocks if b and not is_boilerplate(b)]
    if not blocks:
        blocks = [normalise(scope.text(separator="\n", strip=True))]
    return _article_from_blocks(path, root, title, blocks, published, captions)


# --- JSON Lines (bulk loads) --------------------------------------------------------------------


def from_json_record(record: dict, path: Path) -> Article:
    title = normalise(record.get("title") or "").strip()
    lead = normalise(record.get("lead") or "").strip()
    body = normalise(record.get("body") or "").strip()
    text = "\n\n".join(p for p in (lead, body) if p)
    unit = gazetteer.current().resolve(record["unit"]) if record.get("unit") else None
    article = Article(
        id=str(record["id"]),
        title=title or shorten(first_sentence(text)),
        body=text,
        date=_as_date(record.get("date")),
        unit=unit.name if unit else record.get("unit"),
        type=(meta.resolve_type(record["type"]) if record.get("type") else "") or "",
        url=record.get("url"),
        tags=[record["category"]] if record.get("category") else [],
        source=str(path),
    )
    # a document printed in full (a law) has a letterhead to read; a news story's first lines do not
    lines = [ln.strip() for ln in text[:1500].splitlines() if ln.strip()]
    if not structure.is_official(lines):
        return fill_metadata(article, head="")
    if article.title.isupper():  # the issuing body ("QUỐC HỘI"), not a title
        article.title = official_title(lines) or article.title
    return fill_metadata(article, head=text[:1500])


def _lines(fh, limit: int) -> Iterator[tuple[int, str | None]]:
    """(line number, line) of a text file; None for a line longer than ``limit``, never held whole."""
    lineno = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        lineno += 1
        if len(line) <= limit or line.endswith("\n"):
            yield lineno, line
            continue
        while line and not line.endswith("\n"):  # skip the rest of the long line
            line = fh.readline(limit)
        yield lineno, None


def jsonl_lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, line) of a JSON Lines file (gzipped or not); None for a line too long to read."""
    opener = gzip.open if suffix_of(path) == ".jsonl.gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        yield from _lines(fh, limits.MAX_LINE_CHARS)


def jsonl_item(path: Path, lineno: int, line: str | None) -> Article | ReadError | None:
    """The Article of one line of a JSON Lines file, a ReadError saying what is wrong with it, or
    None for a blank line."""
    where = f"{path}:{lineno}"
    if line is None:
        return ReadError(where, f"dòng quá dài (tối đa {limits.count(limits.MAX_LINE_CHARS)} ký tự)")
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except ValueError as exc:
        return ReadError(where, f"dòng JSON không hợp lệ ({exc})")
    if not isinstance(record, dict):
        return ReadError(where, "dòng JSON không phải một đối tượng {…}")
    try:
        return from_json_record(record, path).bounded()
    except limits.TooCostly as exc:
        return ReadError(where, f"không nhận tài liệu: {exc}")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return ReadError(where, f"dòng JSON không hợp lệ ({type(exc).__name__}: {exc})")


LINES_TOGETHER = 256  # lines of a JSON Lines file read as one unit


def _jsonl_units(path: Path) -> Iterator[tuple]:
    """``source_units`` of one JSON Lines file: its lines a few hundred at a time, and an error unit
    where the file breaks off (the lines before it are read)."""
    lines, broken = [], None
    try:
        for numbered in jsonl_lines(path):
            lines.append(numbered)
            if len(lines) == LINES_TOGETHER:
                yield ("lines", path, lines)
                lines = []
    except Exception as exc:  # a broken file of any kind must not stop the run
        broken = _unreadable(path, exc)
    if lines:
        yield ("lines", path, lines)
    if broken is not None:
        yield ("error", broken)


def _unreadable(path: Path, exc: Exception) -> ReadError:
    """Why a file could not be read, for the person who gave it."""
    if isinstance(exc, UnicodeDecodeError):
        return ReadError(str(path), "tệp không phải văn bản UTF-8")
    return ReadError(str(path), f"không đọc được tệp: {type(exc).__name__}: {exc}")


# --- dispatch -----------------------------------------------------------------------------------


def read_file(path: Path, root: Path | None = None) -> Iterator[Article | ReadError]:
    """Every article in one file, or a ReadError saying why it could not be read."""
    root = root or path.parent
    suffix = suffix_of(path)
    try:
        if suffix not in (".jsonl", ".jsonl.gz") and path.stat().st_size > limits.MAX_SOURCE_BYTES:
            raise limits.TooCostly(f"tệp quá lớn: tối đa {limits.mb(limits.MAX_SOURCE_BYTES)}")
        if suffix in (".jsonl", ".jsonl.gz"):
            for unit in _jsonl_units(path):
                yield from read_unit(unit)
            return
        if suffix == ".docx":
            articles = [from_official_text(read_docx(path), path, root)]
        elif suffix == ".pdf":
            articles = [from_official_text(read_pdf(path), path, root)]
        elif suffix in (".html", ".htm"):
            articles = [from_html(path.read_text("utf-8", errors="replace"), path, root)]
        elif suffix in TEXT_SUFFIXES:
            text = path.read_text("utf-8")
            if text.lstrip("\ufeff").startswith("---"):
                articles = [from_front_matter(text.lstrip("\ufeff"), path, root)]
            else:
                articles = from_page(text, path, root)
        else:
            yield ReadError(str(path), f"không hỗ trợ định dạng tệp '{suffix or path.name}'")
            return
    except limits.TooCostly as exc:
        yield ReadError(str(path), f"không đọc tệp: {exc}")
        return
    except Exception as exc:  # a broken file of any kind must not stop the run
        yield _unreadable(path, exc)
        return
    if len(articles) == 1:
        try:
            fields = _sidecar_fields(path)
        except Exception as exc:
            yield ReadError(str(sidecar_for(path)), f"không đọc được tệp chỉnh sửa: {exc}")
            return
        if fields:
            apply_fields(articles[0], fields)
    for article in articles:
        if not article.title and not article.body:
            yield ReadError(str(path), "tệp không có nội dung")
            continue
        try:
            yield article.bounded()
        except limits.TooCostly as exc:
            yield ReadError(str(path), f"không nhận tài liệu “{article.id}”: {exc}")


def iter_files(source: Path) -> Iterator[tuple[Path, Path]]:
    """(file, root) for every readable file under a folder, or the file itself."""
    if source.is_file():
        yield source, source.parent
        return
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            # a FIFO, socket or device is no document (reading a FIFO would wait forever)
            if not name.startswith(".") and suffix_of(path) in SUFFIXES and name != "README.md" and path.is_file():
                yield path, source


def source_units(sources: Iterable[str | Path]) -> Iterator[tuple]:
    """The sources cut into units of reading, in order, each read by ``read_unit``: ("error",
    ReadError) for a missing source or a file that broke off, ("file", path, root) for a file, and
    ("lines", path, [(line number, line), …]) for lines of a JSON Lines file."""
    for source in sources:
        source = Path(source).resolve()
        if not source.exists():
            yield ("error", ReadError(str(source), "không tìm thấy tệp hoặc thư mục"))
            continue
        for path, root in iter_files(source):
            if suffix_of(path) in (".jsonl", ".jsonl.gz"):
                yield from _jsonl_units(path)
            else:
                yield ("file", path, root)


def read_unit(unit: tuple) -> list[Article | ReadError]:
    """The articles of one unit of ``source_units``, and what could not be read."""
    if unit[0] == "error":
        return [unit[1]]
    if unit[0] == "file":
        return list(read_file(unit[1], unit[2]))
    _kind, path, lines = unit
    return [item for item in (jsonl_item(path, lineno, line) for lineno, line in lines) if item is not None]


def read_sources(sources: Iterable[str | Path]) -> Iterator[Article | ReadError]:
    for unit in source_units(sources):
        yield from read_unit(unit)
