"""A full or read-only output folder, for real: small tmpfs mounts and read-only bind mounts.

The run stops at the first refused write with one clear message and exit code 74, nothing
already archived is lost (`archiver verify` finds catalog and files in agreement), and a re-run
once there is room completes and leaves the archive byte-identical to a run that never failed.
A read-only folder is refused before any request (exit 2). The tests mount file systems, which
needs root (as in CI); where mounting is not permitted they are skipped, saying why.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archiver.catalog import Catalog
from archiver.replica import ReplicaServer, ReplicaSite
from conftest import FAST, HRBEU_YAML, run_archiver

SITE = {"articles": 120, "seed": 21}
FULL = "No space left on device (ENOSPC)"
READ_ONLY = "Read-only file system (EROFS)"
STOPPED = "; stopped; nothing already archived was lost"


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@contextmanager
def mounted(target: Path, *options: str, read_only_bind: bool = False) -> Iterator[Path]:
    """`target` with a file system mounted on it for the block: a tmpfs with `options`, or
    `target` itself bound read-only. Skips the test when this machine does not allow mounting."""
    target.mkdir(parents=True, exist_ok=True)
    if read_only_bind:
        steps = [("mount", "--bind", str(target), str(target)),
                 ("mount", "-o", "remount,bind,ro", str(target))]
    else:
        steps = [("mount", "-t", "tmpfs", *options, "tmpfs", str(target))]
    done = False
    try:
        for step in steps:
            try:
                result = _run(*step)
            except FileNotFoundError:
                pytest.skip("mount(8) is not installed: cannot test a full or read-only disk")
            if result.returncode != 0:
                pytest.skip(f"mounting is not permitted here ({result.stderr.strip()}): "
                            "these tests need root")
            done = True  # one mount to undo (a remount adds none)
        yield target
    finally:
        if done and _run("umount", str(target)).returncode != 0:
            _run("umount", "-l", str(target))


def remount(target: Path, options: str) -> None:
    result = _run("mount", "-o", f"remount,{options}", str(target))
    assert result.returncode == 0, result.stderr


def archived(folder: Path) -> dict[str, bytes]:
    """Every archived file (articles and media), by path relative to the output folder."""
    root = folder / "output"
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*") if p.is_file() and ".archiver" not in p.parts}


def problems(folder: Path) -> list[dict]:
    """`archiver verify`'s problems (orphan media files, left by an article that was not
    written, are notices: the re-run claims them)."""
    result = run_archiver(["verify", "--json"], cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return [f for f in json.loads(result.stdout)["findings"] if f["problem"]]


def backfill(folder: Path, server: ReplicaServer, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_archiver(["backfill", "hrbeu", *FAST, *extra], cwd=folder, proxy=server.url)


def site_folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What a backfill of the replica writes on a disk with room."""
    folder = site_folder(tmp_path_factory.mktemp("disk"), "clean")
    with ReplicaServer(ReplicaSite(**SITE)) as server:
        result = backfill(folder, server)
    assert result.returncode == 0, result.stderr[-3000:]
    files = archived(folder)
    assert sum(name.endswith(".md") for name in files) == 120
    return files


def assert_stopped_cleanly(result: subprocess.CompletedProcess[str], reason: str | tuple[str, ...]) -> str:
    """Exit 74, one error line in the log, the summary line last, no traceback; the reason."""
    assert result.returncode == 74, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "] ERROR:" in line]
    assert len(errors) == 1, errors
    assert "[archiver.disk] ERROR: Cannot write " in errors[0]
    last = result.stderr.strip().splitlines()[-1]
    reasons = (reason,) if isinstance(reason, str) else reason
    said = next((r for r in reasons if last == f"archiver: cannot write to output: {r}{STOPPED} "
                 "(free space or fix the folder, then run the same command again)"), None)
    assert said is not None, last
    return said


def test_a_full_disk_stops_the_run_and_a_rerun_completes(tmp_path: Path, clean: dict[str, bytes]) -> None:
    folder = site_folder(tmp_path, "full")
    output = folder / "output"
    # Room for the catalog and a few dozen articles, not for all 120 and their images: which
    # write meets the full disk first (an article, an image, the catalog) is up to the run.
    with mounted(output, "-o", "size=400k"), ReplicaServer(ReplicaSite(**SITE)) as server:
        stopped = backfill(folder, server, "--report", str(tmp_path / "report.json"))
        said = assert_stopped_cleanly(stopped, (FULL, "database or disk is full (SQLITE_FULL)"))
        report = json.loads((tmp_path / "report.json").read_text())
        assert (report["exit_code"], report["disk_error"]) == (74, said)
        assert report["sources"]["hrbeu"]["finish_reason"] == "disk_error"
        kept = archived(folder)
        assert 0 < sum(name.endswith(".md") for name in kept) < 120
        assert not [name for name in kept if name.endswith(".tmp")]
        assert all(clean[name] == data for name, data in kept.items())  # what is there is whole

        remount(output, "size=64m")  # space freed
        assert problems(folder) == []  # the catalog and the files agree
        rerun = backfill(folder, server)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert problems(folder) == []
        assert archived(folder) == clean


def test_a_full_article_folder_says_so_and_keeps_catalog_and_files_in_step(
        tmp_path: Path, clean: dict[str, bytes]) -> None:
    folder = site_folder(tmp_path, "articles-full")
    articles = folder / "output" / "hrbeu"
    with mounted(articles, "-o", "size=48k"), ReplicaServer(ReplicaSite(**SITE)) as server:
        stopped = backfill(folder, server)
        assert_stopped_cleanly(stopped, FULL)
        with Catalog(folder / "output" / ".archiver" / "catalog.sqlite") as catalog:
            rows = {r.path: r.content_hash for r in catalog.articles("hrbeu")}
        written = {name for name in archived(folder) if name.endswith(".md")}
        assert rows.keys() == written  # every file has its row and every row its file
        assert problems(folder) == []

        remount(articles, "size=64m")
        rerun = backfill(folder, server)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert archived(folder) == clean


def test_a_read_only_output_folder_is_refused_before_crawling(tmp_path: Path) -> None:
    folder = site_folder(tmp_path, "read-only")
    with mounted(folder / "output", read_only_bind=True), ReplicaServer(ReplicaSite(**SITE)) as server:
        result = backfill(folder, server)
        assert result.returncode == 2
        assert result.stderr == f"archiver: error: cannot write to output: {READ_ONLY}; nothing was done\n"
        assert server.requests == []
        verify = run_archiver(["verify"], cwd=folder)
        assert (verify.returncode, verify.stderr) == (2, result.stderr)


def test_an_article_folder_turned_read_only_stops_the_run(tmp_path: Path, clean: dict[str, bytes]) -> None:
    folder = site_folder(tmp_path, "articles-read-only")
    articles = folder / "output" / "hrbeu"
    with ReplicaServer(ReplicaSite(**SITE)) as server:
        with mounted(articles, read_only_bind=True):
            stopped = backfill(folder, server)
            assert_stopped_cleanly(stopped, READ_ONLY)
            assert archived(folder) == {}
            with Catalog(folder / "output" / ".archiver" / "catalog.sqlite") as catalog:
                assert catalog.count("hrbeu") == 0
                assert catalog.runs()[-1]["status"] == "disk_error"
        rerun = backfill(folder, server)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert problems(folder) == []
    assert archived(folder) == clean
