"""`archiver worker`: a Celery worker that runs queued crawls and backfills (cluster mode)."""

from __future__ import annotations

import argparse
import os
import socket

from archiver.commands.common import check_output_folder, checked_overrides
from archiver.commands.options import (
    add_config_option,
    add_output_option,
    add_settings_option,
)

NAME = "worker"
HEARTBEAT_SECONDS = 5.0


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME, help="run queued crawls and backfills (cluster mode, Celery + Redis)",
        description="Take tasks from the broker ($ARCHIVER_BROKER_URL or --broker) and run each "
        "as `archiver crawl|backfill SOURCE` with this worker's output folder, sources file and "
        "Scrapy settings. Several workers may share one output folder (e.g. over NFS).",
    )
    parser.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="crawls this worker runs at once (default 1)")
    add_output_option(parser)
    add_config_option(parser)
    add_settings_option(parser, "Scrapy setting for every crawl, as for `archiver crawl` (repeatable)")
    parser.add_argument("--broker", default=None, metavar="URL",
                        help="Celery Redis URL (default $ARCHIVER_BROKER_URL)")
    return parser


def run(args: argparse.Namespace) -> int:
    from archiver.cluster.app import configure
    from archiver.cluster.broker import redis_client
    from archiver.cluster.settings import broker_url
    from archiver.commands.errors import UsageError
    from archiver.config import load_config

    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be 1 or more, got {args.concurrency}")
    check_output_folder(args.output)
    checked_overrides(args.settings)
    config = os.path.abspath(args.config) if args.config else None
    load_config(config)  # a bad sources file: exit 2 now, not in every task
    app = configure(broker_url(args.broker))
    with redis_client(app):
        pass  # unreachable broker: exit 2 before the worker starts
    app.conf.archiver_worker = {"output": os.path.abspath(args.output), "config": config,
                                "settings": list(args.settings)}
    name = f"archiver-{os.getpid()}@{socket.gethostname()}"
    _start_heartbeat(app, name)
    app.worker_main(["worker", "--concurrency", str(args.concurrency), "--hostname", name,
                     "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--pool", "prefork"])
    return 0


def _start_heartbeat(app, name: str) -> None:
    """Write this worker's heartbeat every few seconds once it is ready (`cluster status`)."""
    import threading

    from celery.signals import worker_ready

    from archiver.cluster import state
    from archiver.cluster.broker import redis_client

    def beat(**_: object) -> None:
        def loop() -> None:
            stop = threading.Event()
            while True:
                try:
                    with redis_client(app) as client:
                        while True:
                            state.heartbeat(client, name)
                            stop.wait(HEARTBEAT_SECONDS)
                except Exception:  # noqa: BLE001 - broker away: try again at the next beat
                    stop.wait(HEARTBEAT_SECONDS)

        threading.Thread(target=loop, name="archiver-heartbeat", daemon=True).start()

    worker_ready.connect(beat, weak=False)
