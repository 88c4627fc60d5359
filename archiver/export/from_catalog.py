"""Export records from the catalog: metadata and media from SQLite, bodies from the files.

The catalog is opened read-only (`mode=ro`): an export never migrates, creates or locks it, so it
runs beside a crawl, on a copy, or on read-only media. All rows come from one read transaction,
a consistent snapshot even while a crawl writes (WAL). Rows flow in batches: articles in export
order (SQLite sorts on disk beyond its page cache), each batch's media in one query, each
article's file read when its record is built; nothing grows with the size of the archive.
"""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from archiver.catalog import SCHEMA_VERSION, CatalogError
from archiver.config import Source
from archiver.export.article_file import ArticleFileError, read_article_file
from archiver.export.front_matter import read_front_matter, source_layout
from archiver.export.markdown_text import markdown_to_text
from archiver.export.query import ExportQuery
from archiver.export.records import (
    AttachmentRef,
    ExportRecord,
    ImageRef,
    china_time,
    local_time,
)

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

Warn = Callable[[str], None]


class CatalogReader:
    """A read-only connection to a catalog, checked to be one this archiver can read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise CatalogError(
                f"{path}: no catalog here; run a crawl first, or pass --from-files to export "
                "from the Markdown files alone"
            )
        try:
            version, tables = self._open("mode=ro")
        except sqlite3.OperationalError as exc:
            if os.access(path.parent, os.W_OK):
                raise self.error(exc) from exc
            # A WAL catalog on a read-only medium: SQLite cannot create its shared-memory file
            # there, so it is read as immutable, which is true of a medium nobody can write to.
            try:
                version, tables = self._open("mode=ro&immutable=1")
            except sqlite3.Error as again:
                raise self.error(again) from again
        except sqlite3.Error as exc:
            raise self.error(exc) from exc
        if version > SCHEMA_VERSION:
            self.db.close()
            raise CatalogError(
                f"{path}: catalog schema version {version} is newer than this archiver "
                f"understands ({SCHEMA_VERSION}); upgrade archiver"
            )
        if version < 1 or not {"articles", "media"} <= tables:
            self.db.close()
            raise CatalogError(f"{path}: not an archiver catalog (no articles table)")

    def _open(self, options: str) -> tuple[int, set[str]]:
        """Connect with the URI `options`, start the read snapshot; the schema version and tables."""
        self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?{options}", uri=True,
                                  timeout=BUSY_TIMEOUT, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self.db.execute("BEGIN")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error:
            self.db.close()
            raise
        return version, tables

    def error(self, exc: sqlite3.Error) -> CatalogError:
        """A CatalogError that says what went wrong in words a user can act on."""
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return CatalogError(
                f"{self.path}: catalog is locked by another program ({exc}); try again later"
            )
        return CatalogError(f"{self.path}: cannot read catalog: {exc}")

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
        except sqlite3.Error as exc:
            raise self.error(exc) from exc

    def rows(self, query: ExportQuery) -> Iterator[tuple[sqlite3.Row, list[sqlite3.Row]]]:
        """Article rows of the query's sources in export order, each with its media rows."""
        sql, params = _ARTICLES, list(query.sources)
        if query.sources:
            sql += f" WHERE source IN ({', '.join('?' for _ in params)})"
        try:
            cursor = self.db.execute(sql + _ORDER, params)
            while batch := cursor.fetchmany(BATCH_SIZE):
                media = self._media([row["id"] for row in batch])
                for row in batch:
                    yield row, media.get(row["id"], [])
        except sqlite3.Error as exc:
            raise self.error(exc) from exc

    def _media(self, ids: list[int]) -> dict[int, list[sqlite3.Row]]:
        found: dict[int, list[sqlite3.Row]] = defaultdict(list)
        for row in self.db.execute(_MEDIA.format(ids=", ".join("?" for _ in ids)), ids):
            found[row["article_id"]].append(row)
        return found


def catalog_records(
    reader: CatalogReader,
    output: Path,
    query: ExportQuery,
    configured: dict[str, Source],
    warn: Warn,
) -> Iterator[ExportRecord]:
    """The query's articles as export records; a file that cannot be read is warned about and
    its record keeps the catalog's fields with `text`, `markdown` and `chars` None."""
    folder = os.fspath(output)
    for row, media in reader.rows(query):
        published = china_time(_timestamp(reader, row, "published"))
        archived = local_time(_parse_timestamp(reader, row, "archived"))
        updated = _timestamp(reader, row, "updated")
        updated = local_time(updated) if updated else None
        if not (query.published_in_range(published) and query.changed(archived, updated)):
            continue
        markdown = text = site_name = None
        source = configured.get(row["source"])
        try:
            parts = read_article_file(os.path.join(folder, row["path"]))
            markdown = parts.markdown
            text = markdown_to_text(markdown)
            if source is None:
                site_name = source_layout(read_front_matter(parts.front_matter), None)[0].get("name")
        except ArticleFileError as exc:
            warn(f"{row['path']}: {exc}; its record has no text")
        yield ExportRecord(
            id=row["urlname"],
            url=row["url"],
            source=row["source"],
            site_name=source.name if source else site_name,
            title=row["title"],
            published=published,
            archived=archived,
            updated=updated,
            text=text,
            markdown=markdown,
            images=tuple(
                ImageRef(m["url"], m["local_path"], m["sha256"], m["bytes"])
                for m in media if m["kind"] == "image"
            ),
            attachments=tuple(
                AttachmentRef(m["name"], m["url"], m["local_path"])
                for m in media if m["kind"] == "attachment"
            ),
            path=row["path"],
            chars=None if text is None else len(text),
        )


def _timestamp(reader: CatalogReader, row: sqlite3.Row, column: str) -> datetime | None:
    value = row[column]
    return None if value is None else _parse_timestamp(reader, row, column)


def _parse_timestamp(reader: CatalogReader, row: sqlite3.Row, column: str) -> datetime:
    """A stored ISO 8601 value; one that does not parse means the catalog was tampered with."""
    value = row[column]
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise CatalogError(
            f"{reader.path}: article {row['url']}: {column} {value!r} is not a date and time"
        ) from None
