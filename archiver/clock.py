"""The archive timestamp: now, or the fixed `ARCHIVER_NOW` so runs are reproducible."""

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
