"""Celery beat for the cluster: one schedule entry queues the crawl of every source.

`celery -A archiver.cluster.beat beat` is the cluster's cron line. At the times of
`$ARCHIVER_BEAT_SCHEDULE` (five cron fields, default `7 * * * *`: minute 7 of every hour) it
sends one `archiver.enqueue_all` task; the worker that takes it reads its own sources file and
queues one crawl per source, so adding a source needs no change here. Run exactly one beat.
"""

from __future__ import annotations

import os

from celery.schedules import crontab

from archiver.cluster.app import configure
from archiver.cluster.settings import broker_url
from archiver.cluster.tasks import ENQUEUE_ALL
from archiver.commands.errors import UsageError

SCHEDULE_ENV, SCHEDULE_DEFAULT = "ARCHIVER_BEAT_SCHEDULE", "7 * * * *"


def schedule(fields: str) -> crontab:
    """Five cron fields (minute hour day-of-month month day-of-week) as a Celery crontab."""
    parts = fields.split()
    if len(parts) != 5:
        raise UsageError(f"{SCHEDULE_ENV} needs five cron fields, got {fields!r}")
    minute, hour, day_of_month, month_of_year, day_of_week = parts
    return crontab(minute=minute, hour=hour, day_of_month=day_of_month,
                   month_of_year=month_of_year, day_of_week=day_of_week)


app = configure(broker_url(None))
app.conf.beat_schedule = {
    "crawl-every-source": {"task": ENQUEUE_ALL, "schedule": schedule(os.environ.get(SCHEDULE_ENV, SCHEDULE_DEFAULT)),
                           "args": ["crawl"]},
}
