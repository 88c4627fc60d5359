"""A Redis client on the broker's own connection, for the keys the cluster keeps beside Celery's.

Going through kombu means every URL Celery accepts (redis://, rediss://, redis+socket://,
sentinel://) works here too without parsing it twice. An unreachable broker is a one-line usage
error (exit 2) before anything is queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery
from kombu.utils.url import maybe_sanitize_url

from archiver.commands.errors import UsageError


@contextmanager
def redis_client(app: Celery) -> Iterator[Any]:
    """The broker's Redis client (a `redis.Redis`), checked with a PING."""
    connection = app.connection_for_write()
    try:
        try:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=5)
            client = connection.default_channel.client
            client.ping()
        except Exception as exc:  # noqa: BLE001 - kombu and redis-py raise several kinds; all mean "unreachable"
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise UsageError(f"cannot reach the broker {maybe_sanitize_url(app.conf.broker_url)}: {reason}; nothing was done") from None
        yield client
    finally:
        connection.release()
