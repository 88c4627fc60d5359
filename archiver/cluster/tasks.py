"""The cluster's tasks: run one source's crawl or backfill; queue a crawl of every source (beat).

A crawl runs as `python -m archiver crawl|backfill SOURCE …` in a child process with the
worker's `--output`, `--config` and `-s` options. Before it starts, the task takes its source's
host locks (`archiver.cluster.hostlock`); a busy host sends the task back to the queue for a
while rather than holding a worker slot. The message is acknowledged only when the task ends,
so a task whose worker died is delivered again (after the visibility timeout) and, since crawls
resume from the catalog, continues where the dead one stopped. A delivery of a task that is
already finished, or still running elsewhere (its host lock is held by its own id), does not
run it a second time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from archiver.cluster import state
from archiver.cluster.app import app
from archiver.cluster.hostlock import HostLock, source_hosts
from archiver.cluster.settings import (
    LOCK_TTL_DEFAULT,
    LOCK_TTL_ENV,
    RETRY_DEFAULT,
    RETRY_ENV,
    seconds,
)
from archiver.parent_death import die_with_parent

RUN_SOURCE = "archiver.run_source"
ENQUEUE_ALL = "archiver.enqueue_all"
# Tells the child that the cluster holds its source's lock, so it does not take the output
# folder's `flock` (which would serialise every source of a shared folder, and is not safe on NFS).
CLUSTER_LOCK_ENV = "ARCHIVER_CLUSTER_LOCK"
EXIT_LOCK_LOST = 75


def worker_options() -> dict[str, Any]:
    """What `archiver worker` was started with (set in `app.conf` before the pool forks)."""
    return app.conf.get("archiver_worker") or {}


def crawl_argv(command: str, source: str, options: list[str], worker: dict[str, Any]) -> list[str]:
    argv = [sys.executable, "-m", "archiver", command, source, *options, "--output", worker.get("output", "output")]
    if worker.get("config"):
        argv += ["--config", worker["config"]]
    for pair in worker.get("settings", []):
        argv += ["-s", pair]
    return argv


@app.task(name=RUN_SOURCE, bind=True, max_retries=None)
def run_source(self: Any, command: str, source: str, options: list[str]) -> int:
    """Crawl or backfill `source`; the exit code of the crawl."""
    from archiver.cluster.broker import redis_client
    from archiver.config import load_config

    task_id = self.request.id
    worker = worker_options()
    with redis_client(app) as client:
        if state.task_state(client, task_id) in ("done", "failed"):
            return 0  # a second delivery of finished work
        try:
            chosen = load_config(worker.get("config")).select([source])[0]
        except Exception as exc:  # noqa: BLE001 - a bad sources file fails the task, said in its record
            state.record_finished(client, task_id, 2, f"cannot run: {exc}")
            return 2
        lock = HostLock(client, source_hosts(chosen.start_urls, chosen.allowed_domains), task_id,
                        seconds(LOCK_TTL_ENV, LOCK_TTL_DEFAULT))
        if not lock.acquire():
            # The host is busy: another source of it, or this very task still running elsewhere.
            raise self.retry(countdown=seconds(RETRY_ENV, RETRY_DEFAULT))
        try:
            state.record_running(client, task_id, self.request.hostname or "")
            code, summary = _run_child(crawl_argv(command, source, options, worker), lock, task_id)
            state.record_finished(client, task_id, code, summary)
        finally:
            lock.release()
    return code


def _run_child(argv: list[str], lock: HostLock, task_id: str) -> tuple[int, str]:
    """Run the crawl; stop it (SIGTERM: it saves what it has) if the host lock is lost."""
    env = {**os.environ, CLUSTER_LOCK_ENV: f"host lock of task {task_id}"}
    # Killed with this worker: an orphaned crawl must not go on without the host lock that its
    # dead worker no longer renews.
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)  # noqa: PLW1509 - only prctl runs there
    lost = []

    def on_lost() -> None:
        lost.append(True)
        child.terminate()

    lock.keep_alive(on_lost)
    stdout, _ = child.communicate()
    summary = " | ".join(line for line in stdout.splitlines() if line.strip())
    if lost:
        return EXIT_LOCK_LOST, f"host lock lost; crawl stopped ({summary})"
    return child.returncode, summary


@app.task(name=ENQUEUE_ALL)
def enqueue_all(command: str = "crawl") -> int:
    """Queue `command` for every source of the worker's sources file (Celery beat's one entry)."""
    from archiver.cluster.enqueue import enqueue
    from archiver.config import load_config

    config = load_config(worker_options().get("config"))
    return len(enqueue(app, command, list(config.sources), []))
