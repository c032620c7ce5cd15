"""Polite HTTP for the harvester: one request at a time, limited, conditional, only to the site.

``PoliteClient.get`` asks for one address with httpx and returns a ``Fetched`` (200 with the
body, 304, 404, 410 …) or raises ``FetchError`` with the reason in Vietnamese. Around each request:

- only the configured hosts (host and port), and only what their robots.txt allows;
- a delay since the previous request (the larger of ours and the site's ``Crawl-delay``);
- a clear User-Agent;
- ``If-None-Match`` / ``If-Modified-Since`` from what the last run was told, so an unchanged
  page costs a 304 and no body;
- redirects followed by hand (at most 5), each new address checked like the first: a redirect to
  another host is refused, never followed;
- a size limit (Content-Length, then counted while reading: a larger answer is dropped) and a
  time limit for the whole answer, not only between two packets;
- connection failures retried by httpx's transport, and 429/502/503/504 retried twice with a
  growing pause.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from indexer.documents.limits import mb
from indexer.harvest.robots import RobotsRules

MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 502, 503, 504)
RETRIES = 2


class FetchError(Exception):
    """An address that could not be fetched; the message says why, in Vietnamese.

    An answer refused for its size keeps its validators, so the next run asks conditionally and
    a 304 says it is still the same refused answer, without downloading it again.
    """

    def __init__(self, message: str, etag: str | None = None, last_modified: str | None = None):
        super().__init__(message)
        self.etag = etag
        self.last_modified = last_modified


@dataclass
class Fetched:
    url: str  # as asked
    final_url: str  # after redirects on the site
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # of a redirect


def normal_url(url: str, base: str | None = None) -> str | None:
    """An http(s) address without its fragment, host in lower case, default port dropped; else None."""
    try:
        parts = urlsplit(urljoin(base, url.strip()) if base else url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if port and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    """host[:port] of a normal address."""
    return urlsplit(url).netloc


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PoliteClient:
    """One request at a time to the allowed hosts, as the module says."""

    def __init__(
        self,
        hosts: frozenset[str],
        *,
        user_agent: str,
        delay: float,
        timeout: float,
        max_bytes: int,
        robots: Callable[[str], RobotsRules] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.hosts = hosts
        self.delay = delay
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.robots = robots  # origin -> its rules (the caller fetches and keeps robots.txt)
        self.requests = 0
        self._sleep = sleep
        self._last: float | None = None
        self._client = httpx.Client(
            transport=httpx.HTTPTransport(retries=2),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": user_agent, "Accept-Language": "vi,en;q=0.5"},
        )

    def close(self) -> None:
        self._client.close()

    def allowed_host(self, url: str) -> bool:
        return host_of(url) in self.hosts

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None, robots: bool = True):
        """The answer for ``url`` (following redirects on the site); FetchError when refused or failed."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            if not self.allowed_host(current):
                raise FetchError(f"địa chỉ ngoài trang được phép ({host_of(current)}): không tải")
            if robots and self.robots is not None and not self.robots(origin_of(current)).allows(current):
                raise FetchError("robots.txt của trang không cho phép tải địa chỉ này")
            fetched = self._get_once(current, etag, last_modified, robots)
            if fetched.status in (301, 302, 303, 307, 308):
                target = normal_url(fetched.location, current) if fetched.location else None
                if target is None:
                    raise FetchError(f"chuyển hướng (mã {fetched.status}) không có địa chỉ hợp lệ")
                if not self.allowed_host(target):
                    raise FetchError(f"chuyển hướng sang trang ngoài ({host_of(target)}): không theo")
                current = target
                continue
            fetched.url, fetched.final_url = url, current
            return fetched
        raise FetchError(f"chuyển hướng quá {MAX_REDIRECTS} lần")

    def _wait_turn(self, robots: bool, url: str) -> None:
        delay = self.delay
        if robots and self.robots is not None:
            delay = max(delay, self.robots(origin_of(url)).crawl_delay)
        if self._last is not None:
            left = self._last + delay - time.monotonic()
            if left > 0:
                self._sleep(left)

    def _get_once(self, url: str, etag, last_modified, robots: bool) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for attempt in range(RETRIES + 1):
            self._wait_turn(robots, url)
            try:
                fetched = self._request(url, headers)
            finally:
                self._last = time.monotonic()
            if fetched.status not in RETRY_STATUSES or attempt == RETRIES:
                return fetched
            self._sleep(max(self.delay, 1.0) * 2**attempt)
        return fetched  # pragma: no cover (the loop returns)

    def _request(self, url: str, headers: dict) -> Fetched:
        self.requests += 1
        deadline = time.monotonic() + self.timeout
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    return Fetched(url, url, status, location=response.headers.get("Location"))
                if status != 200:
                    return Fetched(url, url, status, etag=response.headers.get("ETag"))
                validators = response.headers.get("ETag"), response.headers.get("Last-Modified")
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    too_large = f"quá lớn ({_size(int(declared))}, tối đa {mb(self.max_bytes)}): bỏ qua"
                    raise FetchError(too_large, *validators)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(f"quá lớn (hơn {mb(self.max_bytes)}): bỏ qua", *validators)
                    if time.monotonic() > deadline:
                        raise FetchError(f"hết thời gian chờ (quá {_secs(self.timeout)} giây)")
                    chunks.append(chunk)
                return Fetched(
                    url,
                    url,
                    200,
                    b"".join(chunks),
                    response.headers.get("Content-Type", ""),
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                )
        except httpx.TimeoutException:
            raise FetchError(f"hết thời gian chờ (quá {_secs(self.timeout)} giây)") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"không kết nối được ({type(exc).__name__})") from None


def _secs(seconds: float) -> str:
    return f"{seconds:g}".replace(".", ",")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")
