"""The one `tracuu` command (also `python -m search_app`): index, search, serve, user, token, settings.

The library does the work; this module parses options, reads the settings once, shows
progress and prints. Everything it shows is Vietnamese, click's own words too; errors are one
line and a non-zero exit, never a traceback.

Click in Vietnamese. Click's words ("Usage:", "Options:", "Error: No such option", metavars such
as TEXT, "[default: …]") are English, passed through gettext. We do not ship a gettext catalogue:
gettext picks the language from the user's locale (a server's LANG=C brings English back), the
catalogue must be compiled and installed with the package, and a click release that rewords a
message silently falls back to English. Instead every word click shows goes through its public
extension points, and anything we did not foresee falls back to Vietnamese, never to English:

- help: ``_Context.formatter_class`` writes "Cách dùng:"; ``_Vietnamese`` (the base of our
  Command and Group classes) writes the section titles, the help option's text and the
  "[TUỲ_CHỌN]", "LỆNH [THAM_SỐ]..." metavars; ``_Option`` writes "[mặc định: …]" and has no
  English metavar (every option names its own, e.g. THƯ_MỤC);
- values: the parameter types below say in Vietnamese what they expect;
- errors: ``_Vietnamese.main`` runs click with ``standalone_mode=False`` (so the console script,
  ``python -m search_app`` and click's CliRunner all get it) and prints one Vietnamese line built
  from the exception's fields (the option's name, the parameter), not from click's English text.
"""

from __future__ import annotations

import errno
import html
import json
import os
import re
import shutil
import sys
from datetime import date
from pathlib import Path

import click

from indexer.documents import gazetteer
from indexer.documents.limits import count as _count
from search_app.dates import shown_date, shown_time
from search_app.engine.request import DEFAULT_SORT, MAX_PER_PAGE, SORTS
from search_app.settings import SETTINGS, Settings, SettingsError

# --- Click in Vietnamese -------------------------------------------------------------------------


class _Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "Cách dùng: " if prefix is None else prefix)


class _Context(click.Context):
    formatter_class = _Formatter


class _Said(click.UsageError):
    """A usage error whose message is already Vietnamese."""


class _Invalid(click.BadParameter):
    """A value one of our parameter types refused; the message says why, in Vietnamese."""


def _error_line(exc: click.ClickException) -> str:
    """One line in Vietnamese for an error raised by click or by this module."""
    if isinstance(exc, _Said | _Invalid) or not isinstance(exc, click.UsageError):
        message = exc.message  # ours: already Vietnamese
        if isinstance(exc, _Invalid):
            message = f"Giá trị của {_param_name(exc.param)} không hợp lệ: {message}."
    elif isinstance(exc, click.exceptions.NoSuchCommand):
        message = f"Không có lệnh '{exc.command_name}'.{_did_you_mean(exc.possibilities, quote=True)}"
    elif isinstance(exc, click.NoSuchOption):
        message = f"Không có tuỳ chọn {exc.option_name}.{_did_you_mean(exc.possibilities)}"
    elif isinstance(exc, click.MissingParameter):
        what = "tham số" if isinstance(exc.param, click.Argument) else "tuỳ chọn"
        message = f"Thiếu {what} {_param_name(exc.param)}."
    elif isinstance(exc, click.BadParameter):
        message = f"Giá trị của {_param_name(exc.param)} không hợp lệ."
    elif isinstance(exc, click.BadOptionUsage):
        option = _option_named(exc.ctx, exc.option_name)
        if option is not None and (option.is_flag or option.count):
            message = f"Tuỳ chọn {exc.option_name} không nhận giá trị."
        else:
            message = f"Tuỳ chọn {exc.option_name} cần một giá trị."
    elif exc.ctx is not None and isinstance(exc.ctx.command, click.Group):
        message = "Thiếu lệnh."  # click's one plain usage error of a group
    else:
        message = "Cách dùng không đúng."
    message = " ".join(message.split())  # one line, whatever a message held
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        message += f" Xem '{exc.ctx.command_path} --help'."
    return f"Lỗi: {message}"


def _param_name(param: click.Parameter | None) -> str:
    if param is None:
        return "tham số"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name.strip("[].")  # NGUỒN, not the usage line's NGUỒN...


