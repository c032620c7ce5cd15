"""A small copy of the federation's website on 127.0.0.1, for the harvest tests and ``bench/harvest.py``.

The pages are kept in ``tests/site/``, written in the style of the site the seed pages come from:
a Joomla-like layout (``_layout.html``: slogan, menu, sidebar modules, footer) around each page's
content; "Tin tức" with three pages of pagination (``/tin-tuc.html?start=4``), articles with their
date line, photo captions and "Name - Unit" line, "Văn bản" with a document page that links a PDF
(the sample corpus's own), a sitemap, an RSS feed and a robots.txt that disallows ``/noi-bo/``.

Some addresses misbehave on purpose: one redirects to another server (another port: another
host), one is larger than any sensible limit, one answers only after ``slow_seconds``.
Every page carries an ETag and a Last-Modified, and conditional requests get 304. Every request
is recorded (method, path, conditional headers, status), so a test can say what a run fetched.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE = Path(__file__).resolve().parent / "site"
PDF = Path(__file__).resolve().parent.parent / "corpus" / "dinh-kem" / "nq-45-2019-ldld.pdf"
PUBLISHED = 1714982400.0  # when the whole site was last changed: 6 May 2024, 08:00 UTC

LISTINGS = {"/": "tin-tuc.html", "/tin-tuc.html": "tin-tuc.html"}
LISTINGS.update({f"/tin-tuc.html?start={4 * (n - 1)}": f"tin-tuc-trang-{n}.html" for n in (2, 3)})
TEMPLATES = {"/robots.txt": "text/plain", "/sitemap.xml": "application/xml", "/tin-tuc/feed.rss": "application/rss+xml"}
REDIRECT = "/tin-tuc/chuyen-sang-bao-dien-tu.html"
HUGE = "/tin-tuc/album-anh-dai-hoi.html"
SLOW = "/tin-tuc/tong-hop-y-kien-doan-vien.html"
ATTACHMENT = "/images/van-ban/nq-45-2019-ldld.pdf"
DISALLOWED = "/noi-bo/ke-hoach-kiem-tra-noi-bo.html"
CHANGING = "/tin-tuc/ky-ket-thoa-uoc-nganh-giao-duc.html"
VANISHING = "/tin-tuc/hoi-thao-an-toan-ve-sinh-lao-dong.html"

# what a harvest of the site should index: path -> (title starts with, unit, date)
ARTICLES = {
    "/tin-tuc/hoi-nghi-quan-triet-cdvc.html": ("Công đoàn Viên chức tỉnh quán triệt", "Công đoàn Viên chức tỉnh"),
    "/tin-tuc/tap-huan-cong-doan-co-so-cao-loc.html": ("Cao Lộc: Tập huấn nghiệp vụ", "LĐLĐ huyện Cao Lộc"),
    "/tin-tuc/thang-cong-nhan-loc-binh.html": ("Lộc Bình phát động Tháng Công nhân", "LĐLĐ huyện Lộc Bình"),
    "/tin-tuc/mai-am-cong-doan-trang-dinh.html": ("Bàn giao “Mái ấm Công đoàn”", "LĐLĐ huyện Tràng Định"),
    CHANGING: ("Công đoàn ngành Giáo dục ký kết thỏa ước", "Công đoàn ngành Giáo dục"),
    VANISHING: ("Hội thảo nâng cao hiệu quả công tác an toàn", "LĐLĐ tỉnh Lạng Sơn"),
    "/tin-tuc/doi-thoai-khu-cong-nghiep-dong-dang.html": (
        "Đối thoại với công nhân",
        "Công đoàn Khu kinh tế cửa khẩu Đồng Đăng – Lạng Sơn",
    ),
    "/tin-tuc/trao-qua-tet-doan-vien-kho-khan.html": ("Trao quà Tết cho đoàn viên", "LĐLĐ tỉnh Lạng Sơn"),
    "/van-ban/nghi-quyet-45-nq-ldld.html": ("Nghị quyết số 45/NQ-LĐLĐ", "LĐLĐ tỉnh Lạng Sơn"),
}


@dataclass
class Request:
    method: str
    path: str
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None
    status: int = 0

    @property
    def conditional(self) -> bool:
        return bool(self.if_none_match or self.if_modified_since)


def _title_of(fragment: str) -> str:
    m = re.search(r"<h[12][^>]*>(.*?)</h[12]>", fragment, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else "Liên đoàn Lao động tỉnh Lạng Sơn"


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a request still sleeping never holds up stop()


class Site:
    """The test site, served from a thread: ``with Site() as site: site.base``."""

    def __init__(self, *, slow_seconds: float = 2.0, huge_bytes: int = 3 * 1024 * 1024, extra_articles: int = 0):
        self.slow_seconds = slow_seconds
        self.huge_bytes = huge_bytes
        self.extra_articles = extra_articles
        self.requests: list[Request] = []
        self.changed: dict[str, tuple[str, float]] = {}  # path -> (content fragment, when)
        self.status: dict[str, int] = {}  # path -> 404 or 410
        self._lock = threading.Lock()
        self.layout = (SITE / "_layout.html").read_text("utf-8")
        self.elsewhere = _Elsewhere()

    # --- running -------------------------------------------------------------------------------

    def __enter__(self) -> Site:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                site._answer(self)

            def log_message(self, *args):  # quiet
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.elsewhere.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.elsewhere.stop()

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def start_points(self) -> list[str]:
        """What the federation would configure: the sitemap, the feed and the two listings."""
        return [self.url(p) for p in ("/sitemap.xml", "/tin-tuc/feed.rss", "/tin-tuc.html", "/van-ban.html")]

    # --- changing the site between runs -----------------------------------------------------------

    def change(self, path: str, fragment: str) -> None:
        with self._lock:
            self.changed[path] = (fragment, time.time())

    def remove(self, path: str, status: int = 404) -> None:
        with self._lock:
            self.status[path] = status

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # --- answering ----------------------------------------------------------------------------------

    def _content(self, path: str) -> tuple[bytes, str, float, bool] | None:
        """(body, content type, last modified, has etag) of a path, or None for 404."""
        if path in self.status:
            return None
        if path in TEMPLATES:
            text = (SITE / path.lstrip("/")).read_text("utf-8").replace("{base}", self.base)
            if path == "/sitemap.xml" and self.extra_articles:
                rows = "".join(
                    f"  <url><loc>{self.base}/tin-tuc/bai-so-{n}.html</loc></url>\n" for n in range(self.extra_articles)
                )
                text = text.replace("</urlset>", rows + "</urlset>")
            return text.encode(), TEMPLATES[path] + "; charset=utf-8", PUBLISHED, True
        if path == ATTACHMENT:
            return PDF.read_bytes(), "application/pdf", PUBLISHED, False  # Last-Modified only
        if path == HUGE:
            photos = "".join(
                f'<p><img src="/images/album/{n}.jpg" alt="Ảnh đại hội {n}"></p>\n'
                for n in range(self.huge_bytes // 50 + 1)
            )
            return self._page("<h2>Album ảnh</h2>" + photos), "text/html; charset=utf-8", PUBLISHED, True
        if path in self.changed:
            fragment, when = self.changed[path]
            return self._page(fragment), "text/html; charset=utf-8", when, True
        m = re.fullmatch(r"/tin-tuc/bai-so-(\d+)\.html", path)
        if m and int(m.group(1)) < self.extra_articles:
            return self._page(_generated(int(m.group(1)))), "text/html; charset=utf-8", PUBLISHED, True
        name = LISTINGS.get(path) or path.lstrip("/")
        file = (SITE / name).resolve()
        if SITE not in file.parents or not file.is_file() or file.suffix != ".html" or file.name.startswith("_"):
            return None
        return self._page(file.read_text("utf-8")), "text/html; charset=utf-8", PUBLISHED, True

    def _page(self, fragment: str) -> bytes:
        page = self.layout.replace("{title}", _title_of(fragment)).replace("{content}", fragment)
        return page.encode("utf-8")

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        record = Request(
            "GET",
            path,
            handler.headers.get("If-None-Match"),
            handler.headers.get("If-Modified-Since"),
            handler.headers.get("User-Agent"),
        )
        with self._lock:
            self.requests.append(record)
        if path == SLOW:
            time.sleep(self.slow_seconds)
        if path == REDIRECT:
            record.status = 302
            handler.send_response(302)
            handler.send_header("Location", self.elsewhere.base + "/bai-viet/cong-nhan-don-tet.html")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        with self._lock:
            found = self._content(path)
            gone = self.status.get(path, 404)
        if found is None:
            record.status = gone
            body = b"<html><body><h1>404 - Kh\xc3\xb4ng t\xc3\xacm th\xe1\xba\xa5y trang</h1></body></html>"
            handler.send_response(gone)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        body, content_type, modified, has_etag = found
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"' if has_etag else None
        modified = int(modified)
        if _not_modified(record, etag, modified):
            record.status = 304
            handler.send_response(304)
            if etag:
                handler.send_header("ETag", etag)
            handler.end_headers()
            return
        record.status = 200
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Last-Modified", formatdate(modified, usegmt=True))
        if etag:
            handler.send_header("ETag", etag)
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # a client that stopped reading (too large)
            pass


def _not_modified(request: Request, etag: str | None, modified: int) -> bool:
    if request.if_none_match is not None:  # RFC 9110: If-None-Match decides when present
        return etag is not None and etag in [t.strip() for t in request.if_none_match.split(",")]
    if request.if_modified_since:
        try:
            since = parsedate_to_datetime(request.if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


def _generated(n: int) -> str:
    """An article of the larger generated site that ``bench/harvest.py`` times."""
    day = n % 28 + 1
    return f"""<div class="item-page" itemscope itemtype="https://schema.org/Article">
  <div class="page-header">
    <h2 itemprop="headline">Công đoàn cơ sở số {n} tổ chức hội nghị người lao động năm 2024</h2>
  </div>
  <dl class="article-info muted"><dd class="create">Thứ hai, {day:02d} Tháng 3 2024 08:00</dd></dl>
  <div itemprop="articleBody">
    <p>Ngày {day}/3/2024, Công đoàn cơ sở số {n} phối hợp với lãnh đạo đơn vị tổ chức hội nghị người lao động năm 2024,
    thảo luận kế hoạch sản xuất, chế độ tiền lương, tiền thưởng và bảo hộ lao động cho {50 + n} người lao động.</p>
    <p>Hội nghị biểu quyết thông qua quy chế dân chủ ở cơ sở và bầu ban thanh tra nhân dân nhiệm kỳ mới./.</p>
    <p style="text-align: right;"><strong>Người viết {n} - LĐLĐ huyện Hữu Lũng</strong></p>
  </div>
</div>"""


class _Elsewhere:
    """Another host (another port): what the off-site redirect points to. It must never be asked."""

    def __init__(self):
        self.requests: list[str] = []

    def start(self) -> None:
        elsewhere = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                elsewhere.requests.append(self.path)
                body = b"<html><body><h1>Trang ngo\xc3\xa0i</h1></body></html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
