"""Scheduled crawls and backfills against the replica site; request counts from the server's log."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from archiver.catalog import Catalog
from archiver.replica import ReplicaServer, ReplicaSite
from conftest import FAST, HRBEU_YAML, SAMPLE_NOW, clean_env, run_archiver


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every archived file's bytes, by name (the catalog folder excluded)."""
    return {p.name: p.read_bytes() for p in (folder / "output" / "hrbeu").glob("*.md")}


def name_of(url: str) -> str:
    return hashlib.md5(url.encode()).hexdigest() + ".md"


def article_paths(server: ReplicaServer) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith("/info/")]


def list_paths(server: ReplicaServer) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith("/xw")]


def wait_for(condition, timeout: float = 300.0, what: str = "condition") -> None:
    """Poll a condition on the file system (no fixed sleeps standing in for synchronisation)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def start_archiver(args: list[str], cwd: Path, proxy: str, now: str = SAMPLE_NOW) -> subprocess.Popen:
    env = clean_env(ARCHIVER_NOW=now, http_proxy=proxy)
    return subprocess.Popen([sys.executable, "-m", "archiver", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """A 3,000-article replica backfilled once; a second run tries to start meanwhile."""
    site = ReplicaSite(articles=3000, seed=3)
    folder = tmp_path_factory.mktemp("archive3000")
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    lock = folder / "output" / ".archiver" / "lock"
    with ReplicaServer(site) as server:
        first = start_archiver(["backfill", "hrbeu", "--report", "backfill.json", *FAST], folder, server.url)
        wait_for(lambda: lock.is_file() and lock.read_text().startswith("pid"), what="the lock")
        second = run_archiver(["crawl", *FAST], cwd=folder, proxy=server.url)
        out, err = first.communicate(timeout=600)
        yield {"site": site, "server": server, "folder": folder, "first": (first.returncode, out, err),
               "second": second}


@pytest.mark.slow
def test_backfill_archives_every_article(archive):
    code, out, err = archive["first"]
    assert code == 0, err[-3000:]
    assert len(snapshot(archive["folder"])) == 3000
    assert "hrbeu: list pages 150, articles new 3000, updated 0, unchanged 0, failed 0" in out
    report = json.loads((archive["folder"] / "backfill.json").read_text())
    assert report["exit_code"] == 0
    assert report["sources"]["hrbeu"]["articles"]["new"] == 3000
    with Catalog(archive["folder"] / "output" / ".archiver" / "catalog.sqlite") as catalog:
        assert catalog.count("hrbeu") == 3000
        assert [r["status"] for r in catalog.runs()] == ["finished"]


@pytest.mark.slow
def test_second_concurrent_run_exits_75_at_once(archive):
    second = archive["second"]
    assert second.returncode == 75
    assert "another archiver run is using" in second.stderr
    assert "archiver backfill hrbeu" in second.stderr
    # It gave up before starting Scrapy (whose INFO log FAST turns on) and printed no summary;
    # how long that takes is measured in bench/, not asserted here.
    assert "[scrapy" not in second.stderr and second.stdout == ""


@pytest.mark.slow
def test_up_to_date_crawl_costs_robots_and_first_list_page(archive):
    server, folder = archive["server"], archive["folder"]
    before = snapshot(folder)
    server.reset_log()
    result = run_archiver(["crawl", "--recheck-days", "0", *FAST], cwd=folder, proxy=server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(r.path for r in server.requests) == ["/robots.txt", "/xw.htm"]
    assert snapshot(folder) == before


@pytest.mark.slow
def test_seven_new_articles_are_all_that_is_fetched(archive):
    site, server, folder = archive["site"], archive["server"], archive["folder"]
    site.add_articles(7)
    server.reset_log()
    result = run_archiver(["crawl", "--recheck-days", "0", *FAST], cwd=folder, proxy=server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    new = {site.article(i).url.split("gongxue.cn", 1)[1] for i in range(3000, 3007)}
    assert sorted(article_paths(server)) == sorted(new)
    assert len(list_paths(server)) <= 2
    assert len(snapshot(folder)) == 3007
    assert "articles new 7, updated 0" in result.stdout


@pytest.mark.slow
def test_recheck_window_rewrites_edited_article_in_place(archive):
    site, server, folder = archive["site"], archive["server"], archive["folder"]
    newest = site.article(site.count - 1).published
    now = (newest + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    window = [i for i in range(site.count) if site.article(i).published >= newest - timedelta(days=2, hours=23)]
    inside, outside = window[0], window[0] - 5
    site.edit(inside)
    site.edit(outside)
    before = snapshot(folder)
    server.reset_log()
    result = run_archiver(["crawl", *FAST], cwd=folder, proxy=server.url, now=now)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(article_paths(server)) == sorted(site.article(i).url.split("gongxue.cn", 1)[1] for i in window)
    after = snapshot(folder)
    changed = {name for name in after if after[name] != before.get(name)}
    inside_name = name_of(site.article(inside).url)
    assert changed == {inside_name}
    assert "（更新1）" in after[inside_name].decode()
    assert f"date: {SAMPLE_NOW}\n" in after[inside_name].decode()  # the first archive date is kept
    assert after[name_of(site.article(outside).url)] == before[name_of(site.article(outside).url)]
    with Catalog(folder / "output" / ".archiver" / "catalog.sqlite") as catalog:
        record = catalog.article("hrbeu", site.article(inside).url)
        assert record.updated == now and record.archived == SAMPLE_NOW
        assert catalog.count("hrbeu") == 3007


@pytest.mark.slow
def test_backfill_killed_twice_resumes_to_identical_output(tmp_path: Path):
    site = ReplicaSite(articles=1000, seed=11)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for folder in (clean, killed):
        folder.mkdir()
        (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    args = ["backfill", "hrbeu", *FAST]
    with ReplicaServer(site) as server:
        assert run_archiver(args, cwd=clean, proxy=server.url).returncode == 0
        server.reset_log()
        out = killed / "output" / "hrbeu"
        for threshold in (250, 600):
            process = start_archiver(args, killed, server.url)
            wait_for(lambda: out.is_dir() and sum(1 for _ in os.scandir(out)) >= threshold,
                     what=f"{threshold} files")
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
        result = run_archiver(args, cwd=killed, proxy=server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        fetched = article_paths(server)
    assert snapshot(killed) == snapshot(clean)
    assert len(snapshot(clean)) == 1000
    assert not list(out.rglob("*.tmp"))  # no temp file left (articles, images or attachments)
    repeats = len(fetched) - len(set(fetched))
    assert len(set(fetched)) == 1000
    # Only requests in flight at each kill are fetched again (16 concurrent, plus responses
    # already downloaded but not yet written).
    assert repeats <= 2 * 48, repeats


def test_backfill_date_range_and_max_pages(tmp_path: Path, write_sources):
    site = ReplicaSite(articles=300, seed=5)
    write_sources(HRBEU_YAML)
    days = sorted({site.article(i).published.date() for i in range(300)})
    since, until = days[100], days[150]
    expected = {name_of(site.article(i).url) for i in range(300)
                if since <= site.article(i).published.date() <= until}
    with ReplicaServer(site) as server:
        result = run_archiver(["backfill", "hrbeu", "--since", str(since), "--until", str(until), *FAST],
                              cwd=tmp_path, proxy=server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        pages = list_paths(server)
        assert set(snapshot(tmp_path)) == expected
        assert len(pages) < site.list_page_count  # pages older than --since are not walked
        other = tmp_path / "other"
        other.mkdir()
        (other / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
        server.reset_log()
        result = run_archiver(["backfill", "hrbeu", "--max-pages", "2", *FAST], cwd=other, proxy=server.url)
        assert result.returncode == 0
        assert len(list_paths(server)) == 2 and len(snapshot(other)) == 40


def test_progress_bar_on_terminal_and_log_lines_otherwise(tmp_path: Path, write_sources):
    site = ReplicaSite(articles=60, seed=1)
    write_sources(HRBEU_YAML)
    with ReplicaServer(site) as server:
        bar = run_archiver(["backfill", "hrbeu", "-o", "a", *FAST, "-s", "ARCHIVER_PROGRESS=bar"],
                           cwd=tmp_path, proxy=server.url)
        log = run_archiver(["backfill", "hrbeu", "-o", "b", *FAST, "-s", "ARCHIVER_PROGRESS_INTERVAL=0.05"],
                           cwd=tmp_path, proxy=server.url)
    assert bar.returncode == 0 and log.returncode == 0
    assert "\x1b[Klist pages 3/3, articles 60/60" in bar.stderr  # text mode turned "\r" into "\n"
    assert "Progress: list pages" in log.stderr and "\x1b[K" not in log.stderr


def test_bad_option_values_exit_2(tmp_path: Path, write_sources):
    write_sources(HRBEU_YAML)
    for args, message in (
        (["backfill", "hrbeu", "--since", "2021-13-01"],
         "archiver: error: --since expects a date like 2020-01-31, got '2021-13-01'"),
        (["backfill", "hrbeu", "--since", "2015-02-30"],
         "archiver: error: --since expects a date like 2020-01-31, got '2015-02-30'"),
        (["backfill", "hrbeu", "--until", "20150301"],
         "archiver: error: --until expects a date like 2020-01-31, got '20150301'"),
        (["backfill", "hrbeu", "--since", "2021-02-01", "--until", "2021-01-01"], "is after --until"),
        (["crawl", "--recheck-days", "-1"], "--recheck-days must be 0 or more"),
        (["crawl", "-s", "NOEQUALS"], "-s expects NAME=VALUE"),
    ):
        result = run_archiver(args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr
