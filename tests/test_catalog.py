"""The catalog: schema versions, migrations, transactions and clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archiver.catalog import SCHEMA_VERSION, ArticleRecord, Catalog, CatalogError, MediaRecord
from conftest import HRBEU_YAML, run_archiver


def record(url: str = "http://a/1.htm", **changes) -> ArticleRecord:
    values = dict(source="s", url=url, urlname="u", title="t", published="2021-01-02T03:04:05+08:00",
                  archived="2021-11-26 01:22:02.872027", updated=None, checked="c",
                  content_hash="h", path="s/u.md", bytes=10)
    values.update(changes)
    return ArticleRecord(**values)


def test_new_catalog_is_at_current_schema_version(tmp_path: Path):
    with Catalog(tmp_path / "c.sqlite") as catalog:
        assert catalog.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in catalog.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "media", "failures", "runs"} <= tables


def test_catalog_from_a_newer_archiver_is_refused(tmp_path: Path):
    path = tmp_path / "c.sqlite"
    Catalog(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(CatalogError, match="newer than this archiver understands"):
        Catalog(path)


def test_corrupt_catalog_is_a_clear_error_with_exit_code_2(tmp_path: Path, write_sources):
    path = tmp_path / "output" / ".archiver" / "catalog.sqlite"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CatalogError, match="cannot open catalog"):
        Catalog(path)
    write_sources(HRBEU_YAML)
    result = run_archiver(["crawl"], cwd=tmp_path)
    assert result.returncode == 2
    assert "archiver: error: output/.archiver/catalog.sqlite: cannot open catalog" in result.stderr
    assert "Traceback" not in result.stderr


def test_save_replaces_media_and_clears_failure(tmp_path: Path):
    with Catalog(tmp_path / "c.sqlite") as catalog:
        catalog.record_failure("s", "http://a/1.htm", "http_500", "boom", "now")
        catalog.record_failure("s", "http://a/1.htm", "http_500", "boom", "later")
        assert catalog.failures()[0]["attempts"] == 2
        assert catalog.failed_urls("s", max_attempts=3) == ["http://a/1.htm"]
        assert catalog.failed_urls("s", max_attempts=2) == []
        catalog.save_article(record(), [MediaRecord("image", 0, "http://a/i.jpg")])
        catalog.save_article(record(title="t2"), [MediaRecord("image", 0, "http://a/j.jpg"),
                                                  MediaRecord("attachment", 0, "http://a/f.doc", name="f.doc")])
        assert catalog.failures() == []
        assert catalog.article("s", "http://a/1.htm").title == "t2"
        assert [m.url for m in catalog.media("s", "http://a/1.htm")] == ["http://a/f.doc", "http://a/j.jpg"]


def test_failed_transaction_leaves_nothing(tmp_path: Path):
    with Catalog(tmp_path / "c.sqlite") as catalog:
        with pytest.raises(sqlite3.IntegrityError):
            catalog.save_article(record(), [MediaRecord("image", 0, "x"), MediaRecord("image", 0, "dup")])
        assert catalog.count() == 0


def test_published_since_is_the_recheck_window(tmp_path: Path):
    from datetime import datetime, timedelta, timezone
    china = timezone(timedelta(hours=8))
    with Catalog(tmp_path / "c.sqlite") as catalog:
        catalog.save_article(record("http://a/old", published="2021-01-01T00:00:00+08:00"), [])
        catalog.save_article(record("http://a/new", published="2021-01-05T00:00:00+08:00"), [])
        catalog.save_article(record("http://a/none", published=None), [])
        assert catalog.published_since("s", datetime(2021, 1, 3, tzinfo=china)) == ["http://a/new"]
