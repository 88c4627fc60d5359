"""The catalog: a record of what was archived, what failed, and every run.

It is what makes a scheduled crawl cheap (known URLs are not fetched again), a backfill
resumable (what is done is in the catalog), and an export possible without re-reading every
file. By default one SQLite file, `OUTPUT/.archiver/catalog.sqlite`; or a PostgreSQL database
(`postgresql://…`) that the workers of a cluster share. The schema is versioned and migrated
forward on open; every change is one transaction, committed only after the article's file is
safely on disk. Every query of the archive's tables is here (or in `reader`), written once for
both databases; `dialect` holds what differs.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from archiver.catalog.dialect import Postgres, Sqlite, connect, driver_errors, is_url, one_line
from archiver.catalog.records import ArticleRecord, CatalogError, MediaRecord
from archiver.catalog.schema import MIGRATIONS, SCHEMA_VERSION, check_version, statements

CATALOG_DIR = ".archiver"
CATALOG_NAME = "catalog.sqlite"
_ARTICLE_COLUMNS = ("source, url, urlname, title, published, archived, updated, checked, "
                    "content_hash, path, bytes")
_MEDIA_COLUMNS = (
    "m.kind, m.position, m.url, m.name, m.state, m.local_path, m.sha256, m.bytes, m.content_type, "
    "m.attempts, m.last_error, m.next_attempt"
)


def default_catalog_path(output: str | Path) -> Path:
    """`OUTPUT/.archiver/catalog.sqlite`."""
    return Path(output) / CATALOG_DIR / CATALOG_NAME


def open_catalog(location: str | Path, *, create: bool = True, busy_timeout: float = 10.0,
                 check: bool = False) -> Catalog:
    """The catalog at `location`, a file path (SQLite) or a `postgresql://` URL, migrated to
    the current schema; with `check`, also checked for damage (SQLite's `quick_check`), so a
    command fails clearly (CatalogError, exit 2) before it starts rather than halfway."""
    catalog = Catalog(location, create=create, busy_timeout=busy_timeout)
    if check:
        try:
            catalog.check_integrity()
        except CatalogError:
            catalog.close()
            raise
    return catalog


class Catalog:
    """A connection to one catalog (a file path or a `postgresql://` URL), migrated to the
    current schema on open."""

    def __init__(self, location: str | Path, *, create: bool = True, busy_timeout: float = 10.0) -> None:
        self.busy_timeout = busy_timeout
        self.errors = driver_errors()
        if is_url(location):
            self.db: Sqlite | Postgres = connect(location, busy_timeout=busy_timeout)
            self.errors = driver_errors()  # psycopg's too, now that it is loaded
            self.path: str | Path = self.db.where
            self._open(self.db)
            return
        self.path = Path(location)
        if not create and not self.path.is_file():
            raise CatalogError(f"{self.path}: no catalog here (run a crawl first)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"{self.path}: cannot create catalog: {exc}") from exc
        try:
            self.db = connect(self.path, busy_timeout=busy_timeout)
        except self.errors as exc:
            raise CatalogError(f"{self.path}: cannot open catalog: {one_line(exc)}") from exc
        self._open(self.db)

    def _open(self, db: Sqlite | Postgres) -> None:
        try:
            db.prepare_for_writing()
            self._migrate()
        except self.errors as exc:
            db.close()
            raise CatalogError(f"{self.path}: cannot open catalog: {one_line(exc)}") from exc
        except CatalogError:
            db.close()
            raise

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.db.name

    def close(self) -> None:
        self.db.close()

    def check_writable(self) -> None:
        """CatalogError when another process holds the catalog's write lock longer than the busy
        timeout: a run must know before it fetches anything, not at its first article."""
        try:
            with self.transaction():
                pass
        except self.errors as exc:
            if not self.db.is_busy(exc):
                raise CatalogError(f"{self.path}: cannot write to the catalog: {one_line(exc)}") from None
            raise CatalogError(
                f"{self.path}: catalog is busy ({one_line(exc)}): another process has held it for "
                f"more than {self.busy_timeout:g} s; nothing was done"
            ) from None

    def check_integrity(self) -> None:
        """CatalogError when the database is damaged (SQLite's `quick_check`): a clear error
        before a command starts rather than a failure halfway through."""
        try:
            problems = self.db.integrity_problems()
        except self.errors as exc:
            raise CatalogError(f"{self.path}: catalog is damaged ({one_line(exc)})") from None
        if problems:
            raise CatalogError(
                f"{self.path}: catalog is damaged ({problems[0]}); restore it from a backup, or "
                "move it aside and run `archiver verify --repair` to build a new one from the files"
            )

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def schema_version(self) -> int:
        return self.db.schema_version()

    def _migrate(self) -> None:
        check_version(self.db.schema_version(), str(self.path))
        if self.db.schema_version() == SCHEMA_VERSION:
            return
        with self.transaction():
            self.db.lock_schema()
            version = self.db.schema_version()  # another process may have migrated meanwhile
            check_version(version, str(self.path))
            for number in range(version, SCHEMA_VERSION):
                for statement in statements(MIGRATIONS[number], self.db.types):
                    self.db.execute(statement)
                self.db.set_schema_version(number + 1)

    def transaction(self) -> _Transaction:
        """`with catalog.transaction():` — all or nothing; SQLite takes its write lock up front
        (retried for the busy timeout)."""
        return _Transaction(self.db)

    # -- articles

    def article(self, source: str, url: str) -> ArticleRecord | None:
        row = self.db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE source = ? AND url = ?",
            (source, url),
        ).fetchone()
        return ArticleRecord(**dict(row)) if row else None

    def archived_among(self, source: str, urls: list[str]) -> set[str]:
        """Which of `urls` the source has archived: one query for a whole list page."""
        found: set[str] = set()
        for start in range(0, len(urls), 500):  # well under any driver's parameter limit
            chunk = urls[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(r[0] for r in self.db.execute(
                f"SELECT url FROM articles WHERE source = ? AND url IN ({marks})", (source, *chunk)))
        return found

    def published_since(self, source: str, since: datetime) -> list[str]:
        """URLs of the source's articles published at or after `since` (the re-check window)."""
        rows = self.db.execute(
            "SELECT url, published FROM articles WHERE source = ? AND published IS NOT NULL "
            "ORDER BY published DESC, url",
            (source,),
        )
        return [r["url"] for r in rows if datetime.fromisoformat(r["published"]) >= since]

    def save_article(self, record: ArticleRecord, media: list[MediaRecord]) -> None:
        """Insert or update the article and replace its media rows; clear any failure record."""
        self.save_articles([(record, media)])

    def save_articles(self, articles: list[tuple[ArticleRecord, list[MediaRecord]]]) -> None:
        """`save_article` for many articles in one transaction (a crawl's batch of writes)."""
        with self.transaction():
            for record, media in articles:
                self._save_article(record, media)

    def _save_article(self, record: ArticleRecord, media: list[MediaRecord]) -> None:
        article_id = self.db.execute(
            f"INSERT INTO articles ({_ARTICLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (source, url) DO UPDATE SET urlname = excluded.urlname, "
            "title = excluded.title, published = excluded.published, "
            "archived = excluded.archived, updated = excluded.updated, "
            "checked = excluded.checked, content_hash = excluded.content_hash, "
            "path = excluded.path, bytes = excluded.bytes RETURNING id",
            (record.source, record.url, record.urlname, record.title, record.published,
             record.archived, record.updated, record.checked, record.content_hash,
             record.path, record.bytes),
        ).fetchone()[0]
        self.db.execute("DELETE FROM media WHERE article_id = ?", (article_id,))
        self.db.executemany(
            "INSERT INTO media (article_id, kind, position, url, name, local_path, sha256, "
            "bytes, content_type, state, attempts, last_error, next_attempt) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (article_id, m.kind, m.position, m.url, m.name, m.local_path, m.sha256,
                 m.bytes, m.content_type, m.state, m.attempts, m.last_error, m.next_attempt)
                for m in media
            ],
        )
        self.db.execute(
            "DELETE FROM failures WHERE source = ? AND url = ?", (record.source, record.url)
        )

    def mark_checked(self, source: str, url: str, when: str) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE articles SET checked = ? WHERE source = ? AND url = ?", (when, source, url)
            )

    def media(self, source: str, url: str) -> list[MediaRecord]:
        rows = self.db.execute(
            f"SELECT {_MEDIA_COLUMNS} FROM media m JOIN articles a "
            "ON a.id = m.article_id WHERE a.source = ? AND a.url = ? ORDER BY m.kind, m.position",
            (source, url),
        )
        return [MediaRecord(**dict(r)) for r in rows]

    # -- media

    def known_medium(self, source: str, url: str) -> MediaRecord | None:
        """What the source's archive knows of a media URL, whichever article uses it: a done
        copy first (newest), else the failure with the most attempts, else a linked row."""
        return self.known_media(source, [url]).get(url)

    def known_media(self, source: str, urls: list[str]) -> dict[str, MediaRecord]:
        """`known_medium` for several URLs (an article's media) in one query."""
        marks = ", ".join("?" * len(urls))
        rows = self.db.execute(
            f"SELECT {_MEDIA_COLUMNS} FROM media m JOIN articles a ON a.id = m.article_id "
            f"WHERE m.url IN ({marks}) AND a.source = ? ORDER BY m.state = 'done' DESC, "
            "m.state = 'failed' DESC, m.attempts DESC, m.id DESC",
            (*urls, source),
        )
        found: dict[str, MediaRecord] = {}
        for row in rows:
            found.setdefault(row["url"], MediaRecord(**dict(row)))
        return found

    def failed_media(self, source: str, due: str | None = None,
                     max_attempts: int | None = None) -> list[tuple[str, list[MediaRecord]]]:
        """Failed media to retry, grouped by article URL (in archive order): those whose back-off
        ended by `due` and with fewer than `max_attempts` attempts (None: every one)."""
        query = (
            f"SELECT a.url AS article_url, {_MEDIA_COLUMNS} FROM media m "
            "JOIN articles a ON a.id = m.article_id WHERE m.state = 'failed' AND a.source = ?"
        )
        params: list[Any] = [source]
        if due is not None:
            query += " AND (m.next_attempt IS NULL OR m.next_attempt <= ?)"
            params.append(due)
        if max_attempts is not None:
            query += " AND m.attempts < ?"
            params.append(max_attempts)
        grouped: dict[str, list[MediaRecord]] = {}
        for row in self.db.execute(query + " ORDER BY a.id, m.kind, m.position", params):
            values = dict(row)
            grouped.setdefault(values.pop("article_url"), []).append(MediaRecord(**values))
        return list(grouped.items())

    def update_media(self, source: str, article_url: str, media: list[MediaRecord],
                     content_hash: str | None = None, size: int | None = None) -> None:
        """Store new states of some of an article's media (matched by kind and position) and,
        when its file was rewritten, the file's new hash and size; one transaction."""
        with self.transaction():
            row = self.db.execute(
                "SELECT id FROM articles WHERE source = ? AND url = ?", (source, article_url)
            ).fetchone()
            if row is None:
                return
            self.db.executemany(
                "UPDATE media SET url = ?, name = ?, local_path = ?, sha256 = ?, bytes = ?, "
                "content_type = ?, state = ?, attempts = ?, last_error = ?, next_attempt = ? "
                "WHERE article_id = ? AND kind = ? AND position = ?",
                [
                    (m.url, m.name, m.local_path, m.sha256, m.bytes, m.content_type, m.state,
                     m.attempts, m.last_error, m.next_attempt, row[0], m.kind, m.position)
                    for m in media
                ],
            )
            if content_hash is not None:
                self.db.execute(
                    "UPDATE articles SET content_hash = ?, bytes = ? WHERE id = ?",
                    (content_hash, size, row[0]),
                )

    def media_summary(self, source: str) -> dict[str, dict[str, int]]:
        """Media rows per kind and state (`{"image": {"done": 120, "failed": 2}}`)."""
        summary: dict[str, dict[str, int]] = {}
        for row in self.db.execute(
            "SELECT m.kind, m.state, count(*) FROM media m JOIN articles a ON a.id = m.article_id "
            "WHERE a.source = ? GROUP BY m.kind, m.state ORDER BY m.kind, m.state",
            (source,),
        ):
            summary.setdefault(row[0], {})[row[1]] = row[2]
        return summary

    def articles(self, source: str | None = None) -> Iterator[ArticleRecord]:
        """Every article (of one source), in publication order then URL, streamed."""
        query = f"SELECT {_ARTICLE_COLUMNS} FROM articles"
        params: tuple[Any, ...] = ()
        if source is not None:
            query += " WHERE source = ?"
            params = (source,)
        for row in self.db.execute(query + " ORDER BY published NULLS FIRST, url", params):
            yield ArticleRecord(**dict(row))

    def count(self, source: str | None = None) -> int:
        if source is None:
            return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        return self.db.execute(
            "SELECT count(*) FROM articles WHERE source = ?", (source,)
        ).fetchone()[0]

    def sources(self) -> list[str]:
        """Sources that have at least one article."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT source FROM articles ORDER BY source")]

    # -- verify and repair

    def article_rows(self, source: str) -> list[tuple[int, str, str, str, int]]:
        """The source's articles as (row id, url, path, content hash, bytes), by path: what
        `archiver verify` checks against the files."""
        return [tuple(r) for r in self.db.execute(  # type: ignore[misc]
            "SELECT id, url, path, content_hash, bytes FROM articles WHERE source = ? ORDER BY path",
            (source,))]

    def media_files(self, source: str) -> list[tuple[str, str | None, int | None, str]]:
        """The source's media rows that have a file, as (local path, sha256, bytes, state), by
        path (rows sharing a file are adjacent)."""
        return [tuple(r) for r in self.db.execute(  # type: ignore[misc]
            "SELECT m.local_path, m.sha256, m.bytes, m.state FROM media m "
            "JOIN articles a ON a.id = m.article_id "
            "WHERE a.source = ? AND m.local_path IS NOT NULL ORDER BY m.local_path",
            (source,))]

    def set_file_facts(self, article_id: int, content_hash: str, size: int) -> None:
        """Trust the file: record its hash and size in the article's row."""
        with self.transaction():
            self.db.execute("UPDATE articles SET content_hash = ?, bytes = ? WHERE id = ?",
                            (content_hash, size, article_id))

    def forget_article(self, article_id: int) -> None:
        """Delete an article's row (its media rows go with it)."""
        with self.transaction():
            self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    def fail_media_file(self, source: str, path: str, error: str,
                        keep: tuple[str, int] | None = None) -> tuple[int, int]:
        """Mark the source's done media rows of the file at `path` failed, due for a new
        download (except those matching `keep`, the file's actual sha256 and size); the number
        marked, and how many done rows (of any source) still use the file."""
        with self.transaction():
            query = (
                "UPDATE media SET state = 'failed', local_path = NULL, sha256 = NULL, bytes = NULL, "
                "content_type = NULL, attempts = 0, next_attempt = NULL, last_error = ? "
                "WHERE state = 'done' AND local_path = ? "
                "AND article_id IN (SELECT id FROM articles WHERE source = ?)"
            )
            params: list[Any] = [error, path, source]
            if keep is not None:
                query += " AND NOT (sha256 = ? AND (bytes IS NULL OR bytes = ?))"
                params += list(keep)
            failed = self.db.execute(query, params).rowcount
            still_used = self.db.execute(
                "SELECT count(*) FROM media WHERE state = 'done' AND local_path = ?", (path,)
            ).fetchone()[0]
        return int(failed), int(still_used)

    # -- failures

    def record_failure(self, source: str, url: str, reason: str, message: str, when: str) -> None:
        """Remember a failed article so the next run retries it (attempts are counted)."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO failures (source, url, reason, message, attempts, first_failed, "
                "last_failed) VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (source, url) DO UPDATE "
                "SET reason = excluded.reason, message = excluded.message, "
                "attempts = failures.attempts + 1, last_failed = excluded.last_failed",
                (source, url, reason, message, when, when),
            )

    def failed_urls(self, source: str, max_attempts: int) -> list[str]:
        """Failed articles still worth retrying, oldest failure first."""
        rows = self.db.execute(
            "SELECT url FROM failures WHERE source = ? AND attempts < ? ORDER BY first_failed, url",
            (source, max_attempts),
        )
        return [r["url"] for r in rows]

    def failures(self, source: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM failures"
        params: tuple[Any, ...] = ()
        if source is not None:
            query += " WHERE source = ?"
            params = (source,)
        return [dict(r) for r in self.db.execute(query + " ORDER BY source, url", params)]

    # -- runs

    def start_run(self, command: str, source: str, started: str) -> int:
        with self.transaction():
            run_id = self.db.execute(
                "INSERT INTO runs (command, source, started) VALUES (?, ?, ?) RETURNING id",
                (command, source, started),
            ).fetchone()[0]
        return int(run_id)

    def finish_run(self, run_id: int, finished: str, status: str, counts: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET finished = ?, status = ?, counts = ? WHERE id = ?",
                (finished, status, json.dumps(counts, sort_keys=True), run_id),
            )

    def rename_run(self, run_id: int, command: str) -> None:
        """Record the run as the command it really is (a rebuild runs the crawl's spider)."""
        with self.transaction():
            self.db.execute("UPDATE runs SET command = ? WHERE id = ?", (command, run_id))

    def runs(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]


class _Transaction:
    """BEGIN … COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: Sqlite | Postgres) -> None:
        self.db = db

    def __enter__(self) -> Sqlite | Postgres:
        self.db.begin()
        return self.db

    def __exit__(self, exc_type: type | None, *rest: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
