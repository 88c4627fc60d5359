"""`archiver crawl [SOURCE ...]`: the scheduled crawl; fetches only what is new."""

from __future__ import annotations

import argparse

from archiver.commands.common import add_crawl_options, execute
from archiver.config import load_config
from archiver.plan import CrawlPlan

NAME = "crawl"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="fetch new articles of the sources (for cron)",
        description="Walk each source's list pages newest first, archive articles the catalog "
        "does not know, stop paging after a list page with nothing new, and re-fetch articles "
        "published in the last --recheck-days days (rewritten in place when they changed).",
    )
    parser.add_argument("sources", nargs="*", metavar="SOURCE",
                        help="source ids from the sources file (default: all)")
    parser.add_argument("--recheck-days", type=float, default=CrawlPlan.recheck_days,
                        help="re-fetch articles published in the last N days "
                        f"(default {CrawlPlan.recheck_days:g}; 0: never)")
    parser.add_argument("--stop-after", type=int, default=CrawlPlan.stop_after_known_pages, metavar="N",
                        help="stop paging after N list pages in a row with nothing new "
                        f"(default {CrawlPlan.stop_after_known_pages})")
    add_crawl_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    plan = CrawlPlan(mode="crawl", recheck_days=args.recheck_days,
                     stop_after_known_pages=args.stop_after)
    return execute(args, NAME, config.select(args.sources), plan, config.settings())
