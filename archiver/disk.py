"""When the output folder cannot be written to: recognise it, say it once, stop the crawl.

A full disk, a read-only mount, an exhausted quota or a permission change fails every write that
comes after it; so does a PostgreSQL catalog whose server went away or refuses writes. Going on would log a traceback per article and fail each one, so the first such
error stops the crawl (Scrapy's finish reason `disk_error`) and the command exits with
`EXIT_DISK_ERROR`. Stopping loses nothing: article and media files are written to a temporary
file and renamed (`archiver.storage.write_atomic`), so a failed write leaves the old file or none,
and a catalog transaction that fails is rolled back. A re-run after space is freed picks up where
this one stopped.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING


if TYPE_CHECKING:  # the CLI imports this module before taking its lock: Scrapy stays unloaded
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# What the kernel says when the disk refuses a write; any other OSError is a bug or a one-off.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT})
# The same refusals as SQLite reports them (result code names, extended codes included).
SQLITE_DISK_ERRORS = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC",
                      # Another process kept the catalog locked past the busy timeout (SQLite retried
                      # that long): the run cannot record what it archives, so it stops the same way.
                      "SQLITE_BUSY", "SQLITE_LOCKED")
CATALOG_UNAVAILABLE = "the catalog is unavailable"
STOP_REASON = "disk_error"
STAT = "archiver/disk_error"
EXIT_DISK_ERROR = 74  # EX_IOERR (sysexits.h), next to the lock's 75 EX_TEMPFAIL


def disk_error(exc: BaseException | None) -> str | None:
    """What the disk said, `No space left on device (ENOSPC)`, when `exc` (or the error that
    caused it) is a refused write; None for any other error.

    The chain is followed because a failed write is sometimes re-raised as something else (a
    failed SQLite ROLLBACK after SQLITE_FULL already rolled the transaction back).
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
            return f"{os.strerror(exc.errno)} ({errno.errorcode[exc.errno]})"
        if isinstance(exc, sqlite3.Error):
            name = getattr(exc, "sqlite_errorname", "") or ""
            if name.startswith(SQLITE_DISK_ERRORS):
                return f"{exc} ({name})"
        if (lost := catalog_unavailable(exc)) is not None:
            return lost
        exc = exc.__cause__ or exc.__context__
    return None


def catalog_unavailable(exc: BaseException) -> str | None:
    """Why a PostgreSQL catalog can take no more writes (the connection is gone, the server
    shuts down, its disk is full or read-only, a row stayed locked past the busy timeout), or
    None for any other error: such a run stops as on a full disk."""
    psycopg = sys.modules.get("psycopg")  # loaded only when a PostgreSQL catalog is in use
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    errors = psycopg.errors
    if isinstance(exc, (psycopg.OperationalError, errors.ReadOnlySqlTransaction,
                        errors.DiskFull, errors.LockNotAvailable)):
        message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        return f"{CATALOG_UNAVAILABLE}: {message}"
    return None


def stop_crawl(crawler: Crawler, reason: str, path: str | os.PathLike[str]) -> None:
    """Stop the crawl because writing `path` failed with `reason` (from `disk_error`).

    Only the first failure is logged (as an error) and closes the spider; the writes of items
    already on their way fail the same way and are only logged at debug level.
    """
    if stopping(crawler):
        logger.debug("Not written (the crawl is stopping): %s: %s", path, reason)
        return
    crawler.stats.set_value(STAT, reason)
    logger.error("Cannot write %s: %s; stopping the crawl (nothing already archived is lost)",
                 Path(path), reason)
    if crawler.engine is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(crawler.engine.close_spider_async(reason=STOP_REASON))


def stopping(crawler: Crawler) -> bool:
    """Whether this crawl is stopping because the output folder cannot be written to."""
    return crawler.stats.get_value(STAT) is not None
