"""Chaos: a 1,000-article backfill while one request in ten fails at random (every fault the
replica knows, seeded), killed twice with SIGKILL on the way; once the faults stop, re-runs
leave an archive that `archiver verify` passes and that is byte for byte what a clean run writes.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.catalog import Catalog
from archiver.replica import FAULTS, FaultTiming, FaultySite, ReplicaServer, ReplicaSite
from conftest import FAST, HRBEU_YAML, SAMPLE_NOW, clean_env, run_archiver

ARTICLES = 1000
QUICK = ["-s", "DOWNLOAD_TIMEOUT=3", "-s", "ARCHIVER_RETRY_BACKOFF=0.01"]
# `nested` is left out: it is not a passing fault but another page (paragraphs that run
# together, see test_faults_crawl.py), so a run that met it writes a different file.
CHAOS = [fault for fault in FAULTS if fault != "nested"]
KILL_AFTER_NEW_FILES = 200


def snapshot(folder: Path) -> dict[str, bytes]:
    root = folder / "output" / "hrbeu"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def articles_on_disk(folder: Path) -> int:
    root = folder / "output" / "hrbeu"
    return sum(1 for entry in os.scandir(root) if entry.name.endswith(".md")) if root.is_dir() else 0


def start_archiver(args: list[str], cwd: Path, proxy: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archiver", *args], cwd=cwd,
                            env=clean_env(ARCHIVER_NOW=SAMPLE_NOW, http_proxy=proxy),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_after_progress(args: list[str], cwd: Path, proxy: str, kills: int) -> int:
    """Run `args` again and again, SIGKILLing it once it has written KILL_AFTER_NEW_FILES more
    articles, until it has been killed `kills` times; a run that ends first (a faulted list page
    can end a backfill early) is simply started again. Returns how many runs it took."""
    runs = 0
    while kills:
        runs += 1
        assert runs <= 10, "the backfill stopped making progress"
        target = articles_on_disk(cwd) + KILL_AFTER_NEW_FILES
        process = start_archiver(args, cwd, proxy)
        deadline = time.monotonic() + 300
        while process.poll() is None and articles_on_disk(cwd) < target:
            assert time.monotonic() < deadline, "timed out waiting for the backfill"
            time.sleep(0.02)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills -= 1
        process.wait(timeout=60)
    return runs


def backfill_through_faults(args: list[str], cwd: Path, proxy: str) -> list[subprocess.CompletedProcess[str]]:
    """Backfill with the faults still on until one run has walked the whole list (a run that
    meets a broken list page stops paging there); every run meets faults of its own, since the
    random mode decides per target and per attempt."""
    results = []
    while not results or f"list pages {ARTICLES // 20}," not in results[-1].stdout:
        assert len(results) < 10, "no run got through the whole list"
        results.append(run_archiver(args, cwd=cwd, proxy=proxy))
    return results


def folder_with_sources(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_chaos_backfill_killed_twice_ends_identical_to_a_clean_run(tmp_path: Path):
    site = ReplicaSite(articles=ARTICLES, seed=11)
    faulty = FaultySite(site, timing=FaultTiming(retry_after=1, drip=0.3, drip_chunks=3, stall=30))
    clean, chaos = folder_with_sources(tmp_path, "clean"), folder_with_sources(tmp_path, "chaos")
    args = ["backfill", "hrbeu", *FAST, *QUICK]
    with ReplicaServer(faulty) as server:
        assert run_archiver(args, cwd=clean, proxy=server.url).returncode == 0
        faulty.set_random(0.10, seed=2024, faults=CHAOS)
        server.reset_log()
        kill_after_progress(args, chaos, server.url, kills=2)
        faulted = backfill_through_faults(args, chaos, server.url)
        on_disk_when_faults_stop = articles_on_disk(chaos)
        answered = server.requests
        spoiled = faulty.hits
        faulty.clear()
        # Faults off: a backfill fetches what is missing; `media --retry` what failed to download.
        resumed = run_archiver(args, cwd=chaos, proxy=server.url)
        media = run_archiver(["media", "hrbeu", "--retry", *FAST, *QUICK], cwd=chaos, proxy=server.url)
        verify = run_archiver(["verify"], cwd=chaos)
    for result in faulted:
        assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr[-3000:]
    assert on_disk_when_faults_stop > 0.9 * ARTICLES  # most of the archive was built under faults
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert media.returncode == 0, media.stderr[-3000:]
    # About one request in ten was spoiled, with (nearly) every kind of fault: the HTML-only
    # ones come up about five times each in a run, so one may by chance not come up at all.
    assert 0.07 < sum(1 for hit in spoiled if hit.random) / len(answered) < 0.13
    assert len({hit.fault for hit in spoiled}) >= len(CHAOS) - 3
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]
    assert not list((chaos / "output").rglob("*.tmp"))
    with Catalog(chaos / "output" / ".archiver" / "catalog.sqlite") as catalog:
        rows = list(catalog.articles("hrbeu"))
        assert catalog.failures() == []
    assert len(rows) == ARTICLES
    for row in rows:  # the catalog and the files agree (what `archiver verify` checks, in brief)
        assert hashlib.sha256((chaos / "output" / row.path).read_bytes()).hexdigest() == row.content_hash
    expected, got = snapshot(clean), snapshot(chaos)
    assert sum(1 for name in expected if name.endswith(".md")) == ARTICLES
    assert {k: v for k, v in got.items() if not k.startswith("files/")} == \
           {k: v for k, v in expected.items() if not k.startswith("files/")}
    # Attachments are stored under their own names; of two different files both called
    # "附件2：….xlsx", the one downloaded first gets the plain name and the other a "-<sha256[:8]>"
    # suffix, and faults change which comes first. The same files are there, under the same names
    # but for that suffix, each with its catalog row (verify above).
    assert attachments(got) == attachments(expected)


def attachments(files: dict[str, bytes]) -> list[tuple[str, bytes]]:
    return sorted((re.sub(r"-[0-9a-f]{8}(\.\w+)$", r"\1", name), data)
                  for name, data in files.items() if name.startswith("files/"))