def _option_named(ctx: click.Context | None, name: str) -> click.Option | None:
    if ctx is None:
        return None
    for param in ctx.command.get_params(ctx):
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _did_you_mean(possibilities: list[str] | None, quote: bool = False) -> str:
    if not possibilities:
        return ""
    names = ", ".join(f"'{p}'" if quote else p for p in sorted(possibilities))
    return f" Có phải ý bạn là {names}?" if len(possibilities) == 1 else f" Có phải ý bạn là một trong: {names}?"


_OS_ERRORS = {
    errno.EACCES: "không có quyền",
    errno.EPERM: "không được phép",
    errno.ENOSPC: "hết chỗ trên đĩa",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENOENT: "không tìm thấy",
    errno.ENOTDIR: "không phải thư mục",
    errno.EISDIR: "là thư mục",
}


def _os_error_line(exc: OSError) -> str:
    reason = _OS_ERRORS.get(exc.errno, f"lỗi hệ thống (mã {exc.errno})")
    return f"Lỗi: {exc.filename}: {reason}." if exc.filename else f"Lỗi: {reason}."


class _Vietnamese:
    """What click's Command and Group show, in Vietnamese (mixed in before them)."""

    context_class = _Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[TUỲ_CHỌN]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Hiện hướng dẫn này rồi thoát."
        return option

    def format_arguments(self, ctx, formatter) -> None:
        arguments = [p for p in self.get_params(ctx) if isinstance(p, click.Argument)]
        if any(getattr(a, "help", None) for a in arguments):
            with formatter.section("Tham số"):
                formatter.write_dl([(a.make_metavar(ctx), getattr(a, "help", None) or "") for a in arguments])

    def format_options(self, ctx, formatter) -> None:
        rows = [p.get_help_record(ctx) for p in self.get_params(ctx) if not isinstance(p, click.Argument)]
        if rows := [row for row in rows if row]:
            with formatter.section("Tuỳ chọn"):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_commands(self, ctx, formatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in commands if command is not None and not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            with formatter.section("Lệnh"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])

    def parse_args(self, ctx, args):
        given = list(args)  # click's parser consumes the list
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if exc.ctx is None:
                exc.ctx = ctx  # as click's augment_usage_errors does: its parser's errors come without
            if type(exc) is not click.UsageError or isinstance(self, click.Group):
                raise
            # click's one plain usage error of a command: arguments left over (its words are English)
            try:
                left = self.make_parser(ctx).parse_args(args=given)[1]
            except click.UsageError:
                left = []
            raise _Said(f"Thừa tham số: {' '.join(left)}." if left else "Thừa tham số.", ctx) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            returned = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help(), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(_error_line(exc), err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Đã huỷ.", err=True)
            sys.exit(1)
        except OSError as exc:  # a folder we may not write, a full disk: the person can fix it
            click.echo(_os_error_line(exc), err=True)
            sys.exit(1)
        sys.exit(returned if isinstance(returned, int) else 0)  # an int is the code of ctx.exit()


class _Command(_Vietnamese, click.Command):
    pass


class _Group(_Vietnamese, click.Group):
    command_class = _Command
    group_class = type  # subgroups are _Group too

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "LỆNH [THAM_SỐ]...")
        super().__init__(*args, **kwargs)


class _Option(click.Option):
    """An option whose help has no English: its own metavar, "[mặc định: …; từ 1 đến 64]"."""

    def make_metavar(self, ctx) -> str:
        if self.metavar is None and not isinstance(self.type, click.Choice):
            return "GIÁ_TRỊ"  # click's would be TEXT, INTEGER RANGE, DIRECTORY…
        return super().make_metavar(ctx)

    def get_help_record(self, ctx):
        if self.hidden:
            return None
        extra = self.get_help_extra(ctx)
        items = []
        if isinstance(self.show_default, str):
            items.append(f"mặc định: {self.show_default}")
        elif "default" in extra:
            items.append(f"mặc định: {extra['default']}")
        if isinstance(self.type, _IntRange | _FloatRange):
            items.append(self.type.described())
        elif "range" in extra:
            items.append(extra["range"])
        if "required" in extra:
            items.append("bắt buộc")
        if "envvars" in extra:
            items.append("biến môi trường: " + ", ".join(extra["envvars"]))
        text = self.help or ""
        if items:
            text = f"{text}  [{'; '.join(items)}]".strip()
        return self.get_help_spec(ctx), text


