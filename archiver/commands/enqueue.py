"""`archiver enqueue crawl|backfill [SOURCE ...]`: queue work for the cluster's workers."""

from __future__ import annotations

import argparse

from archiver.commands.options import add_config_option

NAME = "enqueue"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME, help="queue crawls or backfills for the cluster's workers",
        description="Queue one task per source (every source of the sources file when none is "
        "named) on the broker ($ARCHIVER_BROKER_URL or --broker). Nothing is queued when a "
        "source is unknown or the broker cannot be reached (exit 2).",
    )
    parser.add_argument("what", choices=("crawl", "backfill"), help="the command each task runs")
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="source ids (default: all)")
    add_config_option(parser)
    parser.add_argument("--broker", default=None, metavar="URL",
                        help="Celery Redis URL (default $ARCHIVER_BROKER_URL)")
    backfill = parser.add_argument_group("backfill options (passed to `archiver backfill`)")
    backfill.add_argument("--since", default=None, metavar="YYYY-MM-DD")
    backfill.add_argument("--until", default=None, metavar="YYYY-MM-DD")
    backfill.add_argument("--max-pages", type=int, default=None, metavar="N")
    backfill.add_argument("--refresh", action="store_true")
    return parser


def task_options(args: argparse.Namespace) -> list[str]:
    """The backfill options as `archiver backfill` arguments (checked here, not on a worker)."""
    from archiver.commands.errors import UsageError
    from archiver.plan import parse_days

    given = [args.since, args.until, args.max_pages, args.refresh or None]
    if args.what == "crawl":
        if any(value is not None for value in given):
            raise UsageError("--since, --until, --max-pages and --refresh are backfill options")
        return []
    parse_days(args.since, args.until)
    options = []
    for flag, value in (("--since", args.since), ("--until", args.until), ("--max-pages", args.max_pages)):
        if value is not None:
            options += [flag, str(value)]
    return options + (["--refresh"] if args.refresh else [])


def run(args: argparse.Namespace) -> int:
    from archiver.cluster.app import configure
    from archiver.cluster.enqueue import enqueue
    from archiver.cluster.settings import broker_url
    from archiver.config import load_config

    options = task_options(args)
    config = load_config(args.config)
    sources = [source.id for source in config.select(args.sources)] if args.sources else list(config.sources)
    ids = enqueue(configure(broker_url(args.broker)), args.what, sources, options)
    for source, task_id in zip(sources, ids):
        print(f"queued {args.what} {source} ({task_id})")
    return 0
