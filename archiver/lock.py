"""One run at a time per output folder (SQLite catalog) or per source (PostgreSQL catalog):
advisory locks that die with their process.

`flock` is released by the kernel when the holder exits, even on SIGKILL or power loss, so a
crashed run never leaves a stale lock behind for cron to trip over; PostgreSQL drops a
session's advisory locks when its connection ends, for the same reason across machines.
"""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from archiver.catalog import CATALOG_DIR

if TYPE_CHECKING:
    from archiver.catalog.dialect import Postgres

LOCK_NAME = "lock"
EXIT_LOCKED = 75  # EX_TEMPFAIL: "try again later", what cron wrappers expect
ARCHIVE_LOCK = "archive"


class LockedError(Exception):
    """Another archiver run holds the output folder."""


class OutputLock:
    """Exclusive lock on `OUTPUT/.archiver/lock`, holding the owner's pid and command."""

    def __init__(self, output: str | os.PathLike[str], command: str) -> None:
        self.path = Path(output) / CATALOG_DIR / LOCK_NAME
        self.command = command
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown process"
            handle.close()
            raise LockedError(
                f"another archiver run is using {self.path.parent.parent} ({holder}); "
                "exiting without doing anything"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, `{self.command}`, started {datetime.now():%Y-%m-%d %H:%M:%S}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


class SourceLocks:
    """With a PostgreSQL catalog, the lock is the database's, so it holds across machines
    sharing one output folder (where `flock` over a network filesystem cannot be trusted):
    one advisory lock per source, held by this run's own connection and dropped by the server
    when the connection ends, even when its machine dies. A run of named sources takes the
    archive's lock shared and each source's exclusively (two runs of different sources proceed
    together); a run of the whole archive (`verify`) takes the archive's exclusively."""

    def __init__(self, url: str, sources: list[str] | None, command: str) -> None:
        self.url = url
        self.sources = sorted(set(sources)) if sources is not None else None
        self.command = command
        self._db: Postgres | None = None

    def acquire(self) -> None:
        from archiver.catalog.dialect import Postgres

        db = Postgres(self.url, busy_timeout=0)
        names = [(ARCHIVE_LOCK, self.sources is not None)] + [(f"source:{s}", False) for s in self.sources or []]
        for name, shared in names:
            if not db.try_lock(name, shared=shared):
                db.close()
                what = ("the archive" if name == ARCHIVE_LOCK else f"source {name.split(':', 1)[1]}")
                raise LockedError(f"another archiver run is using {what} in the catalog {db.where}; "
                                  "exiting without doing anything")
        self._db = db

    def release(self) -> None:
        if self._db is not None:
            self._db.close()  # the server drops every advisory lock of the session
            self._db = None

    def __enter__(self) -> SourceLocks:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