def option(*decls, **attrs):
    """``click.option`` with our Option class."""
    return click.option(*decls, cls=_Option, **attrs)


def _range_text(low, high) -> str:
    def shown(n):
        return f"{n:g}" if isinstance(n, float) else str(n)

    if low is not None and high is not None:
        return f"từ {shown(low)} đến {shown(high)}"
    if low is not None:
        return f"từ {shown(low)} trở lên"
    return f"đến {shown(high)}" if high is not None else ""


class _Range:
    """A number in a range, refused in Vietnamese (mixed into click's IntRange and FloatRange)."""

    noun = "một số"

    def described(self) -> str:
        return _range_text(self.min, self.max)

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            raise _Invalid(f"'{value}' không phải {self.noun} {self.described()}", ctx, param) from None


class _IntRange(_Range, click.IntRange):
    noun = "số nguyên"


class _FloatRange(_Range, click.FloatRange):
    pass


class _Choice(click.Choice):
    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            choices = ", ".join(map(str, self.choices))
            raise _Invalid(f"'{value}' không phải một trong: {choices}", ctx, param) from None


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


class _Date(click.ParamType):
    """A date as a person writes it here (21/03/2017) or as the API does (2017-03-21)."""

    name = "ngày"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            if found := _DMY.fullmatch(text):
                day, month, year = map(int, found.groups())
                return date(year, month, day)
            return date.fromisoformat(text)
        except ValueError:
            raise _Invalid(f"'{value}' không phải ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd", ctx, param) from None


# --- Shared options and what a person reads ------------------------------------------------------

_FOLDER = click.Path(file_okay=False, path_type=Path)


def _settings(**overrides) -> Settings:
    try:
        settings = Settings.from_env(**overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    gazetteer.configure(settings.province)
    return settings


def data_option(command):
    return option(
        "--data",
        "data_dir",
        type=_FOLDER,
        default=None,
        metavar="THƯ_MỤC",
        help="Thư mục dữ liệu (mặc định: $TRACUU_DATA).",
    )(command)


def index_option(command):
    return option(
        "--index",
        "index_dir",
        type=_FOLDER,
        default=None,
        metavar="THƯ_MỤC",
        help="Thư mục chỉ mục (mặc định: <data>/index).",
    )(command)


def password_option(command):
    return option(
        "--password",
        metavar="MẬT_KHẨU",
        default=None,
        help="Mật khẩu; không ghi thì được hỏi (chữ gõ không hiện ra).",
    )(command)


def _ask_password(prompt: str) -> str:
    """A password typed twice, unseen (click's own prompt would say its errors in English)."""
    unseen = sys.stdin.isatty()  # piped input is never shown; getpass would warn, in English
    while True:
        first = click.prompt(prompt, hide_input=unseen)
        if first == click.prompt("Nhập lại mật khẩu", hide_input=unseen):
            return first
        click.echo("Hai lần nhập không khớp; hãy nhập lại.", err=True)


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f}".replace(".", ",")


_PHASES = {
    "read": "Đang đọc tài liệu…",
    "wait": "Đang chờ lần lập chỉ mục khác xong…",
    "load": "Đang nạp bộ tách từ tiếng Việt…",
    "write": "Đang ghi chỉ mục…",
    "commit": "Đang lưu chỉ mục (commit)…",
}


