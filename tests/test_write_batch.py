"""Batched writes (`archiver.write_batch`, `archiver.storage.stage` and `sync_data`): files become
visible only once durable, and batching changes when articles are recorded, never what."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from archiver.catalog import Catalog
from archiver.replica import ReplicaServer, ReplicaSite
from archiver.storage import fsync_all, is_temp_file, stage, sync_data
from conftest import FAST, HRBEU_YAML, run_archiver


def test_a_staged_file_is_hidden_under_a_temporary_name_until_renamed(tmp_path: Path) -> None:
    target = tmp_path / "hrbeu" / "images" / "a.jpg"
    temp = stage(target, b"\xff\xd8" * 5000)
    assert not target.exists() and is_temp_file(temp.name) and temp.parent == target.parent
    sync_data([temp])
    os.replace(temp, target)
    fsync_all([target.parent])
    assert target.read_bytes() == b"\xff\xd8" * 5000
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # readable by a web server, whatever the umask
    assert os.listdir(target.parent) == ["a.jpg"]


def test_staging_twice_gives_two_temporary_files(tmp_path: Path) -> None:
    first, second = stage(tmp_path / "a.md", b"first"), stage(tmp_path / "a.md", b"second")
    assert first != second and first.read_bytes() == b"first" and second.read_bytes() == b"second"


def test_a_refused_stage_leaves_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file where a folder is needed")
    with pytest.raises(OSError):
        stage(blocked / "a.md", b"never")
    assert os.listdir(tmp_path) == ["blocked"]


def _backfill(folder: Path, server: ReplicaServer, *settings: str) -> dict[str, bytes]:
    folder.mkdir()
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    result = run_archiver(["backfill", "hrbeu", *FAST, *settings], cwd=folder, proxy=server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    return {p.relative_to(folder / "output").as_posix(): p.read_bytes()
            for p in (folder / "output" / "hrbeu").rglob("*") if p.is_file()}


def _rows(folder: Path) -> tuple[list, list]:
    with Catalog(folder / "output" / ".archiver" / "catalog.sqlite") as catalog:
        articles = sorted(catalog.articles("hrbeu"), key=lambda r: r.url)
        media = [catalog.media("hrbeu", record.url) for record in articles]
    return articles, media


def test_batches_of_any_size_archive_the_same_files_and_rows(tmp_path: Path) -> None:
    """One article per batch (as before batching) and the default give the same archive: the
    same files, bytes, catalog rows and media rows (an image shared by articles of one batch is
    found in the batch, not downloaded twice)."""
    with ReplicaServer(ReplicaSite(articles=120, seed=3)) as server:
        one = _backfill(tmp_path / "one", server, "-s", "ARCHIVER_WRITE_BATCH=1")
        one_downloads = sum(1 for r in server.requests if "/__local/" in r.path)
        server.reset_log()
        batched = _backfill(tmp_path / "batched", server, "-s", "ARCHIVER_WRITE_BATCH=50")
        batched_downloads = sum(1 for r in server.requests if "/__local/" in r.path)
    assert batched == one
    assert sum(name.endswith(".md") for name in one) == 120
    assert _rows(tmp_path / "batched") == _rows(tmp_path / "one")
    assert batched_downloads == one_downloads > 0
    assert not [name for name in batched if is_temp_file(Path(name).name)]
