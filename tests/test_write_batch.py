"""Batched writes (`archiver.write_batch`, `archiver.storage.write_durably`): files become
visible only once durable, and batching changes when articles are recorded, never what."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from archiver.catalog import Catalog
from archiver.replica import ReplicaServer, ReplicaSite
from archiver.storage import is_temp_file, write_durably
from conftest import FAST, HRBEU_YAML, run_archiver


def test_files_written_durably_appear_whole_readable_and_without_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "hrbeu" / "a.md"
    write_durably([(target, "正文".encode()), (tmp_path / "hrbeu" / "images" / "b.jpg", b"\xff\xd8")])
    assert target.read_bytes() == "正文".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # readable by a web server
    assert sorted(os.listdir(target.parent)) == ["a.md", "images"]  # no temporary file left
    assert os.listdir(target.parent / "images") == ["b.jpg"]


def test_a_name_written_twice_in_one_batch_keeps_the_last_copy(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    write_durably([(target, b"first"), (target, b"second")])
    assert target.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["a.md"]


def test_a_batch_that_fails_leaves_no_temporary_file_and_the_old_files_as_they_were(tmp_path: Path) -> None:
    kept = tmp_path / "a.md"
    kept.write_bytes(b"old")
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file where a folder is needed")
    with pytest.raises(OSError):
        write_durably([(kept, b"new"), (blocked / "b.md", b"never")])
    assert sorted(os.listdir(tmp_path)) == ["a.md", "blocked"] and kept.read_bytes() == b"old"


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
