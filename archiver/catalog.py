"""The catalog: an SQLite record of what was archived, what failed, and every run.

It is what makes a scheduled crawl cheap (known URLs are not fetched again), a backfill
resumable (what is done is in the catalog), and an export possible without re-reading every
file. One file, `OUTPUT/.archiver/catalog.sqlite` by default; schema versioned with
`PRAGMA user_version` and migrated forward on open; every change is one transaction, committed
only after the article's file is safely on disk.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

CATALOG_DIR = ".archiver"
CATALOG_NAME = "catalog.sqlite"

# Each entry moves the schema from version i to i+1; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        urlname TEXT NOT NULL,
        title TEXT NOT NULL,
        published TEXT,              -- ISO 8601 with offset, NULL when the page shows none
        archived TEXT NOT NULL,      -- the front matter's `date`, as written
        updated TEXT,                -- when a re-check found changed content
        checked TEXT NOT NULL,       -- last time the page was fetched
        content_hash TEXT NOT NULL,  -- sha256 of the file's bytes
        path TEXT NOT NULL,          -- the .md file, relative to the output folder
        bytes INTEGER NOT NULL,
        UNIQUE (source, url)
    );
    CREATE INDEX articles_by_published ON articles (source, published);
    CREATE TABLE media (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('image', 'attachment', 'video')),
        position INTEGER NOT NULL,
        url TEXT NOT NULL,
        name TEXT,
        local_path TEXT,
        sha256 TEXT,
        bytes INTEGER,
        content_type TEXT,
        state TEXT NOT NULL,         -- linked (original URL kept), done, failed
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        UNIQUE (article_id, kind, position)
    );
    CREATE TABLE failures (
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        reason TEXT NOT NULL,
        message TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        first_failed TEXT NOT NULL,
        last_failed TEXT NOT NULL,
        PRIMARY KEY (source, url)
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        source TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT,
        counts TEXT                  -- JSON object of the run's counters
    );
    """,
    """
    ALTER TABLE media ADD COLUMN next_attempt TEXT;  -- a failed download's back-off, NULL: none
    CREATE INDEX media_by_url ON media (url);
    CREATE INDEX media_failed ON media (state, next_attempt) WHERE state = 'failed';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class CatalogError(Exception):
    """The catalog cannot be used: unreadable, corrupt, locked, or from a newer archiver."""


@dataclass(frozen=True)
class ArticleRecord:
    """One archived article as the catalog knows it."""

    source: str
    url: str
    urlname: str
    title: str
    published: str | None
    archived: str
    updated: str | None
    checked: str
    content_hash: str
    path: str
    bytes: int


@dataclass(frozen=True)
class MediaRecord:
    """An image, attachment or video of an article, and what became of it."""

    kind: str
    position: int
    url: str
    name: str | None = None
    state: str = "linked"
    local_path: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    content_type: str | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt: str | None = None


_MEDIA_COLUMNS = (
    "m.kind, m.position, m.url, m.name, m.state, m.local_path, m.sha256, m.bytes, m.content_type, "
    "m.attempts, m.last_error, m.next_attempt"
)


def default_catalog_path(output: str | Path) -> Path:
    """`OUTPUT/.archiver/catalog.sqlite`."""
    return Path(output) / CATALOG_DIR / CATALOG_NAME


class Catalog:
    """A connection to one catalog file, migrated to the current schema on open."""

    def __init__(self, path: str | Path, *, create: bool = True, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        if not create and not self.path.is_file():
            raise CatalogError(f"{self.path}: no catalog here (run a crawl first)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # SQLite retries a locked catalog for `busy_timeout` seconds before giving up.
            self.db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL: a power loss may drop the last commits but never corrupts the file;
            # a lost row only means its (already written) file is fetched and rewritten again.
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{self.path}: cannot open catalog: {exc}") from exc
        except OSError as exc:
            raise CatalogError(f"{self.path}: cannot create catalog: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def check_writable(self) -> None:
        """CatalogError when another process holds the catalog's write lock longer than the busy
        timeout: a run must know before it fetches anything, not at its first article."""
        try:
            with self.transaction():
                pass
        except sqlite3.OperationalError as exc:
            raise CatalogError(
                f"{self.path}: catalog is busy ({exc}): another process has held it for more than "
                f"{self.busy_timeout:g} s; nothing was done"
            ) from None

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CatalogError(
                f"{self.path}: catalog schema version {version} is newer than this archiver "
                f"understands ({SCHEMA_VERSION}); upgrade archiver"
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def transaction(self) -> _Transaction:
        """`with catalog.transaction():` — all or nothing, retried by SQLite's busy timeout."""
        return _Transaction(self.db)

    # -- articles

    def article(self, source: str, url: str) -> ArticleRecord | None:
        row = self.db.execute(
            "SELECT source, url, urlname, title, published, archived, updated, checked, "
            "content_hash, path, bytes FROM articles WHERE source = ? AND url = ?",
            (source, url),
        ).fetchone()
        return ArticleRecord(**dict(row)) if row else None

    def is_archived(self, source: str, url: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM articles WHERE source = ? AND url = ?", (source, url)
        ).fetchone() is not None

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
        values = record.__dict__
        with self.transaction():
            self.db.execute(
                "INSERT INTO articles (source, url, urlname, title, published, archived, updated, "
                "checked, content_hash, path, bytes) VALUES (:source, :url, :urlname, :title, "
                ":published, :archived, :updated, :checked, :content_hash, :path, :bytes) "
                "ON CONFLICT (source, url) DO UPDATE SET urlname = excluded.urlname, "
                "title = excluded.title, published = excluded.published, "
                "archived = excluded.archived, updated = excluded.updated, "
                "checked = excluded.checked, content_hash = excluded.content_hash, "
                "path = excluded.path, bytes = excluded.bytes",
                values,
            )
            article_id = self.db.execute(
                "SELECT id FROM articles WHERE source = ? AND url = ?", (record.source, record.url)
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
        row = self.db.execute(
            f"SELECT {_MEDIA_COLUMNS} FROM media m JOIN articles a ON a.id = m.article_id "
            "WHERE m.url = ? AND a.source = ? ORDER BY m.state = 'done' DESC, "
            "m.state = 'failed' DESC, m.attempts DESC, m.id DESC LIMIT 1",
            (url, source),
        ).fetchone()
        return MediaRecord(**dict(row)) if row else None

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
        query = (
            "SELECT source, url, urlname, title, published, archived, updated, checked, "
            "content_hash, path, bytes FROM articles"
        )
        params: tuple[Any, ...] = ()
        if source is not None:
            query += " WHERE source = ?"
            params = (source,)
        for row in self.db.execute(query + " ORDER BY published, url", params):
            yield ArticleRecord(**dict(row))

    def count(self, source: str | None = None) -> int:
        if source is None:
            return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        return self.db.execute(
            "SELECT count(*) FROM articles WHERE source = ?", (source,)
        ).fetchone()[0]

    # -- failures

    def record_failure(self, source: str, url: str, reason: str, message: str, when: str) -> None:
        """Remember a failed article so the next run retries it (attempts are counted)."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO failures (source, url, reason, message, attempts, first_failed, "
                "last_failed) VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (source, url) DO UPDATE "
                "SET reason = excluded.reason, message = excluded.message, "
                "attempts = attempts + 1, last_failed = excluded.last_failed",
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
            cursor = self.db.execute(
                "INSERT INTO runs (command, source, started) VALUES (?, ?, ?)",
                (command, source, started),
            )
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, finished: str, status: str, counts: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET finished = ?, status = ?, counts = ? WHERE id = ?",
                (finished, status, json.dumps(counts, sort_keys=True), run_id),
            )

    def runs(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: type | None, *rest: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (they contain no string literals with ';')."""
    without_comments = "\n".join(line.split("--")[0] for line in script.splitlines())
    return [s.strip() for s in without_comments.split(";") if s.strip()]
