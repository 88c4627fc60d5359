"""The catalog: schema versions, migrations, transactions and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.catalog import MIGRATIONS, SCHEMA_VERSION, ArticleRecord, Catalog, CatalogError, MediaRecord
from archiver.catalog.schema import statements
from conftest import HRBEU_YAML, run_archiver


def record(url: str = "http://a/1.htm", **changes) -> ArticleRecord:
    values = dict(source="s", url=url, urlname="u", title="t", published="2021-01-02T03:04:05+08:00",
                  archived="2021-11-26 01:22:02.872027", updated=None, checked="c",
                  content_hash="h", path="s/u.md", bytes=10)
    values.update(changes)
    return ArticleRecord(**values)


def test_new_catalog_is_at_current_schema_version(catalog_location: str):
    with Catalog(catalog_location) as catalog:
        assert catalog.schema_version() == SCHEMA_VERSION
        tables = catalog.db.tables()
    assert {"articles", "media", "failures", "runs"} <= tables
    with Catalog(catalog_location) as again:  # opening a current catalog migrates nothing
        assert again.schema_version() == SCHEMA_VERSION


def test_catalog_from_a_newer_archiver_is_refused(catalog_location: str):
    with Catalog(catalog_location) as catalog:
        catalog.db.set_schema_version(SCHEMA_VERSION + 1)
    with pytest.raises(CatalogError, match="newer than this archiver understands"):
        Catalog(catalog_location)


def test_a_version_1_catalog_is_migrated_forward_keeping_its_rows(catalog_location: str):
    with Catalog(catalog_location) as catalog:  # rebuild it as version 1 left it
        for table in ("media", "failures", "runs", "articles"):
            catalog.db.execute(f"DROP TABLE {table}")
        for statement in statements(MIGRATIONS[0], catalog.db.types):
            catalog.db.execute(statement)
        catalog.db.set_schema_version(1)
        catalog.db.execute("INSERT INTO articles (source, url, urlname, title, archived, checked, "
                           "content_hash, path, bytes) VALUES ('s', 'http://a/1.htm', 'u', 't', "
                           "'a', 'c', 'h', 's/u.md', 10)")
    with Catalog(catalog_location) as catalog:
        assert catalog.schema_version() == SCHEMA_VERSION
        assert catalog.article("s", "http://a/1.htm").path == "s/u.md"
        catalog.save_article(record("http://a/2.htm"), [MediaRecord("image", 0, "http://a/i.jpg",
                                                                    next_attempt="later")])
        assert catalog.media("s", "http://a/2.htm")[0].next_attempt == "later"


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


def test_save_replaces_media_and_clears_failure(catalog_location: str):
    with Catalog(catalog_location) as catalog:
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


def test_failed_transaction_leaves_nothing(catalog_location: str):
    with Catalog(catalog_location) as catalog:
        with pytest.raises(catalog.errors, match="UNIQUE|unique"):
            catalog.save_article(record(), [MediaRecord("image", 0, "x"), MediaRecord("image", 0, "dup")])
        assert catalog.count() == 0


def test_published_since_is_the_recheck_window(catalog_location: str):
    from datetime import datetime, timedelta, timezone
    china = timezone(timedelta(hours=8))
    with Catalog(catalog_location) as catalog:
        catalog.save_article(record("http://a/old", published="2021-01-01T00:00:00+08:00"), [])
        catalog.save_article(record("http://a/new", published="2021-01-05T00:00:00+08:00"), [])
        catalog.save_article(record("http://a/none", published=None), [])
        assert catalog.published_since("s", datetime(2021, 1, 3, tzinfo=china)) == ["http://a/new"]
