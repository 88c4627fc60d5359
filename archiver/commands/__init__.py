"""CLI subcommands, one module each: `add_parser(subparsers)` declares it, `run(args)` runs it."""

from archiver.commands import backfill, crawl, demo

COMMANDS = (crawl, backfill, demo)
