"""`archiver backfill SOURCE`: archive a site's whole history; re-run to resume."""

from __future__ import annotations

import argparse

from archiver.commands.common import add_crawl_options, execute
from archiver.config import load_config
from archiver.plan import CrawlPlan, parse_days

NAME = "backfill"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="archive every article of a source (resumable)",
        description="Walk every list page of SOURCE, oldest page last, and archive every "
        "article not in the catalog yet. Interrupted (Ctrl-C, SIGTERM, kill -9), the same "
        "command resumes without fetching what is done.",
    )
    parser.add_argument("source", metavar="SOURCE", help="source id from the sources file")
    parser.add_argument("--since", default=None, metavar="YYYY-MM-DD",
                        help="only articles published on or after this day")
    parser.add_argument("--until", default=None, metavar="YYYY-MM-DD",
                        help="only articles published on or before this day")
    parser.add_argument("--max-pages", type=int, default=None, metavar="N",
                        help="walk at most N list pages")
    parser.add_argument("--refresh", action="store_true",
                        help="re-fetch articles already archived too (files change only if the page did)")
    add_crawl_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    since, until = parse_days(args.since, args.until)
    config = load_config(args.config)
    plan = CrawlPlan(mode="backfill", since=since, until=until,
                     max_pages=args.max_pages, refresh=args.refresh)
    return execute(args, NAME, config.select([args.source]), plan, config.settings())
