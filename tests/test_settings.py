"""One settings table, read once; one command line; one direction of imports; one Whoosh adapter."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app.cli import cli
from search_app.settings import SETTINGS, Settings, SettingsError, bundled_corpus, settings_table

from conftest import ROOT


def test_defaults_follow_the_data_folder():
    settings = Settings.from_env({"TRACUU_DATA": "/srv/tracuu"})
    assert settings.data == Path("/srv/tracuu")
    assert settings.index_dir == Path("/srv/tracuu/index")
    assert settings.uploads_dir == Path("/srv/tracuu/tai-len")
    assert settings.result_cache == 1024 and settings.postings_cache_mb == 96 and settings.index_pool_mb == 256


def test_every_setting_is_read_from_its_variable():
    environ = {
        "TRACUU_DATA": "/d",
        "TRACUU_INDEX": "/i",
        "TRACUU_CORPUS": "/c",
        "TRACUU_RESULT_CACHE": "0",
        "TRACUU_POSTINGS_CACHE_MB": "300",
        "TRACUU_INDEX_POOL_MB": "64",
        "TRACUU_INDEX_WORKERS": "3",
        "TRACUU_BASE_URL": "https://tracuu.example/",
        "TRACUU_PROXY_HOPS": "1",
        "TRACUU_SECRET_KEY": "k" * 40,
        "TRACUU_PROVINCE": "bac-ninh",
        "TRACUU_HARVEST_START": "https://ldld.example/sitemap.xml https://ldld.example/tin-tuc",
        "TRACUU_HARVEST_HOSTS": "files.ldld.example",
        "TRACUU_HARVEST_DELAY": "2,5",
        "TRACUU_HARVEST_TIMEOUT": "10",
        "TRACUU_HARVEST_MAX_MB": "5",
        "TRACUU_HARVEST_MAX_PAGES": "300",
        "TRACUU_HARVEST_USER_AGENT": "tracuu (+mailto:it@ldld.example)",
    }
    settings = Settings.from_env(environ)
    assert {s.env for s in SETTINGS} == set(environ)
    assert (settings.index_dir, settings.corpus, settings.result_cache) == (Path("/i"), Path("/c"), 0)
    assert (settings.postings_cache_mb, settings.index_pool_mb, settings.index_workers) == (300, 64, 3)
    assert settings.secret_key == "k" * 40
    assert (settings.base_url, settings.proxy_hops) == ("https://tracuu.example", 1)
    assert settings.province == "Bắc Ninh"
    assert settings.harvest_start == ("https://ldld.example/sitemap.xml", "https://ldld.example/tin-tuc")
    assert (settings.harvest_hosts, settings.harvest_delay, settings.harvest_timeout) == (
        ("files.ldld.example",),
        2.5,
        10,
    )
    assert (settings.harvest_max_mb, settings.harvest_max_pages) == (5, 300)
    assert settings.harvest_user_agent == "tracuu (+mailto:it@ldld.example)"
    # options given on the command line win over the environment
    assert Settings.from_env(environ, index="/elsewhere").index_dir == Path("/elsewhere")


@pytest.mark.parametrize(
    "environ, named",
    [
        ({"TRACUU_RESULT_CACHE": "1k"}, "TRACUU_RESULT_CACHE"),
        ({"TRACUU_POSTINGS_CACHE_MB": "0"}, "TRACUU_POSTINGS_CACHE_MB"),
        ({"TRACUU_INDEX_POOL_MB": "-5"}, "TRACUU_INDEX_POOL_MB"),
        ({"TRACUU_RESULT_CACH": "10"}, "TRACUU_RESULT_CACH"),
        ({"TRACUU_BASE_URL": "javascript:alert(1)"}, "TRACUU_BASE_URL"),
    ],
)
def test_a_wrong_setting_is_named_in_one_clear_line(environ, named):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environ)


def test_the_command_line_reports_a_wrong_setting_without_a_traceback(tmp_path):
    runner = CliRunner()
    env = {"TRACUU_RESULT_CACHE": "1k", "TRACUU_DATA": str(tmp_path)}
    assert runner.invoke(cli, ["--help"], env=env).exit_code == 0
    result = runner.invoke(cli, ["search", "công đoàn"], env=env)
    assert result.exit_code == 1
    assert "TRACUU_RESULT_CACHE='1k' không dùng được" in result.output and "Traceback" not in result.output


def test_the_readme_lists_every_setting_as_the_code_defines_it():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert settings_table() in readme


def test_python_m_search_app_is_the_tracuu_command():
    tracuu = Path(sys.executable).with_name("tracuu")
    by_module = subprocess.run([sys.executable, "-m", "search_app", "--help"], capture_output=True, text=True)
    by_script = subprocess.run([str(tracuu), "--help"], capture_output=True, text=True)
    assert by_module.returncode == by_script.returncode == 0
    assert by_module.stdout.split("Lệnh:")[1] == by_script.stdout.split("Lệnh:")[1]
    for command in ("index", "search", "serve", "user", "token", "settings"):
        assert re.search(rf"^\s+{command}\b", by_module.stdout, re.M), command


def test_the_bundled_sample_corpus_is_found_through_the_package():
    files = {p.name for p in bundled_corpus().rglob("*") if p.is_file()}
    assert {"kh-15-2017-ldld.md", "nq-45-2019-ldld.pdf", "hd-02-2021-ldld.docx"} <= files


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path, ast.parse(path.read_text("utf-8"))


def test_imports_go_one_way_and_whoosh_internals_stay_in_the_adapter():
    for path, tree in _modules("indexer"):
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            assert not any(n.split(".")[0] == "search_app" for n in names), path
    for package in ("indexer", "search_app"):
        for path, tree in _modules(package):
            if path.name == "whoosh_w3.py":
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                    private = [a.name for a in node.names if a.name.startswith("_")]
                    assert not private and "codec" not in node.module, f"{path}: {node.module} {private}"
                # a Whoosh object's private attribute (ours start with self._ or are our own modules')
                if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                    owner = node.value
                    assert isinstance(owner, ast.Name) and owner.id in ("self", "cls"), (
                        f"{path.relative_to(ROOT)}:{node.lineno} reads {ast.unparse(node)}"
                    )


def test_the_environment_is_read_in_the_settings_module_only():
    readers = []
    for package in ("indexer", "search_app"):
        for path in (ROOT / package).rglob("*.py"):
            if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text("utf-8")):
                readers.append(str(path.relative_to(ROOT)))
    assert readers == ["search_app/settings.py"]


def test_the_adapter_refuses_another_whoosh_version():
    code = "import whoosh; whoosh.__version__ = (2, 7, 4); import indexer.whoosh_w3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode != 0
    assert "ImportError: tracuu needs whoosh-reloaded 2.7.5" in result.stderr and "found 2.7.4" in result.stderr
