"""The `tracuu index` and `tracuu search` commands: parse arguments, show progress, print."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
from tqdm import tqdm

from indexer.build import IndexBusy, IndexMissing, build_index, default_index_dir, open_index
from indexer.search import QueryError, SearchRequest, parse_date, search

INDEX_OPTION = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Thư mục chỉ mục (mặc định: $TRACUU_DATA/index hoặc ~/.local/share/tracuu/index).",
)


def resolve_index_dir(index_dir: Path | None) -> Path:
    return index_dir or default_index_dir()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """tracuu: tra cứu văn bản, tin tức Công đoàn."""


@cli.command("index")
@INDEX_OPTION
@click.option("--rebuild", is_flag=True, help="Lập lại chỉ mục từ đầu (chỉ mục cũ vẫn phục vụ đến khi xong).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Số tiến trình tách từ (mặc định: số lõi).")
@click.option("--wait", type=click.FloatRange(0), default=0, help="Số giây chờ nếu đang có lần lập chỉ mục khác.")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
def index_command(index_dir, rebuild, workers, wait, sources) -> None:
    """Thêm tài liệu mới, cập nhật tài liệu đã sửa, xoá tài liệu không còn trong SOURCES."""
    index_dir = resolve_index_dir(index_dir)
    bar = tqdm(total=0, unit=" tài liệu", desc="Lập chỉ mục", disable=None, file=sys.stderr)

    def on_total(n: int) -> None:
        bar.reset(total=n)

    try:
        report = build_index(
            sources, index_dir, rebuild=rebuild, workers=workers, wait=wait, progress=bar.update, on_total=on_total
        )
    except IndexBusy as exc:
        bar.close()
        raise click.ClickException(str(exc)) from None
    finally:
        bar.close()
    for error in report.errors:
        click.echo(f"Bỏ qua {error.path}: {error.reason}", err=True)
    click.echo(
        f"Xong sau {report.seconds:.1f} giây: thêm {report.added}, cập nhật {report.updated}, "
        f"xoá {report.removed}, giữ nguyên {report.unchanged}, lỗi {len(report.errors)}."
    )


@cli.command("search")
@INDEX_OPTION
@click.option("--unit", "units", multiple=True, help="Đơn vị (tên, tên viết tắt hoặc mã), có thể lặp lại.")
@click.option("--type", "types", multiple=True, help="Loại văn bản (vd. 'nghị quyết', NQ), có thể lặp lại.")
@click.option("--from", "date_from", help="Từ ngày (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Đến ngày (YYYY-MM-DD).")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@click.option("--limit", type=click.IntRange(1, 100), default=10, help="Số kết quả (1-100).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.argument("query", nargs=-1)
def search_command(index_dir, units, types, date_from, date_to, sort, limit, as_json, query) -> None:
    """Tìm kiếm QUERY (có dấu hoặc không dấu, số hiệu văn bản, chữ viết tắt)."""
    try:
        request = SearchRequest(
            q=" ".join(query),
            units=list(units),
            types=list(types),
            date_from=parse_date(date_from),
            date_to=parse_date(date_to),
            sort=sort,
            per_page=limit,
        )
        ix = open_index(resolve_index_dir(index_dir))
        with ix.searcher() as searcher:
            result = search(searcher, request)
    except (QueryError, IndexMissing) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result_json(result), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.total} kết quả ({result.took_ms:.0f} ms)")
    if result.relaxed:
        click.echo("Không có tài liệu chứa đủ các từ; hiển thị tài liệu chứa một phần.")
    if result.suggestion:
        click.echo(f"Có phải bạn muốn tìm: {result.suggestion}")
    for n, hit in enumerate(result.hits, start=1):
        meta = " · ".join(x for x in (hit.date, hit.unit, hit.type_label, hit.number) if x)
        click.echo(f"\n{n}. {hit.title}\n   {meta}\n   {plain(hit.snippet)}")


def plain(html_text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"</?mark>", "", html_text))


def result_json(result) -> dict:
    """The JSON shape shared by `tracuu search --json` and the API."""
    return {
        "total": result.total,
        "hits": [
            {
                "id": h.id,
                "title": h.title,
                "date": h.date,
                "unit": h.unit,
                "type": h.type,
                "numbers": h.numbers,
                "score": h.score,
                "snippet": h.snippet,
                "url": h.url,
            }
            for h in result.hits
        ],
        "facets": {name: [asdict(v) for v in values] for name, values in result.facets.items()},
        "suggestion": result.suggestion,
        "relaxed": result.relaxed,
    }


def main() -> None:
    cli()
