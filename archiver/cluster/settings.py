"""Cluster settings from the environment: where the broker is, and the timings that bound how
long a dead worker's task waits before another worker runs it again."""

from __future__ import annotations

import os

from archiver.commands.errors import UsageError

BROKER_ENV = "ARCHIVER_BROKER_URL"
# Celery's Redis default is one hour: a killed worker's task would wait that long. Five minutes
# bounds the wait; a task still running then is delivered again and finds its host lock held
# by itself (see `archiver.cluster.tasks`), so it is not run twice.
VISIBILITY_ENV, VISIBILITY_DEFAULT = "ARCHIVER_VISIBILITY_TIMEOUT", 300.0
# The host lock expires this long after its holder stops renewing it (renewed every third).
LOCK_TTL_ENV, LOCK_TTL_DEFAULT = "ARCHIVER_HOST_LOCK_TTL", 60.0
# A task whose host is busy goes back to the queue for this long instead of blocking a slot.
RETRY_ENV, RETRY_DEFAULT = "ARCHIVER_HOST_BUSY_RETRY", 30.0


def broker_url(option: str | None) -> str:
    """`--broker`, else `$ARCHIVER_BROKER_URL`; a usage error when neither is given."""
    url = option or os.environ.get(BROKER_ENV)
    if not url:
        raise UsageError(f"no broker: give --broker URL or set {BROKER_ENV} (e.g. redis://host:6379/0)")
    if not url.startswith(("redis://", "rediss://", "redis+socket://", "sentinel://")):
        raise UsageError(f"broker {url!r}: cluster mode speaks Redis (redis://, rediss://, redis+socket://)")
    return url


def seconds(name: str, default: float) -> float:
    """A positive number of seconds from the environment variable `name`."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise UsageError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value
