"""A PostgreSQL catalog end to end, on a real server: crawls of the replica write the same
files as with SQLite, `verify` finds them consistent, `export` gives the same records, a
killed backfill resumes; an unreachable server is one line and exit 2; the lock is the
database's, per source."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from archiver.catalog import Catalog
from archiver.lock import SourceLocks
from archiver.article_file.render import format_timestamp
from archiver.replica import ReplicaServer, ReplicaSite
from conftest import FAST, HRBEU_YAML, SAMPLE_NOW, clean_env, run_archiver

LOCAL_YAML = HRBEU_YAML + "    image_links: local\n"


def archived_files(folder: Path) -> dict[str, bytes]:
    """Every archived file (articles and media) by path; the catalog folder left out."""
    root = folder / "output"
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*") if p.is_file() and ".archiver" not in p.parts}


def local(moment) -> str:
    return format_timestamp(moment.replace(tzinfo=None))


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory, pg_server) -> dict:
    """The same replica backfilled, then crawled after 3 new articles and an edit, twice:
    once with the SQLite catalog, once with a PostgreSQL one (through $ARCHIVER_CATALOG_URL)."""
    url = pg_server.create_database()
    folders = {}
    for name, env in (("sqlite", {}), ("postgresql", {"ARCHIVER_CATALOG_URL": url})):
        site = ReplicaSite(articles=40, seed=11)
        folder = tmp_path_factory.mktemp(name)
        (folder / "sources.yaml").write_text(LOCAL_YAML, encoding="utf-8")
        first_now = local(site.article(39).published + timedelta(hours=2))
        with ReplicaServer(site) as server:
            first = run_archiver(["backfill", "hrbeu", *FAST], cwd=folder, proxy=server.url,
                                 now=first_now, **env)
            assert first.returncode == 0, first.stderr[-3000:]
            site.add_articles(3)
            site.edit(5)
            second = run_archiver(["crawl", *FAST], cwd=folder, proxy=server.url,
                                  now=local(site.article(42).published + timedelta(hours=1)), **env)
            assert second.returncode == 0, second.stderr[-3000:]
            assert "articles new 3" in second.stdout
        folders[name] = folder
    return {"url": url, **folders}


def test_a_postgresql_catalog_archives_the_same_files(twins: dict) -> None:
    sqlite_files, pg_files = archived_files(twins["sqlite"]), archived_files(twins["postgresql"])
    assert len([p for p in pg_files if p.endswith(".md")]) == 43
    assert pg_files == sqlite_files
    assert not (twins["postgresql"] / "output" / ".archiver" / "catalog.sqlite").exists()
    with Catalog(twins["url"]) as catalog, \
            Catalog(twins["sqlite"] / "output" / ".archiver" / "catalog.sqlite") as embedded:
        assert catalog.dialect == "postgresql"
        assert list(catalog.articles()) == list(embedded.articles())
        assert catalog.failures() == embedded.failures() == []
        assert [r["command"] for r in catalog.runs()] == [r["command"] for r in embedded.runs()]


def test_verify_and_export_read_the_postgresql_catalog(twins: dict) -> None:
    result = run_archiver(["verify", "--catalog-url", twins["url"]], cwd=twins["postgresql"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "archiver verify: the catalog and the files agree"
    exports = {}
    for name, env in (("sqlite", {}), ("postgresql", {"ARCHIVER_CATALOG_URL": twins["url"]})):
        done = run_archiver(["export", "--format", "jsonl"], cwd=twins[name], **env)
        assert done.returncode == 0, done.stderr
        exports[name] = done.stdout
    assert exports["postgresql"] == exports["sqlite"]
    assert len(exports["sqlite"].splitlines()) == 43


def test_media_reads_the_postgresql_catalog(twins: dict) -> None:
    result = run_archiver(["media", "hrbeu", "--catalog-url", twins["url"]], cwd=twins["postgresql"])
    expected = run_archiver(["media", "hrbeu"], cwd=twins["sqlite"])
    assert result.returncode == expected.returncode == 0, result.stderr
    assert result.stdout == expected.stdout
    assert "image done" in result.stdout


@pytest.mark.parametrize("command", [["crawl"], ["backfill", "hrbeu"], ["verify"], ["export"],
                                     ["media", "hrbeu"]])
def test_an_unreachable_server_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    (tmp_path / "output").mkdir()
    url = f"postgresql://nobody@/archive?host={tmp_path}/no-server-here"
    result = run_archiver([*command, "--catalog-url", url], cwd=tmp_path,
                          http_proxy="http://127.0.0.1:9")  # nothing may be fetched either
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"archiver: error: {url}: cannot connect to the catalog: ")
    assert list((tmp_path / "output").iterdir()) == []  # nothing written


def test_a_catalog_url_that_is_not_postgresql_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    result = run_archiver(["crawl"], cwd=tmp_path, ARCHIVER_CATALOG_URL="mysql://x/y")
    assert result.returncode == 2
    assert "$ARCHIVER_CATALOG_URL 'mysql://x/y': not a postgresql:// URL" in result.stderr


def test_the_lock_is_per_source_in_the_database(tmp_path: Path, pg_url: str) -> None:
    """A run holding source hrbeu (on any machine: the lock is the server's) makes a crawl of
    hrbeu and a whole-archive verify exit 75 at once, fetching nothing; released, they run."""
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    (tmp_path / "output").mkdir()
    with SourceLocks(pg_url, ["hrbeu"], "another machine's crawl"):
        for command in (["crawl"], ["verify"]):
            result = run_archiver([*command, "--catalog-url", pg_url], cwd=tmp_path,
                                  http_proxy="http://127.0.0.1:9")
            assert result.returncode == 75, result.stderr
            assert "another archiver run is using" in result.stderr
        with SourceLocks(pg_url, ["other"], "a crawl of another source"):
            pass  # different sources do not exclude each other
    result = run_archiver(["verify", "--catalog-url", pg_url], cwd=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_a_killed_backfill_resumes_from_the_postgresql_catalog(tmp_path: Path, pg_url: str) -> None:
    site = ReplicaSite(articles=400, seed=12)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for folder in (clean, killed):
        folder.mkdir()
        (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    args = ["backfill", "hrbeu", *FAST]
    out = killed / "output" / "hrbeu"
    with ReplicaServer(site) as server:
        assert run_archiver(args, cwd=clean, proxy=server.url).returncode == 0
        env = clean_env(ARCHIVER_NOW=SAMPLE_NOW, http_proxy=server.url, ARCHIVER_CATALOG_URL=pg_url)
        process = subprocess.Popen([sys.executable, "-m", "archiver", *args], cwd=killed, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from test_incremental import wait_for

        wait_for(lambda: out.is_dir() and sum(1 for _ in os.scandir(out)) >= 150, what="150 files")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        result = run_archiver(args, cwd=killed, proxy=server.url, ARCHIVER_CATALOG_URL=pg_url)
        assert result.returncode == 0, result.stderr[-3000:]
    assert archived_files(killed) == archived_files(clean)
    with Catalog(pg_url) as catalog:
        assert catalog.count("hrbeu") == 400


def test_a_catalog_server_lost_mid_run_stops_the_run_with_nothing_half_recorded(
        tmp_path: Path, pg_url: str) -> None:
    """The server drops the crawl's connections (as on a restart) while the first article is
    fetched: the run stops with exit 74 and the reason, the article's file goes with its
    row, and the next run archives it."""
    import psycopg

    from logging_proxy import LoggingProxy
    from test_catalog_busy import small_site

    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    dropped: list[int] = []

    def drop_connections(url: str) -> None:
        if url.endswith("/info/1/1.htm") and not dropped:
            with psycopg.connect(pg_url, autocommit=True) as admin:
                dropped.extend(row[0] for row in admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))

    with LoggingProxy(on_request=drop_connections) as site:
        small_site(site)
        result = run_archiver(["crawl", *FAST], cwd=tmp_path, proxy=site.url,
                              ARCHIVER_CATALOG_URL=pg_url)
        assert dropped, "the crawl never held a connection"
        assert result.returncode == 74, result.stderr[-3000:]
        assert result.stderr.splitlines()[-1].startswith("archiver: the catalog is unavailable: ")
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        assert list((tmp_path / "output" / "hrbeu").glob("*.md")) == []  # went with its row
        again = run_archiver(["crawl", *FAST], cwd=tmp_path, proxy=site.url,
                             ARCHIVER_CATALOG_URL=pg_url)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(list((tmp_path / "output" / "hrbeu").glob("*.md"))) == 1
    with Catalog(pg_url) as catalog:
        assert catalog.count("hrbeu") == 1
