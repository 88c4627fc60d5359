"""`archiver cluster status|wait`: what the cluster's tasks and workers are doing."""

from __future__ import annotations

import argparse
import json
import sys
import time

NAME = "cluster"
EXIT_FAILED, EXIT_TIMEOUT = 1, 124
POLL_SECONDS = 1.0


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="show or wait for the cluster's tasks",
                                   description="Tasks per source and workers' heartbeats, from the broker.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="queued, running, done and failed tasks per source; workers")
    status.add_argument("--json", action="store_true", help="print it as one JSON object")
    wait = actions.add_parser("wait", help="block until nothing is queued or running "
                              "(exit 0 all done, 1 some failed, 124 timed out)")
    wait.add_argument("--timeout", type=float, default=None, metavar="SECONDS")
    for action in (status, wait):
        action.add_argument("--broker", default=None, metavar="URL",
                            help="Celery Redis URL (default $ARCHIVER_BROKER_URL)")
    return parser


def run(args: argparse.Namespace) -> int:
    from archiver.cluster.app import configure
    from archiver.cluster.broker import redis_client
    from archiver.cluster.settings import broker_url
    from archiver.commands.errors import UsageError

    if getattr(args, "timeout", None) is not None and args.timeout < 0:
        raise UsageError(f"--timeout must be 0 or more seconds, got {args.timeout:g}")
    app = configure(broker_url(args.broker))
    with redis_client(app) as client:
        return _status(client, args.json) if args.action == "status" else _wait(client, args.timeout)


def _status(client: object, as_json: bool) -> int:
    from archiver.cluster.state import STATES, snapshot

    snap = snapshot(client)
    if as_json:
        print(json.dumps(snap.as_json(), ensure_ascii=False, indent=2))
        return 0
    for source, counts in snap.per_source().items():
        print(f"{source}: " + ", ".join(f"{state} {counts[state]}" for state in STATES))
    now = time.time()
    for name, beat in sorted(snap.workers.items()):
        print(f"worker {name}: last heartbeat {now - beat:.0f} s ago")
    if not snap.tasks and not snap.workers:
        print("no tasks and no workers")
    return 0


def _wait(client: object, timeout: float | None) -> int:
    from archiver.cluster.state import snapshot

    deadline = None if timeout is None else time.monotonic() + timeout
    while (snap := snapshot(client)).unfinished():
        if deadline is not None and time.monotonic() >= deadline:
            print(f"archiver: timed out: {snap.unfinished()} task(s) still queued or running", file=sys.stderr)
            return EXIT_TIMEOUT
        time.sleep(POLL_SECONDS)
    failed = snap.latest_failed()
    for task in failed:
        print(f"failed: {task['command']} {task['source']} (exit {task.get('exit_code', '?')}): "
              f"{task.get('summary', '')}", file=sys.stderr)
    return EXIT_FAILED if failed else 0
