"""The Celery application: Redis broker, late acknowledgement, a short visibility timeout.

Every process (worker, `enqueue`, `cluster status`, beat) configures the same module-level app
with `configure(broker)`, so the worker finds the task by name and a producer needs no result
backend: task state is kept in Redis keys of our own (`archiver.cluster.state`).
"""

from __future__ import annotations

from celery import Celery

from archiver.cluster.settings import VISIBILITY_DEFAULT, VISIBILITY_ENV, seconds

app = Celery("archiver", include=["archiver.cluster.tasks"])
QUEUE = "archiver"


def configure(broker: str) -> Celery:
    """Point the app at `broker`; a message whose worker died is delivered again after the
    visibility timeout, found by a sweep every fifth of it."""
    visibility = seconds(VISIBILITY_ENV, VISIBILITY_DEFAULT)
    app.conf.update(
        broker_url=broker,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            "unacked_restore_interval": max(1, int(visibility / 5)),
            "unacked_restore_throttle": 1,
        },
        task_default_queue=QUEUE,
        task_acks_late=True,  # acknowledged when done, so a dead worker's task runs again
        task_reject_on_worker_lost=True,  # a pool process killed mid-task: requeue, not "failed"
        worker_prefetch_multiplier=1,  # a worker holds no more tasks than it runs
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_send_task_events=True,  # Flower shows tasks as they run
    )
    return app
