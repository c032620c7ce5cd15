"""Every setting of tracuu in one table: its environment variable, default and help.

The environment is read here and nowhere else, once, by the app factory and the command line,
which pass the values down. A value that cannot be used, or a ``TRACUU_`` variable that is
not in the table (a typo), stops with one clear line instead of a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from indexer.documents.gazetteer import DEFAULT_PROVINCE
from indexer.harvest.config import FOLDER as HARVEST_FOLDER
from indexer.harvest.config import USER_AGENT as HARVEST_USER_AGENT
from indexer.harvest.config import HarvestConfig
from indexer.harvest.fetch import normal_url
from indexer.index.build import POOL_MB
from search_app.engine.arrays import DEFAULT_CACHE_MB
from search_app.engine.engine import DEFAULT_RESULT_CACHE

PREFIX = "TRACUU_"


class SettingsError(ValueError):
    """A setting with a value that cannot be used; the message names it, in Vietnamese."""


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _count(minimum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"cần một số nguyên ≥ {minimum}") from None
        if value < minimum:
            raise ValueError(f"cần một số nguyên ≥ {minimum}")
        return value

    return parse


def _base_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("cần một địa chỉ dạng https://tên-máy[/đường-dẫn]")
    return raw.strip().rstrip("/")


def _province(raw: str) -> str:
    from indexer.documents.gazetteer import GazetteerError, load_gazetteer

    try:
        return load_gazetteer(raw.strip()).province
    except GazetteerError as exc:
        raise ValueError(str(exc).rstrip(".")) from None


class Words(tuple):
    """A setting of several values, shown as it is written: separated by spaces."""

    def __str__(self) -> str:
        return " ".join(self)


def _urls(raw: str) -> Words:
    urls = raw.replace(",", " ").split()
    bad = [u for u in urls if normal_url(u) is None]
    if bad or not urls:
        raise ValueError(f"cần các địa chỉ http:// hoặc https:// cách nhau bởi dấu cách ({' '.join(bad)})")
    return Words(urls)


def _hosts(raw: str) -> Words:
    hosts = raw.replace(",", " ").lower().split()
    if not all(re.fullmatch(r"[a-z0-9.-]+(:\d{1,5})?", h) for h in hosts):
        raise ValueError("cần tên máy (có thể kèm :cổng) cách nhau bởi dấu cách")
    return Words(hosts)


def _seconds_value(minimum: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw.strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"cần một số giây ≥ {minimum:g}") from None
        if not value >= minimum:
            raise ValueError(f"cần một số giây ≥ {minimum:g}")
        return value

    return parse


def default_data_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "tracuu"


def bundled_corpus() -> Path:
    """The sample corpus: shipped in the package by ``pip install .``, else ``corpus/`` of the checkout."""
    installed = Path(str(resources.files("search_app"))) / "sample_corpus"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "corpus"  # an editable install runs from the checkout


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], object]
    default: Callable[[Mapping[str, str]], object]  # from the environment, so a default may follow another value
    help: str

    @property
    def env(self) -> str:
        return PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "data",
        _path,
        default_data_dir,
        "Thư mục dữ liệu: chỉ mục, tệp tải lên, tài khoản, token, nhật ký thay đổi.",
    ),
    Setting("index", _path, lambda env: None, "Thư mục chỉ mục."),
    Setting("corpus", _path, lambda env: bundled_corpus(), "Thư mục tài liệu để `tracuu serve` lập chỉ mục lần đầu."),
    Setting(
        "province",
        _province,
        lambda env: DEFAULT_PROVINCE,
        "Tỉnh của Liên đoàn Lao động chạy dịch vụ: “LĐLĐ tỉnh”, “Công đoàn tỉnh”, số hiệu “…/KH-LĐLĐ” chỉ "
        "đơn vị của tỉnh này trong văn bản của chính Liên đoàn hoặc văn bản nêu tên tỉnh "
        "(đổi thì lập lại chỉ mục: `tracuu index --rebuild`).",
    ),
    Setting(
        "result_cache",
        _count(0),
        lambda env: DEFAULT_RESULT_CACHE,
        "Số kết quả tìm kiếm gần đây giữ trong bộ nhớ mỗi tiến trình (0: tắt).",
    ),
    Setting(
        "postings_cache_mb",
        _count(1),
        lambda env: DEFAULT_CACHE_MB,
        "MB dữ liệu chỉ mục (cột; postings của chỉ mục cũ chưa có tệp .tpk) giữ trong bộ nhớ mỗi tiến trình.",
    ),
    Setting(
        "index_pool_mb",
        _count(1),
        lambda env: POOL_MB,
        "MB postings một tiến trình lập chỉ mục giữ trước khi ghi một phân đoạn mới.",
    ),
    Setting("index_workers", _count(0), lambda env: 0, "Số tiến trình lập chỉ mục (0: bằng số lõi CPU)."),
    Setting(
        "base_url",
        _base_url,
        lambda env: None,
        "Địa chỉ công khai của trang (vd. https://tracuu.ldld.vn): dùng cho mọi liên kết tuyệt đối; "
        "khi đặt, yêu cầu mang tên máy khác bị từ chối.",
    ),
    Setting(
        "proxy_hops",
        _count(0),
        lambda env: 0,
        "Số proxy ngược tin cậy phía trước (X-Forwarded-For/-Proto): địa chỉ thật của người dùng và https.",
    ),
    Setting(
        "secret_key", str, lambda env: None, "Khoá ký phiên đăng nhập; không đặt thì tạo một lần, lưu trong <data>."
    ),
    # --- harvesting the federation's website (indexer/harvest) ---
    Setting(
        "harvest_start",
        _urls,
        lambda env: None,
        "Các địa chỉ bắt đầu thu thập bài từ trang web của Liên đoàn (sitemap.xml, nguồn tin RSS/Atom, trang "
        "danh mục), cách nhau bởi dấu cách; chỉ thu thập trên các máy chủ của chúng.",
    ),
    Setting(
        "harvest_hosts",
        _hosts,
        lambda env: None,
        "Các máy chủ khác được phép thu thập (vd. www.ldld.vn hoặc máy chủ tệp đính kèm), cách nhau bởi dấu cách.",
    ),
    Setting(
        "harvest_delay",
        _seconds_value(0),
        lambda env: 1.0,
        "Số giây chờ giữa hai yêu cầu tới trang web (lâu hơn nếu robots.txt đòi Crawl-delay).",
    ),
    Setting("harvest_timeout", _seconds_value(0.1), lambda env: 30.0, "Số giây tối đa cho một trang hoặc tệp."),
    Setting("harvest_max_mb", _count(1), lambda env: 10, "MB tối đa của một trang hoặc tệp; lớn hơn thì bỏ qua."),
    Setting(
        "harvest_max_pages",
        _count(1),
        lambda env: 2000,
        "Số yêu cầu tối đa trong một lần thu thập; phần còn lại để lần sau.",
    ),
    Setting(
        "harvest_user_agent",
        str,
        lambda env: HARVEST_USER_AGENT,
        "User-Agent gửi tới trang web khi thu thập (nên có địa chỉ liên hệ).",
    ),
)


@dataclass(frozen=True)
class Settings:
    data: Path
    index: Path | None
    corpus: Path
    province: str
    result_cache: int
    postings_cache_mb: int
    index_pool_mb: int
    index_workers: int
    base_url: str | None
    proxy_hops: int
    secret_key: str | None
    harvest_start: tuple[str, ...] | None
    harvest_hosts: tuple[str, ...] | None
    harvest_delay: float
    harvest_timeout: float
    harvest_max_mb: int
    harvest_max_pages: int
    harvest_user_agent: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """The settings from ``environ`` (default: this process's), then ``overrides`` (None keeps a value)."""
        environ = os.environ if environ is None else environ
        known = {s.env for s in SETTINGS}
        unknown = sorted(k for k in environ if k.startswith(PREFIX) and k not in known)
        if unknown:
            raise SettingsError(
                f"Biến môi trường không có trong cài đặt: {', '.join(unknown)}. "
                f"Các biến hợp lệ: {', '.join(sorted(known))}."
            )
        values = {}
        for setting in SETTINGS:
            raw = environ.get(setting.env)
            if raw is None or raw == "":
                values[setting.name] = setting.default(environ)
                continue
            try:
                values[setting.name] = setting.parse(raw)
            except ValueError as exc:
                raise SettingsError(f"{setting.env}={raw!r} không dùng được: {exc}.") from None
        return cls(**values).with_values(**overrides)

    def with_values(self, **changes) -> Settings:
        """A copy with some values set (None leaves a value as it is)."""
        names = {f.name for f in fields(self)}
        wrong = sorted(set(changes) - names)
        if wrong:
            raise SettingsError(f"Không có cài đặt {', '.join(wrong)}.")
        given = {k: (Path(v) if k in ("data", "index", "corpus") else v) for k, v in changes.items() if v is not None}
        return replace(self, **given)

    @property
    def index_dir(self) -> Path:
        return self.index or self.data / "index"

    @property
    def uploads_dir(self) -> Path:
        """Where staff uploads and typed-in articles are kept (never in the source tree)."""
        return self.data / "tai-len"

    def harvest_config(self) -> HarvestConfig:
        """What ``tracuu harvest`` and the staff page's harvest are told (see ``indexer.harvest``)."""
        return HarvestConfig(
            folder=self.data / HARVEST_FOLDER,
            start=tuple(self.harvest_start or ()),
            hosts=tuple(self.harvest_hosts or ()),
            delay=self.harvest_delay,
            timeout=self.harvest_timeout,
            max_bytes=self.harvest_max_mb * 1024 * 1024,
            max_pages=self.harvest_max_pages,
            user_agent=self.harvest_user_agent,
        )


def settings_table() -> str:
    """The settings as the Markdown table of the README (a test keeps the two the same)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    shown = {"data": "`~/.local/share/tracuu`", "corpus": "the bundled sample", "index": "`<data>/index`"}
    for s in SETTINGS:
        default = shown.get(s.name) or (f"`{s.default({})}`" if s.default({}) is not None else "—")
        rows.append(f"| `{s.env}` | {default} | {s.help} |")
    return "\n".join(rows)
