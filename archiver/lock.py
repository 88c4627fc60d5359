"""One run at a time per output folder: an advisory lock that dies with its process.

`flock` is released by the kernel when the holder exits, even on SIGKILL or power loss, so a
crashed run never leaves a stale lock behind for cron to trip over.
"""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from pathlib import Path
from typing import IO

from archiver.catalog import CATALOG_DIR

LOCK_NAME = "lock"
EXIT_LOCKED = 75  # EX_TEMPFAIL: "try again later", what cron wrappers expect


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
