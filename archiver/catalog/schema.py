"""The catalog's schema: numbered migrations shared by SQLite and PostgreSQL.

Each entry moves the schema from version i to i+1; never edit one that has shipped. The only
difference between the dialects is the auto-numbered key, written `{id}` here. SQLite keeps the
version in `PRAGMA user_version`, PostgreSQL in a one-row `schema_version` table; the numbers
are the same, so a version means the same tables in both.
"""

from __future__ import annotations

import re

from archiver.catalog.records import CatalogError

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id {id},
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
        id {id},
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
        id {id},
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


def statements(script: str, types: dict[str, str]) -> list[str]:
    """A migration script's statements in a dialect: `{id}` becomes `types["id"]`, and each
    other key of `types` (a column type, as a whole word) its value (scripts contain no string
    literal with ';' or '--')."""
    text = "\n".join(line.split("--")[0] for line in script.splitlines())
    text = text.replace("{id}", types["id"])
    words = {k: v for k, v in types.items() if k != "id"}
    if words:
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
        text = pattern.sub(lambda m: words[m.group(1)], text)
    return [s.strip() for s in text.split(";") if s.strip()]


def check_version(version: int, where: str) -> None:
    """CatalogError for a catalog written by a newer archiver (its schema is unknown here)."""
    if version > SCHEMA_VERSION:
        raise CatalogError(
            f"{where}: catalog schema version {version} is newer than this archiver "
            f"understands ({SCHEMA_VERSION}); upgrade archiver"
        )
