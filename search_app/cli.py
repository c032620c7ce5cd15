"""The `tracuu` command: the indexer's commands plus `serve` (and staff commands)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from indexer.build import default_data_dir, index_exists
from indexer.cli import INDEX_OPTION, cli, resolve_index_dir
from search_app import BUNDLED_CORPUS


@cli.command("serve")
@INDEX_OPTION
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
    default=BUNDLED_CORPUS,
    show_default=True,
    help="Thư mục tài liệu dùng để lập chỉ mục lần đầu.",
)
def serve_command(index_dir, host, port, workers, threads, corpus) -> None:
    """Chạy trang tra cứu (gunicorn); lập chỉ mục từ CORPUS nếu chưa có."""
    from indexer.build import build_index
    from search_app import create_app
    from search_app.server import serve

    index_dir = resolve_index_dir(index_dir)
    if not index_exists(index_dir):
        click.echo(f"Chưa có chỉ mục; đang lập chỉ mục từ {corpus} …")
        report = build_index([corpus], index_dir, wait=600)
        click.echo(f"Đã lập chỉ mục {report.added} tài liệu.")
    app = create_app({"INDEX_DIR": str(index_dir), "DATA_DIR": str(default_data_dir()), "CORPUS_DIR": str(corpus)})
    click.echo(f"Đang phục vụ tại http://{host}:{port}/ ({workers} tiến trình × {threads} luồng)")
    serve(app, host=host, port=port, workers=workers, threads=threads)


def _data_dir(data_dir: Path | None) -> Path:
    return data_dir or default_data_dir()


DATA_OPTION = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Thư mục dữ liệu (mặc định: $TRACUU_DATA hoặc ~/.local/share/tracuu).",
)


@cli.group("user")
def user_group() -> None:
    """Tài khoản quản trị."""


@user_group.command("add")
@DATA_OPTION
@click.argument("name")
@click.password_option("--password", prompt="Mật khẩu", confirmation_prompt="Nhập lại mật khẩu")
def user_add(data_dir, name, password) -> None:
    """Tạo (hoặc đặt lại mật khẩu cho) tài khoản NAME."""
    from search_app.accounts import AccountError, add_user

    try:
        add_user(_data_dir(data_dir), name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Đã lưu tài khoản {name}.")


@cli.group("token")
def token_group() -> None:
    """Token cho API nạp tài liệu."""


@token_group.command("add")
@DATA_OPTION
@click.argument("name")
def token_add(data_dir, name) -> None:
    """Tạo token mới tên NAME; token chỉ hiện một lần."""
    from search_app.accounts import AccountError, add_token

    try:
        token = add_token(_data_dir(data_dir), name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(token)


def main() -> None:
    cli()
