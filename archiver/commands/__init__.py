"""CLI subcommands, one module each: `add_parser(subparsers)` declares it, `run(args)` runs it."""

from archiver.commands import backfill, crawl, demo, extract, probe

COMMANDS = (crawl, backfill, demo, extract, probe)
