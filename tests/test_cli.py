"""The `tracuu` command line through click's CliRunner and as a process, on real indexes.

Everything it says is Vietnamese, click's own words too; errors are one line and a non-zero exit.
"""

import json
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request

import click
import pytest
from click.testing import CliRunner

from indexer.index.build import INLINE_LIMIT
from search_app.cli import cli

from conftest import write_doc, write_jsonl
from generated import generated_records

# click's English, as it would appear in help and errors
CLICK_ENGLISH = [
    "Usage",
    "Options",
    "Commands",
    "Arguments",
    "Show this message",
    "TEXT",
    "INTEGER",
    "FLOAT",
    "RANGE",
    "PATH",
    "DIRECTORY",
    "FILE",
    "COMMAND",
    "ARGS",
    "OPTIONS",
    "default",
    "required",
    "Error",
    "Try ",
    "Invalid",
    "Missing",
    "No such",
    "Got unexpected",
    "Did you mean",
    "Aborted",
    "Traceback",
]


def english_in(text: str) -> list[str]:
    return [word for word in CLICK_ENGLISH if word.lower() in text.lower()]


def command_paths(group=cli, path=()):
    yield path
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            yield from command_paths(command, (*path, name))


def index_env(tmp_path) -> dict:
    return os.environ | {"TRACUU_DATA": str(tmp_path / "data")}


def two_documents(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(
        corpus,
        "kh.md",
        {
            "id": "kh-15",
            "title": "Kế hoạch tổ chức Đại hội Công đoàn các cấp",
            "date": "2017-03-21",
            "unit": "LĐLĐ tỉnh",
            "type": "kế hoạch",
            "number": "15/KH-LĐLĐ",
        },
        "Nội dung kế hoạch.",
    )
    write_doc(
        corpus,
        "tin.md",
        {"id": "tin-1", "title": "Đại hội CĐCS trường Tiểu học", "date": "2017-08-14", "unit": "CĐCS"},
        "Thực hiện Kế hoạch số 15/ KH-LĐLĐ, đại hội thành công.",
    )
    return corpus


def test_index_then_search_as_json(tmp_path):
    corpus = two_documents(tmp_path)
    index = str(tmp_path / "index")
    runner = CliRunner()
    result = runner.invoke(cli, ["index", "--index", index, str(corpus)])
    assert result.exit_code == 0, result.output
    assert "thêm 2" in result.output

    result = runner.invoke(cli, ["search", "--index", index, "--json", "số", "15/", "KH-LĐLĐ"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 2
    first = data["hits"][0]
    assert first["id"] == "kh-15"
    assert set(first) >= {"id", "title", "date", "unit", "type", "numbers", "score", "snippet"}
    assert first["numbers"] == ["15/KH-LĐLĐ"] and first["date"] == "2017-03-21"  # JSON keeps ISO dates
    assert {v["value"] for v in data["facets"]["type"]} == {"kế hoạch", "tin tức"}

    result = runner.invoke(cli, ["search", "--index", index, "--type", "NQ", "dai hoi"])
    assert result.exit_code == 0 and result.output.startswith("0 kết quả")

    for since in ("2017-06-01", "01/06/2017"):  # as the API writes dates, and as a person does
        result = runner.invoke(cli, ["search", "--index", index, "--unit", "cdcs", "--from", since, "dai hoi"])
        assert "Đại hội CĐCS trường Tiểu học" in result.output and "Kế hoạch tổ chức" not in result.output


def test_search_and_token_list_print_dates_as_a_person_reads_them(tmp_path):
    corpus = two_documents(tmp_path)
    index = str(tmp_path / "index")
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "--index", index, str(corpus)]).exit_code == 0
    result = runner.invoke(cli, ["search", "--index", index, "kế hoạch 15/KH-LĐLĐ"])
    assert result.exit_code == 0, result.output
    assert "21/03/2017 · LĐLĐ tỉnh" in result.output and "14/08/2017" in result.output
    assert not re.search(r"\d{4}-\d{2}-\d{2}", result.output)

    data = str(tmp_path / "data")
    assert runner.invoke(cli, ["token", "add", "--data", data, "may-chu-cms"]).exit_code == 0
    listed = runner.invoke(cli, ["token", "list", "--data", data])
    assert re.fullmatch(r"may-chu-cms\t\d{2}/\d{2}/\d{4} \d{2}:\d{2}\n", listed.output), listed.output


def test_clear_errors_not_tracebacks(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["search", "--index", str(tmp_path / "none"), "x"])
    assert result.exit_code == 1 and result.stderr.startswith("Lỗi: Chưa có chỉ mục")
    result = runner.invoke(cli, ["search", "--index", str(tmp_path), "--from", "hôm qua", "x"])
    assert result.exit_code == 2 and "'hôm qua' không phải ngày dạng dd/mm/yyyy" in result.stderr
    result = runner.invoke(cli, ["index", "--index", str(tmp_path / "i"), str(tmp_path / "missing")])
    assert result.exit_code == 1 and "Không tìm thấy" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("path", list(command_paths()), ids=lambda p: " ".join(p) or "tracuu")
def test_help_of_every_command_is_vietnamese(path):
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="tracuu")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Cách dùng: {' '.join(['tracuu', *path])} [TUỲ_CHỌN]")
    assert "Tuỳ chọn:" in result.output and "Hiện hướng dẫn này rồi thoát." in result.output
    assert english_in(result.output) == []


