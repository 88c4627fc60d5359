"""CLI subcommands, one module each: `add_parser(subparsers)` declares it, `run(args)` runs it."""

from archiver.commands import backfill, crawl, demo, export, extract, media, probe

COMMANDS = (crawl, backfill, media, demo, extract, probe, export)