class _IndexProgress:
    """What a build is doing, on standard error: a line as each phase starts and, on a
    terminal, a bar while documents are segmented ("Đang tách từ 1.234/5.678 tài liệu")."""

    def __init__(self):
        self.total = 0
        self.done = 0
        self.bar = None

    def on_total(self, n: int) -> None:
        self.total = n

    def on_phase(self, phase: str) -> None:
        self.close()
        if phase != "segment":
            if phase in _PHASES:
                click.echo(_PHASES[phase], err=True)
            return
        if not sys.stderr.isatty():  # a log: one line, not a bar redrawn
            click.echo(f"Đang tách từ {_count(self.total)} tài liệu…", err=True)
            return
        from tqdm import tqdm

        bar_format = "{desc} {bar} {percentage:3.0f}% [{elapsed}<{remaining}]"
        size = shutil.get_terminal_size()  # 80×24 where the terminal does not say (tqdm would draw nothing)
        self.bar = tqdm(
            total=self.total,
            desc=self._counted(),
            bar_format=bar_format,
            file=sys.stderr,
            ncols=size.columns,
            nrows=size.lines,
        )

    def progress(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.set_description_str(self._counted(), refresh=False)
            self.bar.update(n)

    def _counted(self) -> str:
        return f"Đang tách từ {_count(self.done)}/{_count(self.total)} tài liệu"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def options(self) -> dict:
        """The keyword arguments of ``build_index`` that report to this."""
        return {"progress": self.progress, "on_total": self.on_total, "on_phase": self.on_phase}


# --- Commands ------------------------------------------------------------------------------------


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """tracuu: tra cứu văn bản, tin tức Công đoàn."""


@cli.command("index")
@data_option
@index_option
@option("--rebuild", is_flag=True, help="Lập lại chỉ mục từ đầu (chỉ mục cũ vẫn phục vụ đến khi xong).")
@option(
    "--workers", type=_IntRange(1, 64), default=None, metavar="SỐ", help="Số tiến trình tách từ (mặc định: số lõi)."
)
@option(
    "--wait",
    type=_FloatRange(0),
    default=0,
    metavar="GIÂY",
    help="Số giây chờ nếu đang có lần lập chỉ mục khác (mặc định: 0, không chờ).",
)
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="NGUỒN...")
def index_command(data_dir, index_dir, rebuild, workers, wait, sources) -> None:
    """Thêm tài liệu mới, cập nhật tài liệu đã sửa, xoá tài liệu không còn trong NGUỒN.

    NGUỒN là thư mục (đọc cả thư mục con) hoặc tệp: .md, .txt, .html, .docx, .pdf, .jsonl, .jsonl.gz.
    """
    from indexer.index.build import IndexBusy, SourcesMissing, build_index
    from indexer.index.workers import WorkerFailed

    settings = _settings(data=data_dir, index=index_dir)
    shown = _IndexProgress()
    try:
        report = build_index(
            sources,
            settings.index_dir,
            rebuild=rebuild,
            workers=workers or settings.index_workers or None,
            pool_mb=settings.index_pool_mb,
            wait=wait,
            **shown.options(),
        )
    except (IndexBusy, SourcesMissing, WorkerFailed) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        shown.close()
    for error in report.errors:
        click.echo(f"Bỏ qua {error.path}: {error.reason}", err=True)
    if report.rebuilt:
        click.echo(report.rebuilt)
    click.echo(
        f"Xong sau {_seconds(report.seconds)} giây: thêm {_count(report.added)}, cập nhật {_count(report.updated)}, "
        f"xoá {_count(report.removed)}, giữ nguyên {_count(report.unchanged)}, lỗi {_count(len(report.errors))}."
    )
    if report.errors:
        sys.exit(1)  # the rest is indexed; a script (cron) still learns that something was skipped


_SORT_HELP = "Cách sắp xếp: " + ", ".join(f"{key} ({label.lower()})" for key, label in SORTS.items()) + "."


