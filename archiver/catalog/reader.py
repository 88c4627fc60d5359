"""A read-only snapshot of a catalog, for exports and the site: rows streamed in batches.

A SQLite catalog is opened read-only (`mode=ro`): a reader never migrates, creates or locks
it, so it runs beside a crawl, on a copy, or on read-only media. A PostgreSQL catalog is read
in one `REPEATABLE READ READ ONLY` transaction. Either way all rows come from one consistent
snapshot even while a crawl writes. Articles come in export order (SQLite sorts on disk beyond
its page cache; PostgreSQL streams from a server-side cursor), each batch's media in one query;
nothing grows with the size of the archive.
"""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archiver.catalog.dialect import Postgres, Sqlite, driver_errors, is_url, one_line
from archiver.catalog.records import CatalogError
from archiver.catalog.schema import check_version

# A reader waits only while another connection holds the database exclusively, which no crawl
# does; waiting longer than this would not help.
BUSY_TIMEOUT = 2.0
BATCH_SIZE = 500
# One pass in order reads each page about once; SQLite's default 2 MiB page cache would only
# fill up, and make peak memory depend on how much of the catalog fits in it.
CACHE_KIB = 1024
_ARTICLES = (
    "SELECT id, source, url, urlname, title, published, archived, updated, path FROM articles"
)
_ORDER = " ORDER BY published IS NULL, published, url, source"
_MEDIA = (
    "SELECT article_id, kind, url, name, local_path, sha256, bytes FROM media "
    "WHERE kind IN ('image', 'attachment') AND article_id IN ({ids}) "
    "ORDER BY article_id, kind, position"
)
_ENTRIES = "SELECT source, path, url, title, published, archived FROM articles"


class CatalogReader:
    """A read-only connection to a catalog (file path or `postgresql://` URL), checked to be
    one this archiver can read."""

    def __init__(self, location: str | Path) -> None:
        self.errors = driver_errors()
        if is_url(location):
            self.db: Sqlite | Postgres = Postgres(str(location), busy_timeout=BUSY_TIMEOUT)
            self.path: str | Path = self.db.where
            try:
                version, tables = self._snapshot()
            except self.errors as exc:
                raise self.error(exc) from exc
        else:
            self.path = Path(location)
            version, tables = self._open_file(self.path)
        try:
            check_version(version, str(self.path))
        except CatalogError:
            self.db.close()
            raise
        if version < 1 or not {"articles", "media"} <= tables:
            self.db.close()
            raise CatalogError(f"{self.path}: not an archiver catalog (no articles table)")

    def _open_file(self, path: Path) -> tuple[int, set[str]]:
        if not path.is_file():
            raise CatalogError(
                f"{path}: no catalog here; run a crawl first, or pass --from-files to export "
                "from the Markdown files alone"
            )
        try:
            self.db = Sqlite(path, busy_timeout=BUSY_TIMEOUT, read_only=True)
            return self._snapshot()
        except sqlite3.OperationalError as exc:
            if os.access(path.parent, os.W_OK):
                raise self.error(exc) from exc
            # A WAL catalog on a read-only medium: SQLite cannot create its shared-memory file
            # there, so it is read as immutable, which is true of a medium nobody can write to.
            try:
                self.db = Sqlite(path, busy_timeout=BUSY_TIMEOUT, read_only=True, immutable=True)
                return self._snapshot()
            except sqlite3.Error as again:
                raise self.error(again) from again
        except sqlite3.Error as exc:
            raise self.error(exc) from exc

    def _snapshot(self) -> tuple[int, set[str]]:
        """Start the read snapshot; the schema version and tables."""
        try:
            self.db.tune_for_reading(CACHE_KIB)
            self.db.begin(read_only=True)
            return self.db.schema_version(), self.db.tables()
        except self.errors:
            self.db.close()
            raise

    def error(self, exc: BaseException) -> CatalogError:
        """A CatalogError that says what went wrong in words a user can act on."""
        if self.db.is_busy(exc):
            return CatalogError(
                f"{self.path}: catalog is locked by another program ({one_line(exc)}); try again later"
            )
        return CatalogError(f"{self.path}: cannot read catalog: {one_line(exc)}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CatalogReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def sources(self) -> list[str]:
        """Sources that have at least one article."""
        try:
            return [r[0] for r in self.db.execute("SELECT DISTINCT source FROM articles ORDER BY source")]
        except self.errors as exc:
            raise self.error(exc) from exc

    def rows(self, sources: tuple[str, ...] = ()) -> Iterator[tuple[Any, list[Any]]]:
        """Article rows of `sources` (every one when empty) in export order, each with its
        media rows; rows are read by column name."""
        sql, params = _ARTICLES, list(sources)
        if sources:
            sql += f" WHERE source IN ({', '.join('?' for _ in params)})"
        try:
            cursor = self.db.stream(sql + _ORDER, params)
            while batch := cursor.fetchmany(BATCH_SIZE):
                media = self._media([row["id"] for row in batch])
                for row in batch:
                    yield row, media.get(row["id"], [])
        except self.errors as exc:
            raise self.error(exc) from exc

    def entries(self) -> Iterator[Any]:
        """Every article's source, path, url, title, published and archived (for the site)."""
        try:
            yield from self.db.execute(_ENTRIES)
        except self.errors as exc:  # a damaged catalog: a clear error (exit 2)
            raise self.error(exc) from exc

    def archived_urls(self, source: str) -> list[tuple[str, str]]:
        """The source's articles as (URL, archive time), in the order they were archived."""
        try:
            return [(r[0], r[1]) for r in self.db.execute(
                "SELECT url, archived FROM articles WHERE source = ? ORDER BY id", (source,))]
        except self.errors as exc:
            raise self.error(exc) from exc

    def stored_media(self) -> list[tuple[str, str, str, str | None, str]]:
        """Every archived medium as (URL, local path, sha256, content type, kind)."""
        try:
            return [tuple(r) for r in self.db.execute(  # type: ignore[misc]
                "SELECT url, local_path, sha256, content_type, kind FROM media "
                "WHERE state = 'done' AND local_path IS NOT NULL ORDER BY id")]
        except self.errors as exc:
            raise self.error(exc) from exc

    def _media(self, ids: list[int]) -> dict[int, list[Any]]:
        found: dict[int, list[Any]] = defaultdict(list)
        for row in self.db.execute(_MEDIA.format(ids=", ".join("?" for _ in ids)), ids):
            found[row["article_id"]].append(row)
        return found
