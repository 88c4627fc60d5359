"""Queue tasks: a record per task in Redis first, then its Celery message."""

from __future__ import annotations

from uuid import uuid4

from celery import Celery

from archiver.cluster import state
from archiver.cluster.broker import redis_client
from archiver.cluster.tasks import RUN_SOURCE


def enqueue(app: Celery, command: str, sources: list[str], options: list[str]) -> list[str]:
    """Queue `command` (crawl or backfill) with `options` for each source; the task ids.

    The broker is reached (UsageError when it cannot be) before anything is queued.
    """
    ids = []
    with redis_client(app) as client:
        for source in sources:
            task_id = str(uuid4())
            state.record_queued(client, task_id, source, command, options)
            app.send_task(RUN_SOURCE, args=[command, source, options], task_id=task_id)
            ids.append(task_id)
    return ids
