"""Task state and worker heartbeats, in Redis keys the archiver owns.

Celery's result backend forgets a task's source and cannot say "queued" reliably, and its events
are lost when no one listens; these few keys can. `archiver:task:<id>` is a hash (source,
command, state, worker, times, exit code, summary line); `archiver:tasks` indexes the ids by
enqueue time; `archiver:workers` maps each worker to its last heartbeat. States: queued,
running, done, failed (the crawl's exit code was not 0).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

TASKS = "archiver:tasks"
WORKERS = "archiver:workers"
STATES = ("queued", "running", "done", "failed")
KEEP_SECONDS = 7 * 24 * 3600  # finished task records are forgotten after a week


def task_key(task_id: str) -> str:
    return f"archiver:task:{task_id}"


def record_queued(client: Any, task_id: str, source: str, command: str, options: list[str]) -> None:
    """A new task, before its message is sent (so `wait` never misses it)."""
    now = time.time()
    pipe = client.pipeline()
    pipe.hset(task_key(task_id), mapping={"source": source, "command": command,
                                          "options": json.dumps(options), "state": "queued",
                                          "enqueued": repr(now)})
    pipe.zadd(TASKS, {task_id: now})
    pipe.execute()


def task_state(client: Any, task_id: str) -> str | None:
    state = client.hget(task_key(task_id), "state")
    return state.decode() if isinstance(state, bytes) else state


def record_running(client: Any, task_id: str, worker: str) -> None:
    client.hset(task_key(task_id), mapping={"state": "running", "worker": worker, "started": repr(time.time())})


def record_finished(client: Any, task_id: str, exit_code: int, summary: str) -> None:
    state = "done" if exit_code == 0 else "failed"
    pipe = client.pipeline()
    pipe.hset(task_key(task_id), mapping={"state": state, "exit_code": exit_code, "summary": summary,
                                          "finished": repr(time.time())})
    pipe.expire(task_key(task_id), KEEP_SECONDS)
    pipe.execute()


def heartbeat(client: Any, worker: str) -> None:
    client.hset(WORKERS, worker, repr(time.time()))


@dataclass
class Snapshot:
    """Every known task, grouped by source, and the workers' heartbeats."""

    tasks: list[dict[str, str]]
    workers: dict[str, float]

    def per_source(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
        for task in self.tasks:
            counts[task["source"]][task["state"]] += 1
        return dict(sorted(counts.items()))

    def unfinished(self) -> int:
        return sum(1 for task in self.tasks if task["state"] in ("queued", "running"))

    def latest_failed(self) -> list[dict[str, str]]:
        """Failed tasks that are the newest of their source and command: a failure that a later
        run of the same work made good does not count."""
        latest: dict[tuple[str, str], dict[str, str]] = {}
        for task in self.tasks:  # ordered by enqueue time
            latest[(task["source"], task["command"])] = task
        return [task for task in latest.values() if task["state"] == "failed"]

    def as_json(self) -> dict[str, Any]:
        now = time.time()
        return {"sources": self.per_source(),
                "workers": {name: {"last_heartbeat": beat, "seconds_ago": round(now - beat, 1)}
                            for name, beat in sorted(self.workers.items())},
                "tasks": self.tasks}


def snapshot(client: Any) -> Snapshot:
    """Every task record and every worker's heartbeat, as they are now."""
    return Snapshot(_tasks(client), _workers(client))


def _tasks(client: Any) -> list[dict[str, str]]:
    """Task records in enqueue order; index entries whose record expired are dropped."""
    ids = [_text(i) for i in client.zrange(TASKS, 0, -1)]
    pipe = client.pipeline()
    for task_id in ids:
        pipe.hgetall(task_key(task_id))
    tasks, gone = [], []
    for task_id, raw in zip(ids, pipe.execute()):
        if raw:
            tasks.append({"id": task_id, **{_text(k): _text(v) for k, v in raw.items()}})
        else:
            gone.append(task_id)
    if gone:
        client.zrem(TASKS, *gone)
    return tasks


def _workers(client: Any) -> dict[str, float]:
    """Last heartbeat per worker; a worker silent for a week is forgotten (names carry a pid,
    so a restarted worker comes back under a new one)."""
    workers = {_text(k): float(_text(v)) for k, v in client.hgetall(WORKERS).items()}
    silent = [name for name, beat in workers.items() if time.time() - beat > KEEP_SECONDS]
    if silent:
        client.hdel(WORKERS, *silent)
    return {name: beat for name, beat in workers.items() if name not in silent}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