MISTAKES = {
    "an unknown option": (["search", "--limt", "5", "x"], "Không có tuỳ chọn --limt. Có phải ý bạn là"),
    "a missing argument": (["user", "add"], "Thiếu tham số TÊN."),
    "a missing source": (["index"], "Thiếu tham số NGUỒN."),
    "a word for a number": (["serve", "--port", "tám"], "Giá trị của --port không hợp lệ: 'tám' không phải số nguyên"),
    "a number out of range": (
        ["search", "--limit", "0", "x"],
        "Giá trị của --limit không hợp lệ: '0' không phải số nguyên từ 1",
    ),
    "a sort that does not exist": (
        ["search", "--sort", "abc", "x"],
        "Giá trị của --sort không hợp lệ: 'abc' không phải một trong: relevance",
    ),
    "an option without its value": (["search", "--limit"], "Tuỳ chọn --limit cần một giá trị."),
    "a value for a flag": (["search", "--json=1", "x"], "Tuỳ chọn --json không nhận giá trị."),
    "an unknown command": (["serc"], "Không có lệnh 'serc'. Có phải ý bạn là một trong: 'search', 'serve'"),
    "an argument too many": (["token", "list", "thua"], "Thừa tham số: thua."),
}


@pytest.mark.parametrize("args, said", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_mistake_on_the_command_line_is_one_vietnamese_line(args, said):
    result = CliRunner().invoke(cli, args, prog_name="tracuu")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Lỗi: {said}") and result.stderr.count("\n") == 1, result.stderr
    assert re.search(r" Xem 'tracuu( [a-z]+)* --help'\.$", result.stderr)
    assert english_in(result.stderr) == []


def test_the_installed_command_speaks_vietnamese_too():
    run = [sys.executable, "-m", "search_app"]
    helped = subprocess.run([*run, "index", "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and helped.stdout.startswith("Cách dùng: ")
    assert english_in(helped.stdout) == []
    wrong = subprocess.run([*run, "search", "--nope"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.startswith("Lỗi: Không có tuỳ chọn --nope.") and wrong.stderr.count("\n") == 1, wrong.stderr


def test_a_password_typed_twice_differently_is_asked_again_in_vietnamese(tmp_path):
    data = str(tmp_path / "data")
    typed = "mat-khau-dai-mot\nmat-khau-dai-hai\nmat-khau-dai-2026\nmat-khau-dai-2026\n"
    result = CliRunner().invoke(cli, ["user", "add", "--data", data, "bientap"], input=typed)
    assert result.exit_code == 0, result.output
    assert "Hai lần nhập không khớp" in result.stderr and "Đã lưu tài khoản bientap." in result.stdout
    assert english_in(result.output) == []
    result = CliRunner().invoke(cli, ["user", "add", "--data", data, "khac"], input="")
    assert result.exit_code == 1 and result.stderr.endswith("Đã huỷ.\n") and english_in(result.output) == []


def phases(stderr: str) -> list[str]:
    return [line.rstrip("…") for line in stderr.splitlines() if line.startswith("Đang ")]


def test_index_says_what_it_is_doing_in_each_phase(tmp_path):
    result = CliRunner().invoke(cli, ["index", "--index", str(tmp_path / "index"), str(two_documents(tmp_path))])
    assert result.exit_code == 0, result.output
    assert phases(result.stderr) == [
        "Đang đọc tài liệu",
        "Đang nạp bộ tách từ tiếng Việt",
        "Đang tách từ 2 tài liệu",
        "Đang lưu chỉ mục (commit)",
    ]
    assert result.stdout.startswith("Xong sau ") and "thêm 2," in result.stdout

    again = CliRunner().invoke(cli, ["index", "--index", str(tmp_path / "index"), str(tmp_path / "corpus")])
    assert phases(again.stderr) == ["Đang đọc tài liệu", "Đang lưu chỉ mục (commit)"]  # nothing to segment


def test_index_with_worker_processes_says_when_they_write(tmp_path):
    source = write_jsonl(tmp_path / "tin.jsonl", generated_records(INLINE_LIMIT + 40))
    args = ["index", "--workers", "2", "--index", str(tmp_path / "index"), str(source)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert phases(result.stderr) == [
        "Đang đọc tài liệu",
        "Đang nạp bộ tách từ tiếng Việt",
        "Đang tách từ 240 tài liệu",
        "Đang ghi chỉ mục",
        "Đang lưu chỉ mục (commit)",
    ]


def test_index_on_a_terminal_counts_the_documents_it_segments(tmp_path):
    corpus = two_documents(tmp_path)
    controller, terminal = pty.openpty()
    cmd = [sys.executable, "-m", "search_app", "index", "--index", str(tmp_path / "index"), str(corpus)]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=terminal, env=index_env(tmp_path))
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal is closed once the process ends
            break
        if not chunk:
            break
        shown += chunk
    stdout, _ = process.communicate(timeout=120)
    os.close(controller)
    assert process.returncode == 0
    text = shown.decode()
    assert "Đang tách từ 2/2 tài liệu" in text and "100%" in text
    assert text.index("Đang nạp bộ tách từ") < text.index("Đang tách từ 2/2") < text.index("Đang lưu chỉ mục")
    assert stdout.decode().startswith("Xong sau ")


def serve_command(tmp_path, sample_index, port: int) -> list[str]:
    index = tmp_path / "index"
    if not index.exists():
        shutil.copytree(sample_index, index, symlinks=True)
    tracuu = [sys.executable, "-m", "search_app"]
    return [*tracuu, "serve", "--index", str(index), "--port", str(port), "--workers", "1", "--threads", "2"]


def test_serve_on_a_busy_port_says_so_and_never_says_it_serves(tmp_path, sample_index):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cmd = serve_command(tmp_path, sample_index, port)
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=index_env(tmp_path))
    assert result.returncode == 1
    assert result.stderr == f"Lỗi: Cổng {port} đang được dùng bởi chương trình khác; chọn cổng khác bằng --port.\n"
    assert "Đang phục vụ" not in result.stdout + result.stderr


def test_serve_says_it_serves_once_it_answers(tmp_path, sample_index):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = serve_command(tmp_path, sample_index, port)
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=index_env(tmp_path), start_new_session=True)
    try:
        said = server.stdout.readline()
        assert said == f"Đang phục vụ tại http://127.0.0.1:{port}/ (1 tiến trình × 2 luồng)\n"
        # said only once listening: the very next connection is accepted and answered
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=dai+hoi", timeout=60) as response:
            assert json.load(response)["total"] > 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
