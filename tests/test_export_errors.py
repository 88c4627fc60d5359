"""Every way an export can be refused or fail gives one clear line and exit code 2 (or 1 when
writing fails), never a traceback, and never leaves a partial file under the requested name."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.catalog import Catalog, default_catalog_path
from bench.export import add_article, hrbeu_source
from conftest import clean_env, run_archiver


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An archive of two articles in `tmp_path/output`."""
    output = tmp_path / "output"
    with Catalog(default_catalog_path(output)) as catalog:
        for number in (1, 2):
            add_article(catalog, output, hrbeu_source(), f"http://gongxue.cn/info/1141/{number}.htm",
                        f"标题{number}", None, [f"正文{number}"])
    return tmp_path


def refused(folder: Path, *args: str, code: int = 2) -> str:
    """Run the export, check it failed cleanly with `code`; return its standard error."""
    result = run_archiver(["export", *args], cwd=folder)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    return result.stderr


def test_corrupt_catalog(folder: Path):
    catalog = default_catalog_path(folder / "output")
    catalog.write_bytes(b"this is not a database" * 100)
    message = refused(folder)
    assert message == "archiver: error: output/.archiver/catalog.sqlite: cannot read catalog: file is not a database\n"


def test_truncated_catalog(folder: Path):
    catalog = default_catalog_path(folder / "output")
    data = catalog.read_bytes()
    catalog.write_bytes(data[: len(data) // 2] + b"\0" * 100)
    assert "cannot read catalog: database disk image is malformed" in refused(folder)


def test_locked_catalog(folder: Path):
    """A program that holds the catalog exclusively (no crawl does) makes the export give up
    after its short busy timeout with exit 2."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         f"db = sqlite3.connect({str(default_catalog_path(folder / 'output'))!r}, isolation_level=None)\n"
         "db.execute('PRAGMA locking_mode = EXCLUSIVE')\n"
         "db.execute('BEGIN EXCLUSIVE')\n"
         "db.execute('UPDATE articles SET title = title')\n"
         "print('locked', flush=True)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=clean_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        began = time.monotonic()
        message = refused(folder)
        assert "catalog is locked by another program (database is locked); try again later" in message
        assert time.monotonic() - began < 30
    finally:
        holder.communicate("")


def test_catalog_from_a_newer_archiver(folder: Path):
    catalog = default_catalog_path(folder / "output")
    db = sqlite3.connect(catalog)
    db.execute("PRAGMA user_version = 99")
    db.close()
    assert "catalog schema version 99 is newer than this archiver understands" in refused(folder)


def test_sqlite_file_that_is_not_a_catalog(tmp_path: Path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    assert "not an archiver catalog" in refused(tmp_path, "--catalog", str(other))


def test_missing_catalog_suggests_from_files(folder: Path):
    message = refused(folder, "-o", "elsewhere")
    assert "elsewhere/.archiver/catalog.sqlite: no catalog here" in message
    assert "--from-files" in message


def test_unknown_source(folder: Path):
    assert "unknown source 'nope' (in the catalog: hrbeu)" in refused(folder, "--source", "hrbeu", "nope")
    assert "unknown source 'nope' (in the archive folder: hrbeu)" in refused(
        folder, "--from-files", "--source", "nope")


@pytest.mark.parametrize("args, message", [
    (["--since", "2021-02-30"], "--since expects a date like 2020-01-31, got '2021-02-30'"),
    (["--until", "yesterday"], "--until expects a date like 2020-01-31, got 'yesterday'"),
    (["--since", "20150301"], "--since expects a date like 2020-01-31, got '20150301'"),
    (["--since", "2021-03-01", "--until", "2021-02-01"], "--since 2021-03-01 is after --until 2021-02-01"),
    (["--updated-since", "last week"], "--updated-since expects a local date or time"),
    (["--updated-since", "2021-01-01T08:00:00+08:00"], "--updated-since takes local time without an offset"),
    (["--from-files", "--since", "2021-01-01"], "cannot be used with --from-files"),
    (["-f", "parquet"], "--format parquet writes a file: give --to FILE.parquet"),
    (["-f", "parquet", "--to", "-"], "--format parquet writes a file"),
    (["--excel"], "--excel only applies to --format csv"),
])
def test_bad_options(folder: Path, args: list[str], message: str):
    assert message in refused(folder, *args)


def test_argparse_errors_exit_2(folder: Path):
    assert "invalid choice: 'xml'" in refused(folder, "-f", "xml")
    assert "not allowed with argument" in refused(folder, "--from-files", "--catalog", "x.sqlite")


def test_unwritable_target(folder: Path):
    (folder / "a-file").write_text("x")
    assert "--to a-file/out.jsonl: cannot write there: Not a directory" in refused(folder, "--to", "a-file/out.jsonl")
    assert "--to missing/out.jsonl: cannot write there: No such file or directory" in refused(
        folder, "--to", "missing/out.jsonl")
    (folder / "adir").mkdir()
    assert "--to adir: is a folder; give a file name" in refused(folder, "--to", "adir")
    assert sorted(p.name for p in folder.iterdir()) == ["a-file", "adir", "output"]


def test_write_failure_exits_1_and_leaves_no_partial_file(folder: Path):
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "archiver", "export"], cwd=folder, env=clean_env(),
                                stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1
    assert "archiver: error: writing the export failed: [Errno 28] No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


def test_interrupted_export_leaves_no_file(folder: Path):
    """Something failing mid-export (here: a catalog row with a broken date) removes the
    temporary file; the target name never holds a partial dataset."""
    db = sqlite3.connect(default_catalog_path(folder / "output"))
    db.execute("UPDATE articles SET archived = 'soon' WHERE url LIKE '%/2.htm'")
    db.commit()
    db.close()
    message = refused(folder, "--to", "out.jsonl")
    assert "archived 'soon' is not a date and time" in message
    assert sorted(p.name for p in folder.iterdir()) == ["output"]


def test_missing_pyarrow_names_the_extra(folder: Path, tmp_path_factory: pytest.TempPathFactory):
    blocker = tmp_path_factory.mktemp("no-pyarrow")
    (blocker / "pyarrow").mkdir()
    (blocker / "pyarrow" / "__init__.py").write_text("raise ImportError('No module named pyarrow')\n")
    env = clean_env()
    env["PYTHONPATH"] = f"{blocker}:{env['PYTHONPATH']}"
    result = subprocess.run([sys.executable, "-m", "archiver", "export", "-f", "parquet", "--to", "x.parquet"],
                            cwd=folder, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "--format parquet needs pyarrow" in result.stderr
    assert "pip install 'archiver[parquet]'" in result.stderr
    assert "Traceback" not in result.stderr and not (folder / "x.parquet").exists()


def test_bad_sources_file(folder: Path):
    (folder / "bad.yaml").write_text("sources: [\n", encoding="utf-8")
    assert "bad.yaml: not valid YAML" in refused(folder, "--config", "bad.yaml")
    assert "nothere.yaml: sources file not found" in refused(folder, "--config", "nothere.yaml")


def test_from_files_without_an_archive_folder(tmp_path: Path):
    assert "nowhere: no archive folder here" in refused(tmp_path, "--from-files", "-o", "nowhere")
