"""`tracuu index` and `tracuu search` through click's CliRunner, on real indexes."""

import json

from click.testing import CliRunner

from search_app.cli import cli

from conftest import write_doc


def test_index_then_search_as_json(tmp_path):
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
    assert first["numbers"] == ["15/KH-LĐLĐ"] and first["date"] == "2017-03-21"
    assert {v["value"] for v in data["facets"]["type"]} == {"kế hoạch", "tin tức"}

    result = runner.invoke(cli, ["search", "--index", index, "--type", "NQ", "dai hoi"])
    assert result.exit_code == 0 and result.output.startswith("0 kết quả")

    result = runner.invoke(cli, ["search", "--index", index, "--unit", "cdcs", "--from", "2017-06-01", "dai hoi"])
    assert "Đại hội CĐCS trường Tiểu học" in result.output and "Kế hoạch tổ chức" not in result.output


def test_clear_errors_not_tracebacks(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["search", "--index", str(tmp_path / "none"), "x"])
    assert result.exit_code != 0 and "Chưa có chỉ mục" in result.output
    result = runner.invoke(cli, ["search", "--index", str(tmp_path), "--from", "hôm qua", "x"])
    assert result.exit_code != 0 and "Ngày không hợp lệ" in result.output
    result = runner.invoke(cli, ["index", "--index", str(tmp_path / "i"), str(tmp_path / "missing")])
    assert result.exit_code == 1 and "Không tìm thấy" in result.output
    assert "Traceback" not in result.output