@cli.command("search")
@data_option
@index_option
@option("--unit", "units", multiple=True, metavar="ĐƠN_VỊ", help="Đơn vị (tên, tên viết tắt hoặc mã), có thể lặp lại.")
@option("--type", "types", multiple=True, metavar="LOẠI", help="Loại văn bản (vd. 'nghị quyết', NQ), có thể lặp lại.")
@option("--from", "date_from", type=_Date(), metavar="NGÀY", help="Từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd).")
@option("--to", "date_to", type=_Date(), metavar="NGÀY", help="Đến ngày (dd/mm/yyyy hoặc yyyy-mm-dd).")
@option("--sort", type=_Choice(list(SORTS)), default=DEFAULT_SORT, show_default=True, help=_SORT_HELP)
@option("--limit", type=_IntRange(1, MAX_PER_PAGE), default=10, show_default=True, metavar="SỐ", help="Số kết quả.")
@option("--exact", is_flag=True, help="Tìm đúng các từ đã gõ, không thay bằng từ đã sửa lỗi chính tả.")
@option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (như /api/search; ngày dạng yyyy-mm-dd).")
@click.argument("query", nargs=-1, metavar="[TỪ_KHOÁ]...")
def search_command(data_dir, index_dir, units, types, date_from, date_to, sort, limit, exact, as_json, query) -> None:
    """Tìm kiếm TỪ_KHOÁ (có dấu hoặc không dấu, số hiệu văn bản, chữ viết tắt)."""
    from indexer.index.build import IndexMissing
    from search_app.engine import Engine, QueryError, SearchRequest

    settings = _settings(data=data_dir, index=index_dir)
    try:
        request = SearchRequest(
            q=" ".join(query),
            units=units,
            types=types,
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            per_page=limit,
            exact=exact,
        )
        engine = Engine(settings.index_dir, result_cache=0, postings_cache_mb=settings.postings_cache_mb)
        result = engine.search(request)
    except (QueryError, IndexMissing) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{_count(result.total)} kết quả ({result.took_ms:.0f} ms)")
    if result.corrected:
        click.echo(f"Đang hiển thị kết quả cho: {result.corrected} (tìm chính xác “{result.corrected_from}”: --exact)")
    if result.relaxed:
        click.echo("Không có tài liệu chứa đủ các từ; hiển thị tài liệu chứa một phần.")
    if result.suggestion:
        click.echo(f"Có phải bạn muốn tìm: {result.suggestion}")
    for n, hit in enumerate(result.hits, start=1):
        meta = " · ".join(x for x in (shown_date(hit.date), hit.unit, hit.type_label, hit.number) if x)
        click.echo(f"\n{n}. {hit.title}\n   {meta}\n   {_plain(hit.snippet)}")


