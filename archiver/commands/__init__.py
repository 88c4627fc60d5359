"""CLI subcommands, one module each: `add_parser(subparsers)` declares it, `run(args)` runs it."""

from archiver.commands import backfill, crawl, demo, export, extract, media, probe, site, verify

COMMANDS = (crawl, backfill, media, verify, demo, extract, probe, export, site)
