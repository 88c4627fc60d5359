"""CLI subcommands, one module each: `add_parser(subparsers)` declares it, `run(args)` runs it.

The registry names modules instead of importing them: `archiver --help` and `archiver extract`
must not pay for Scrapy, the catalog and the exporter (0.65 s before). Only the module of the
command being run is imported; a new command is one line here. Inside a command module, import
what only `run` needs inside `run` (see `archiver/commands/verify.py`).
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    name: str
    module: str
    help: str  # the line `archiver --help` shows (the module's own parser has the details)


COMMANDS = (
    Command("crawl", "archiver.commands.crawl", "fetch new articles of the sources (for cron)"),
    Command("backfill", "archiver.commands.backfill", "archive every article of a source (resumable)"),
    Command("media", "archiver.commands.media", "show a source's media downloads; --retry the failed ones now"),
    Command("verify", "archiver.commands.verify", "check that the catalog and the files agree; --repair what can be"),
    Command("demo", "archiver.commands.demo", "crawl the bundled replica site into the output folder"),
    Command("extract", "archiver.commands.extract", "extract one saved HTML page (no network) and print its Markdown or JSON"),
    Command("probe", "archiver.commands.probe", "look at a list page and propose its sources.yaml entry (--add-to FILE)"),
    Command("export", "archiver.commands.export", "write the archive as a dataset: JSON Lines, CSV or Parquet"),
    Command("site", "archiver.commands.site", "build or serve the archive as a website (Hugo, Pagefind search)"),
    Command("rebuild", "archiver.commands.rebuild", "re-derive the archive from its WARC captures, offline"),
    Command("worker", "archiver.commands.worker", "run queued crawls and backfills (cluster mode, Celery + Redis)"),
    Command("enqueue", "archiver.commands.enqueue", "queue crawls or backfills for the cluster's workers"),
    Command("cluster", "archiver.commands.cluster", "show (status) or wait for (wait) the cluster's tasks"),
)
