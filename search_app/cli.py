"""The one `tracuu` command (also `python -m search_app`): index, search, serve, user, token, settings.

The library does the work; this module parses options, reads the settings once, shows
progress and prints. Errors are one line in Vietnamese and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from pathlib import Path

import click

from search_app.engine.request import DEFAULT_SORT, MAX_PER_PAGE, SORTS
from search_app.settings import SETTINGS, Settings, SettingsError

_FOLDER = click.Path(file_okay=False, path_type=Path)


def _settings(**overrides) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def data_option(command):
    return click.option(
        "--data", "data_dir", type=_FOLDER, default=None, help="Thư mục dữ liệu (mặc định: $TRACUU_DATA)."
    )(command)


def index_option(command):
    return click.option(
        "--index", "index_dir", type=_FOLDER, default=None, help="Thư mục chỉ mục (mặc định: <data>/index)."
    )(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """tracuu: tra cứu văn bản, tin tức Công đoàn."""


@cli.command("index")
@data_option
@index_option
@click.option("--rebuild", is_flag=True, help="Lập lại chỉ mục từ đầu (chỉ mục cũ vẫn phục vụ đến khi xong).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Số tiến trình tách từ (mặc định: số lõi).")
@click.option("--wait", type=click.FloatRange(0), default=0, help="Số giây chờ nếu đang có lần lập chỉ mục khác.")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
def index_command(data_dir, index_dir, rebuild, workers, wait, sources) -> None:
    """Thêm tài liệu mới, cập nhật tài liệu đã sửa, xoá tài liệu không còn trong SOURCES."""
    from tqdm import tqdm

    from indexer.index.build import IndexBusy, SourcesMissing, build_index

    settings = _settings(data=data_dir, index=index_dir)
    bar = tqdm(total=0, unit=" tài liệu", desc="Lập chỉ mục", disable=None, file=sys.stderr)
    try:
        report = build_index(
            sources,
            settings.index_dir,
            rebuild=rebuild,
            workers=workers or settings.index_workers or None,
            pool_mb=settings.index_pool_mb,
            wait=wait,
            progress=bar.update,
            on_total=lambda n: bar.reset(total=n),
        )
    except (IndexBusy, SourcesMissing) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        bar.close()
    for error in report.errors:
        click.echo(f"Bỏ qua {error.path}: {error.reason}", err=True)
    click.echo(
        f"Xong sau {report.seconds:.1f} giây: thêm {report.added}, cập nhật {report.updated}, "
        f"xoá {report.removed}, giữ nguyên {report.unchanged}, lỗi {len(report.errors)}."
    )
    if report.errors:
        sys.exit(1)  # the rest is indexed; a script (cron) still learns that something was skipped


@cli.command("search")
@data_option
@index_option
@click.option("--unit", "units", multiple=True, help="Đơn vị (tên, tên viết tắt hoặc mã), có thể lặp lại.")
@click.option("--type", "types", multiple=True, help="Loại văn bản (vd. 'nghị quyết', NQ), có thể lặp lại.")
@click.option("--from", "date_from", help="Từ ngày (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Đến ngày (YYYY-MM-DD).")
@click.option("--sort", type=click.Choice(list(SORTS)), default=DEFAULT_SORT, help="Cách sắp xếp.")
@click.option("--limit", type=click.IntRange(1, MAX_PER_PAGE), default=10, help=f"Số kết quả (1-{MAX_PER_PAGE}).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (như /api/search).")
@click.argument("query", nargs=-1)
def search_command(data_dir, index_dir, units, types, date_from, date_to, sort, limit, as_json, query) -> None:
    """Tìm kiếm QUERY (có dấu hoặc không dấu, số hiệu văn bản, chữ viết tắt)."""
    from indexer.index.build import IndexMissing
    from search_app.engine import Engine, QueryError, SearchRequest, parse_date

    settings = _settings(data=data_dir, index=index_dir)
    try:
        request = SearchRequest(
            q=" ".join(query),
            units=units,
            types=types,
            date_from=parse_date(date_from),
            date_to=parse_date(date_to),
            sort=sort,
            per_page=limit,
        )
        engine = Engine(settings.index_dir, result_cache=0, postings_cache_mb=settings.postings_cache_mb)
        result = engine.search(request)
    except (QueryError, IndexMissing) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.total} kết quả ({result.took_ms:.0f} ms)")
    if result.relaxed:
        click.echo("Không có tài liệu chứa đủ các từ; hiển thị tài liệu chứa một phần.")
    if result.suggestion:
        click.echo(f"Có phải bạn muốn tìm: {result.suggestion}")
    for n, hit in enumerate(result.hits, start=1):
        meta = " · ".join(x for x in (hit.date, hit.unit, hit.type_label, hit.number) if x)
        click.echo(f"\n{n}. {hit.title}\n   {meta}\n   {_plain(hit.snippet)}")


def _plain(html_text: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", html_text))


@cli.command("serve")
@data_option
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=min(os.cpu_count() or 1, 4),
    show_default="số nhân CPU, tối đa 4",
    type=click.IntRange(1, 32),
    help="Số tiến trình phục vụ.",
)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Số luồng mỗi tiến trình.")
@click.option(
    "--corpus",
    type=click.Path(path_type=Path),
    default=None,
    help="Thư mục tài liệu dùng để lập chỉ mục lần đầu (mặc định: $TRACUU_CORPUS hoặc mẫu kèm theo).",
)
def serve_command(data_dir, index_dir, host, port, workers, threads, corpus) -> None:
    """Chạy trang tra cứu (gunicorn); lập chỉ mục từ CORPUS nếu chưa có."""
    from indexer.index.build import build_index, index_exists
    from search_app.web import create_app
    from search_app.web.server import serve

    settings = _settings(data=data_dir, index=index_dir, corpus=corpus)
    if not index_exists(settings.index_dir):
        click.echo(f"Chưa có chỉ mục; đang lập chỉ mục từ {settings.corpus} …")
        report = build_index(
            [settings.corpus],
            settings.index_dir,
            workers=settings.index_workers or None,
            pool_mb=settings.index_pool_mb,
            wait=600,
        )
        click.echo(f"Đã lập chỉ mục {report.added} tài liệu.")
    app = create_app(settings)
    click.echo(f"Đang phục vụ tại http://{host}:{port}/ ({workers} tiến trình × {threads} luồng)")
    serve(app, host=host, port=port, workers=workers, threads=threads)


@cli.group("user")
def user_group() -> None:
    """Tài khoản quản trị."""


def _account_change(data_dir, action: str, name: str, change) -> None:
    """Run an account or token change, audited, with its error as one line."""
    from search_app.web import audit
    from search_app.web.accounts import AccountError

    data = _settings(data=data_dir).data
    try:
        change(data)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record(data, "dòng lệnh", action, detail=name)


@user_group.command("add")
@data_option
@click.argument("name")
@click.password_option("--password", prompt="Mật khẩu", confirmation_prompt="Nhập lại mật khẩu")
def user_add(data_dir, name, password) -> None:
    """Tạo tài khoản NAME (hoặc đặt lại mật khẩu; mọi phiên đăng nhập cũ kết thúc)."""
    from search_app.web.accounts import add_user

    _account_change(data_dir, "user-add", name, lambda data: add_user(data, name, password))
    click.echo(f"Đã lưu tài khoản {name}.")


@user_group.command("passwd")
@data_option
@click.argument("name")
@click.password_option("--password", prompt="Mật khẩu mới", confirmation_prompt="Nhập lại mật khẩu")
def user_passwd(data_dir, name, password) -> None:
    """Đổi mật khẩu tài khoản NAME; mọi phiên đăng nhập của tài khoản kết thúc."""
    from search_app.web.accounts import AccountError, add_user, user_exists

    def change(data):
        if not user_exists(data, name):
            raise AccountError(f"Không có tài khoản {name}.")
        add_user(data, name, password)

    _account_change(data_dir, "user-passwd", name, change)
    click.echo(f"Đã đổi mật khẩu của {name}; các phiên đăng nhập cũ đã kết thúc.")


@user_group.command("remove")
@data_option
@click.argument("name")
def user_remove(data_dir, name) -> None:
    """Xoá tài khoản NAME; mọi phiên đăng nhập của tài khoản kết thúc ngay."""
    from search_app.web.accounts import remove_user

    _account_change(data_dir, "user-remove", name, lambda data: remove_user(data, name))
    click.echo(f"Đã xoá tài khoản {name}.")


@cli.group("token")
def token_group() -> None:
    """Token cho API nạp tài liệu."""


@token_group.command("add")
@data_option
@click.argument("name")
def token_add(data_dir, name) -> None:
    """Tạo token mới tên NAME; token chỉ hiện một lần."""
    from search_app.web.accounts import add_token

    made = []
    _account_change(data_dir, "token-add", name, lambda data: made.append(add_token(data, name)))
    click.echo(made[0])


@token_group.command("list")
@data_option
def token_list(data_dir) -> None:
    """Liệt kê các token (tên và ngày tạo; không bao giờ in token)."""
    from search_app.web.accounts import list_tokens

    for entry in list_tokens(_settings(data=data_dir).data):
        click.echo(f"{entry['name']}\t{entry['created']}")


@token_group.command("revoke")
@data_option
@click.argument("name")
def token_revoke(data_dir, name) -> None:
    """Thu hồi mọi token tên NAME: chúng không dùng được nữa."""
    from search_app.web.accounts import revoke_token

    _account_change(data_dir, "token-revoke", name, lambda data: revoke_token(data, name))
    click.echo(f"Đã thu hồi token {name}.")


@cli.command("settings")
def settings_command() -> None:
    """In các cài đặt (biến môi trường TRACUU_*) với giá trị đang dùng."""
    settings = _settings()
    for setting in SETTINGS:
        value = getattr(settings, setting.name)
        if setting.name == "secret_key" and value:
            value = "(đã đặt)"
        elif setting.name == "index":
            value = settings.index_dir
        click.echo(f"{setting.env}={'' if value is None else value}\n    {setting.help}")


def main() -> None:
    cli()
