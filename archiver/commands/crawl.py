"""`archiver crawl [SOURCE ...]`: archive the named sources (all when none is named)."""

from __future__ import annotations

import argparse
import sys

from archiver.clock import archive_time
from archiver.config import load_config
from archiver.runner import build_settings, parse_setting_overrides, run_crawls

NAME = "crawl"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="crawl sources and write new articles as Markdown",
        description="Crawl the named sources (all configured sources when none is named) and "
        "write OUTPUT/<source>/<urlname>.md for each article not archived yet.",
    )
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="source ids from the sources file")
    add_crawl_options(parser)
    return parser


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    """Options every crawling command shares."""
    parser.add_argument("--output", "-o", default=None, help="archive folder (default ./output)")
    parser.add_argument("--config", "-c", default=None, help="sources file (default $ARCHIVER_CONFIG or ./sources.yaml)")
    parser.add_argument(
        "-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
        help="Scrapy setting, as for `scrapy crawl` (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    archive_time()  # a malformed ARCHIVER_NOW is a usage error before any request is made
    config = load_config(args.config)
    sources = config.select(args.sources)
    settings = build_settings(
        parse_setting_overrides(args.settings), output=args.output, config=config.path
    )
    results = run_crawls(sources, settings)
    failures = 0
    for result in results:
        stats = result.stats
        print(
            f"{result.source}: list pages {stats.get('archiver/list_pages', 0)}, "
            f"articles written {stats.get('archiver/articles/written', 0)}, "
            f"unchanged {stats.get('archiver/articles/unchanged', 0)}, "
            f"failed {stats.get('archiver/articles/failed', 0)}",
            file=sys.stderr,
        )
        failures += result.failures
    return 1 if failures else 0
