"""The seam between the catalog's SQL and the two databases it runs on.

The catalog's queries are written once, in the SQL both SQLite and PostgreSQL speak (upserts
with `ON CONFLICT … DO UPDATE`, `RETURNING id`, `NULLS FIRST`); what differs lives here and only
here: connecting and its errors, placeholders (`?` vs `%s`), the auto-numbered key and column
types in migrations, where the schema version is kept (`PRAGMA user_version` vs a table),
how a write transaction starts (SQLite's `BEGIN IMMEDIATE` takes the file's write lock up
front), integrity checks, and locks across processes and machines (PostgreSQL advisory locks).

Why psycopg and this seam rather than SQLAlchemy: the catalog is about thirty fixed queries on
four tables; SQLAlchemy Core would add a large dependency and its own connection pooling,
transaction and type layers for the handful of differences above, and would hide the plain SQL
that `archiver verify`, the migrations and users' own queries rely on. psycopg 3 is the
PostgreSQL project's maintained driver, and sqlite3 ships with Python.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archiver.catalog.records import CatalogError

URL_SCHEMES = ("postgresql://", "postgres://")
# How long connecting to a PostgreSQL server may take before it counts as unreachable.
CONNECT_TIMEOUT = 10


def is_url(location: str | Path) -> bool:
    """True for a PostgreSQL URL, False for a file path (SQLite)."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def redacted(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def driver_errors() -> tuple[type[Exception], ...]:
    """The database drivers' error classes (psycopg's only when it is installed)."""
    try:
        import psycopg
    except ImportError:
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


def lock_key(name: str) -> int:
    """A stable signed 64-bit number for a lock name (advisory locks are keyed by numbers)."""
    return int.from_bytes(hashlib.sha256(f"archiver:{name}".encode()).digest()[:8], "big", signed=True)


class Sqlite:
    """A catalog file."""

    name = "sqlite"
    types: dict[str, str] = {"id": "INTEGER PRIMARY KEY"}

    def __init__(self, path: str | Path, *, busy_timeout: float, read_only: bool = False,
                 immutable: bool = False) -> None:
        self.path = Path(path)
        self.where = str(path)
        if read_only:
            options = "mode=ro&immutable=1" if immutable else "mode=ro"
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?{options}", uri=True,
                                      timeout=busy_timeout, isolation_level=None)
        else:
            # SQLite retries a locked catalog for `busy_timeout` seconds before giving up.
            self.db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        self.db.row_factory = sqlite3.Row

    def prepare_for_writing(self) -> None:
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a power loss may drop the last commits but never corrupts the file;
        # a lost row only means its (already written) file is fetched and rewritten again.
        self.db.execute("PRAGMA synchronous = NORMAL")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.db.executemany(sql, rows)

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """A cursor to `fetchmany` from; SQLite steps through the rows as they are fetched."""
        return self.db.execute(sql, params)

    def begin(self, read_only: bool = False) -> None:
        self.db.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, version: int) -> None:
        self.db.execute(f"PRAGMA user_version = {int(version)}")

    def lock_schema(self) -> None:
        pass  # BEGIN IMMEDIATE already made this the only writer

    def tables(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def integrity_problems(self) -> list[str]:
        """SQLite's `quick_check`: empty when the file is sound."""
        problems = [row[0] for row in self.db.execute("PRAGMA quick_check")]
        return [] if problems == ["ok"] else problems

    def tune_for_reading(self, cache_kib: int) -> None:
        self.db.execute(f"PRAGMA cache_size = -{cache_kib}")

    def is_busy(self, exc: BaseException) -> bool:
        name = getattr(exc, "sqlite_errorname", "")
        return isinstance(exc, sqlite3.OperationalError) and (
            name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc))

    def close(self) -> None:
        self.db.close()


class Postgres:
    """A catalog in a PostgreSQL database, shared by every machine that can reach it."""

    name = "postgresql"
    # Text sorts by code point, as in SQLite, whatever the database's locale: exports and
    # listings come out in the same order from both.
    types: dict[str, str] = {"id": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                             "TEXT": 'TEXT COLLATE "C"', "INTEGER": "BIGINT"}

    def __init__(self, url: str, *, busy_timeout: float) -> None:
        try:
            import psycopg
        except ImportError:
            raise CatalogError(
                f"{redacted(url)}: a PostgreSQL catalog needs psycopg: pip install 'archiver[postgres]'"
            ) from None
        self.where = redacted(url)
        self.path = self.where
        try:
            self.db = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                      row_factory=_row_factory)
        except psycopg.Error as exc:
            raise CatalogError(f"{self.where}: cannot connect to the catalog: {one_line(exc)}") from None
        # A write waits this long for a row another worker holds, as SQLite's busy timeout.
        # (at least 1 ms: PostgreSQL reads 0 as "wait for ever", SQLite as "do not wait").
        self.db.execute(f"SET lock_timeout = {max(1, int(busy_timeout * 1000))}")

    def prepare_for_writing(self) -> None:
        pass  # durability and foreign keys are the server's defaults

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.db.execute(_placeholders(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.db.cursor() as cursor:
            cursor.executemany(_placeholders(sql), list(rows))

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """A server-side cursor (inside the open transaction): rows arrive as they are fetched,
        not all at once."""
        cursor = self.db.cursor(name=f"archiver_{id(self)}_{hashlib.md5(sql.encode()).hexdigest()[:8]}")
        cursor.execute(_placeholders(sql), params)
        return cursor

    def begin(self, read_only: bool = False) -> None:
        # A read is one consistent snapshot, as SQLite's read transaction is.
        self.db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if read_only else "BEGIN")

    def schema_version(self) -> int:
        if self.db.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        row = self.db.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def set_schema_version(self, version: int) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        self.db.execute("DELETE FROM schema_version")
        self.db.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))

    def lock_schema(self) -> None:
        """Make the open transaction the only one migrating (until it ends): workers starting
        together on a new database must not all create the tables."""
        self.db.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("schema"),))

    def tables(self) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}

    def integrity_problems(self) -> list[str]:
        return []  # the server guards its own pages; nothing to check from here

    def tune_for_reading(self, cache_kib: int) -> None:
        pass

    def is_busy(self, exc: BaseException) -> bool:
        import psycopg

        return isinstance(exc, (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled))

    def try_lock(self, name: str, shared: bool = False) -> bool:
        """Take the advisory lock `name` (exclusive, or `shared` with other shared holders) for
        this connection's life, unless another session holds it in a conflicting mode. The
        server drops it when the session ends, even when the holder's machine dies."""
        function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        row = self.db.execute(f"SELECT {function}(%s)", (lock_key(name),)).fetchone()
        return bool(row[0])

    def close(self) -> None:
        self.db.close()


def connect(location: str | Path, *, busy_timeout: float) -> Sqlite | Postgres:
    """A connection for writing: PostgreSQL for a URL, else SQLite on the file."""
    if is_url(location):
        return Postgres(str(location), busy_timeout=busy_timeout)
    return Sqlite(location, busy_timeout=busy_timeout)


def one_line(exc: BaseException) -> str:
    """A driver's (often multi-line) message on one line."""
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def _placeholders(sql: str) -> str:
    """`?` to psycopg's `%s` (the catalog's SQL has no literal `?` or `%`)."""
    return sql.replace("?", "%s")


class Row(tuple):  # type: ignore[type-arg]
    """A PostgreSQL row read by position or by column name, like `sqlite3.Row`."""

    _names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Any:
    names = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, names)

