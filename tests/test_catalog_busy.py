"""A catalog another process holds: exit 2 with one line at start; mid-run, SQLite retries for
ARCHIVER_CATALOG_BUSY_TIMEOUT, then the run stops (exit 74) with nothing half-recorded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archiver.catalog import Catalog
from conftest import FAST, HRBEU_YAML, run_archiver
from logging_proxy import LoggingProxy
from test_crawl import article_page, list_page

BUSY = ["-s", "ARCHIVER_CATALOG_BUSY_TIMEOUT=0.5"]


def small_site(site: LoggingProxy) -> None:
    site.add("http://gongxue.cn/xw.htm", list_page("info/1/1.htm"))
    site.add("http://gongxue.cn/info/1/1.htm", article_page("文章", '<div class="v_news_content"><p>正文。</p></div>'))


def test_a_catalog_locked_at_start_is_exit_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    catalog = tmp_path / "output" / ".archiver" / "catalog.sqlite"
    Catalog(catalog).close()
    holder = sqlite3.connect(catalog, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with LoggingProxy() as site:
            small_site(site)
            result = run_archiver(["crawl", *BUSY, *FAST], cwd=tmp_path, proxy=site.url)
    finally:
        holder.close()
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"archiver: error: {catalog.relative_to(tmp_path)}: catalog is busy (database is locked): another "
        "process has held it for more than 0.5 s; nothing was done"]
    assert site.log == []


def test_a_catalog_locked_mid_run_stops_the_run_with_nothing_half_recorded(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    catalog = tmp_path / "output" / ".archiver" / "catalog.sqlite"
    holders: list[sqlite3.Connection] = []

    def lock_catalog(url: str) -> None:
        if url.endswith("/info/1/1.htm") and not holders:
            holders.append(sqlite3.connect(catalog, isolation_level=None, check_same_thread=False))
            holders[0].execute("BEGIN IMMEDIATE")

    try:
        with LoggingProxy(on_request=lock_catalog) as site:
            small_site(site)
            result = run_archiver(["crawl", *BUSY, *FAST], cwd=tmp_path, proxy=site.url)
    finally:
        for holder in holders:
            holder.close()
    assert result.returncode == 74, result.stderr[-3000:]
    assert "database is locked (SQLITE_BUSY)" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "output" / "hrbeu").glob("*.md")) == []  # the file went with its row
    with Catalog(catalog) as after:
        assert after.count("hrbeu") == 0
