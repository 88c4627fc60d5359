"""The archive timestamp: now, or the fixed `ARCHIVER_NOW` so runs are reproducible, and how it is written."""

from __future__ import annotations

import os
from datetime import datetime

NOW_ENV = "ARCHIVER_NOW"


class ClockError(ValueError):
    """`ARCHIVER_NOW` is set but is not a date and time."""


def archive_time() -> datetime:
    """`ARCHIVER_NOW` (e.g. `2021-11-26 01:22:02.872027`) when set, else the local time now."""
    fixed = os.environ.get(NOW_ENV)
    if not fixed:
        return datetime.now()
    try:
        return datetime.fromisoformat(fixed.strip())
    except ValueError as exc:
        raise ClockError(
            f"{NOW_ENV}={fixed!r} is not a date and time like 2021-11-26 01:22:02.872027"
        ) from exc


def format_timestamp(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS.ffffff`, always six fraction digits (str(datetime) drops zeros): the
    article file's `date` and every time the catalog records."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