def _plain(html_text: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", html_text))


@cli.command("serve")
@data_option
@index_option
@option("--host", default="127.0.0.1", show_default=True, metavar="ĐỊA_CHỈ", help="Địa chỉ nghe.")
@option("--port", default=8000, show_default=True, type=_IntRange(1, 65535), metavar="CỔNG", help="Cổng nghe.")
@option(
    "--workers",
    default=min(os.cpu_count() or 1, 4),
    show_default="số nhân CPU, tối đa 4",
    type=_IntRange(1, 32),
    metavar="SỐ",
    help="Số tiến trình phục vụ.",
)
@option(
    "--threads",
    default=4,
    show_default=True,
    type=_IntRange(1, 64),
    metavar="SỐ",
    help="Số luồng mỗi tiến trình.",
)
@option(
    "--corpus",
    type=click.Path(path_type=Path),
    default=None,
    metavar="THƯ_MỤC",
    help="Thư mục tài liệu dùng để lập chỉ mục lần đầu (mặc định: $TRACUU_CORPUS hoặc mẫu kèm theo).",
)
def serve_command(data_dir, index_dir, host, port, workers, threads, corpus) -> None:
    """Chạy trang tra cứu (gunicorn); chưa có chỉ mục thì lập từ --corpus trước."""
    from indexer.index.build import build_index, index_exists
    from search_app.web import create_app
    from search_app.web.server import CannotListen, bind, serve

    settings = _settings(data=data_dir, index=index_dir, corpus=corpus)
    try:
        listener = bind(host, port)  # first: a busy port is said before minutes of indexing
    except CannotListen as exc:
        what = "cổng" if exc.option == "port" else "địa chỉ"
        raise click.ClickException(f"{exc.reason}; chọn {what} khác bằng --{exc.option}.") from None
    if not index_exists(settings.index_dir):
        click.echo(f"Chưa có chỉ mục; đang lập chỉ mục từ {settings.corpus}…", err=True)
        shown = _IndexProgress()
        try:
            report = build_index(
                [settings.corpus],
                settings.index_dir,
                workers=settings.index_workers or None,
                pool_mb=settings.index_pool_mb,
                wait=600,
                **shown.options(),
            )
        finally:
            shown.close()
        click.echo(f"Đã lập chỉ mục {_count(report.added)} tài liệu.")
    app = create_app(settings)
    address = f"[{host}]" if ":" in host else host

    def ready() -> None:
        click.echo(f"Đang phục vụ tại http://{address}:{port}/ ({workers} tiến trình × {threads} luồng)")

    serve(app, listener, workers=workers, threads=threads, on_ready=ready)


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
@click.argument("name", metavar="TÊN")
@password_option
def user_add(data_dir, name, password) -> None:
    """Tạo tài khoản TÊN (hoặc đặt lại mật khẩu; mọi phiên đăng nhập cũ kết thúc)."""
    from search_app.web.accounts import add_user

    if password is None:
        password = _ask_password("Mật khẩu")
    _account_change(data_dir, "user-add", name, lambda data: add_user(data, name, password))
    click.echo(f"Đã lưu tài khoản {name}.")


@user_group.command("passwd")
@data_option
@click.argument("name", metavar="TÊN")
@password_option
def user_passwd(data_dir, name, password) -> None:
    """Đổi mật khẩu tài khoản TÊN; mọi phiên đăng nhập của tài khoản kết thúc."""
    from search_app.web.accounts import AccountError, add_user, user_exists

    def change(data):
        if not user_exists(data, name):
            raise AccountError(f"Không có tài khoản {name}.")
        add_user(data, name, password)

    if password is None:
        if not user_exists(_settings(data=data_dir).data, name):  # said before a password is asked for
            raise click.ClickException(f"Không có tài khoản {name}.")
        password = _ask_password("Mật khẩu mới")
    _account_change(data_dir, "user-passwd", name, change)
    click.echo(f"Đã đổi mật khẩu của {name}; các phiên đăng nhập cũ đã kết thúc.")


@user_group.command("remove")
@data_option
@click.argument("name", metavar="TÊN")
def user_remove(data_dir, name) -> None:
    """Xoá tài khoản TÊN; mọi phiên đăng nhập của tài khoản kết thúc ngay."""
    from search_app.web.accounts import remove_user

    _account_change(data_dir, "user-remove", name, lambda data: remove_user(data, name))
    click.echo(f"Đã xoá tài khoản {name}.")


@cli.group("token")
def token_group() -> None:
    """Token cho API nạp tài liệu."""


@token_group.command("add")
@data_option
@click.argument("name", metavar="TÊN")
def token_add(data_dir, name) -> None:
    """Tạo token mới tên TÊN; token chỉ hiện một lần."""
    from search_app.web.accounts import add_token

    made = []
    _account_change(data_dir, "token-add", name, lambda data: made.append(add_token(data, name)))
    click.echo(made[0])


@token_group.command("list")
@data_option
def token_list(data_dir) -> None:
    """Liệt kê các token (tên và lúc tạo; không bao giờ in token)."""
    from search_app.web.accounts import list_tokens

    for entry in list_tokens(_settings(data=data_dir).data):
        click.echo(f"{entry['name']}\t{shown_time(entry['created'])}")


@token_group.command("revoke")
@data_option
@click.argument("name", metavar="TÊN")
def token_revoke(data_dir, name) -> None:
    """Thu hồi mọi token tên TÊN: chúng không dùng được nữa."""
    from search_app.web.accounts import revoke_token

    _account_change(data_dir, "token-revoke", name, lambda data: revoke_token(data, name))
    click.echo(f"Đã thu hồi token {name}.")


_EVERY = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


class _Interval(click.ParamType):
    """How long between two runs: 90s, 30m, 1h, 1h30m, 1d."""

    name = "khoảng"

    def convert(self, value, param, ctx):
        if isinstance(value, int | float):
            return value
        found = _EVERY.fullmatch(str(value).strip().lower())
        if not found or not any(found.groups()):
            raise _Invalid(f"'{value}' không phải khoảng thời gian như 30m, 1h, 1h30m, 1d", ctx, param)
        days, hours, minutes, seconds = (int(n or 0) for n in found.groups())
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        if total < 1:
            raise _Invalid(f"'{value}' quá ngắn", ctx, param)
        return total


def _harvest_once(settings: Settings, config) -> int:
    """One harvest, with a line as each phase starts and one line at the end; the exit code."""
    from indexer.harvest import HarvestBusy, HarvestError, harvest
    from indexer.harvest.history import PHASES

    def said(phase: str) -> None:
        if phase in ("discover", "fetch", "index"):
            click.echo(PHASES[phase], err=True)

    try:
        report = harvest(
            config,
            settings.index_dir,
            build_options={"workers": settings.index_workers or None, "pool_mb": settings.index_pool_mb},
            on_phase=said,
        )
    except (HarvestBusy, HarvestError) as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        return 1
    for error in report.errors:
        click.echo(f"Bỏ qua {error['url']}: {error['reason']}", err=True)
    click.echo(f"[{shown_time(report.started)}] {report.summary()}")
    return 1 if report.errors or report.outcome == "failed" else 0


@cli.command("harvest")
@data_option
@index_option
@option(
    "--start",
    "starts",
    multiple=True,
    metavar="ĐỊA_CHỈ",
    help="Địa chỉ bắt đầu (sitemap.xml, nguồn tin RSS/Atom, trang danh mục), có thể lặp lại "
    "(mặc định: $TRACUU_HARVEST_START).",
)
@option("--every", type=_Interval(), default=None, metavar="KHOẢNG", help="Chạy lại sau mỗi KHOẢNG (vd. 30m, 1h, 1d).")
@option("--pending", is_flag=True, help="Liệt kê các trang không còn trên trang web, đang chờ xác nhận gỡ.")
@option(
    "--confirm-removal",
    "confirm",
    multiple=True,
    metavar="ĐỊA_CHỈ",
    help="Xác nhận gỡ tài liệu của trang ĐỊA_CHỈ (đang chờ xác nhận gỡ), có thể lặp lại.",
)
@option("--confirm-removals", "confirm_all", is_flag=True, help="Xác nhận gỡ mọi trang đang chờ xác nhận gỡ.")
def harvest_command(data_dir, index_dir, starts, every, pending, confirm, confirm_all) -> None:
    """Thu thập bài mới và bài đã sửa từ trang web của Liên đoàn vào chỉ mục.

    Mỗi lần: đọc robots.txt, sơ đồ trang, nguồn tin và trang danh mục; chỉ tải trang mới hoặc đã đổi
    (hỏi kèm ETag/Last-Modified); lưu một lần. Trang không còn (404/410) được liệt kê chờ xác nhận gỡ,
    không bao giờ tự gỡ. Chạy định kỳ: --every 1h, hoặc một dòng cron/systemd (xem README).
    """
    import time as clock

    from indexer.harvest import HarvestBusy, HarvestError, confirm_removal, pending_removals

    settings = _settings(data=data_dir, index=index_dir, harvest_start=list(starts) or None)
    config = settings.harvest_config()
    if pending or confirm or confirm_all:
        waiting = pending_removals(config)
        if pending:
            for page in waiting:
                click.echo(f"{page['url']}\t{page['title']}\t(từ {shown_time(page['since'] or '')})")
            if not waiting:
                click.echo("Không có trang nào chờ xác nhận gỡ.")
        urls = [page["url"] for page in waiting] if confirm_all else list(confirm)
        for url in urls:
            try:
                title = confirm_removal(config, settings.index_dir, url)
            except (HarvestBusy, HarvestError) as exc:
                raise click.ClickException(f"{url}: {exc}") from None
            from search_app.web import audit

            audit.record(settings.data, "dòng lệnh", "harvest-remove", title=title, detail=url)
            click.echo(f"Đã gỡ: {title} ({url})")
        return
    if not config.start:
        raise click.ClickException("Chưa có địa chỉ bắt đầu: đặt TRACUU_HARVEST_START hoặc dùng --start.")
    if every is None:
        sys.exit(_harvest_once(settings, config))
    click.echo(f"Thu thập mỗi {every} giây; Ctrl+C để dừng.", err=True)
    try:
        while True:
            _harvest_once(settings, config)
            clock.sleep(every)
    except KeyboardInterrupt:
        click.echo("Đã dừng.", err=True)


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
    cli()  # _Vietnamese.main says click's errors in Vietnamese and exits
