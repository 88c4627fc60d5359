"""Argument mistakes are named for what they are: a file where a folder belongs, and the other
way round; `verify -o ARCHIVE` checks that archive, not what the current folder configures."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HRBEU_YAML, run_archiver


@pytest.mark.parametrize("command", [["crawl"], ["backfill", "hrbeu"], ["demo"], ["verify"]])
def test_a_file_given_as_the_output_folder_is_called_a_file(tmp_path: Path, command):
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    (tmp_path / "out.txt").write_text("mine\n", encoding="utf-8")
    result = run_archiver([*command, "-o", "out.txt"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("archiver: error: out.txt: is a file, not a folder "
                             "(--output names the archive folder)\n")  # demo: no replica started
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "mine\n"


def test_verify_of_another_archive_ignores_this_folders_sources(tmp_path: Path):
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    demo = run_archiver(["demo", "--articles", "3", "-o", "demo-out"], cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    result = run_archiver(["verify", "-o", "demo-out"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("demo: 3 articles, 3 files, 4 media files checked; 0 problems\n")
    assert "hrbeu" not in result.stdout


LOADED = """
import sys
from archiver.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print()
print("loaded:", *sorted(m for m in ("scrapy", "twisted", "archiver.catalog", "archiver.export",
                          "archiver.replica", "archiver.commands.crawl") if m in sys.modules))
"""


@pytest.mark.parametrize("args,loaded", [
    (["--help"], "loaded:"),
    (["extract", "page.html", "--url", "http://a.edu.cn/info/1/2.htm"], "loaded:"),
])
def test_help_and_extract_do_not_load_scrapy_or_other_commands(tmp_path: Path, args, loaded):
    import subprocess
    import sys

    from conftest import FIXTURES, clean_env

    (tmp_path / "page.html").write_bytes((FIXTURES / "pages" / "vsb_nested_duplicate.html").read_bytes())
    result = subprocess.run([sys.executable, "-c", LOADED, *args], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == loaded, result.stderr


@pytest.mark.parametrize("option", ["--report", "--log-file"])
def test_a_folder_or_a_missing_parent_for_a_file_option_is_refused_before_crawling(tmp_path: Path, option):
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    (tmp_path / "dir").mkdir()
    folder = run_archiver(["crawl", option, "dir"], cwd=tmp_path)
    assert folder.returncode == 2
    assert folder.stderr == f"archiver: error: {option} dir: is a folder; give a file name\n"
    missing = run_archiver(["crawl", option, "nowhere/x.json"], cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == f"archiver: error: {option} nowhere/x.json: no such folder nowhere\n"
    assert not (tmp_path / "output").exists()
