"""`archiver rebuild [SOURCE ...] (--to NEW_OUTPUT | --in-place)`: re-derive the archive from
its WARC files alone, with today's extractor, without the network (`archiver.warc.rebuild`)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from archiver.catalog import default_catalog_path
from archiver.clock import archive_time
from archiver.commands.common import (DEFAULT_OUTPUT, UsageError, _wall_clock, catalog_location,
                                      checked_overrides, writable_lock)
from archiver.config import Source, load_config
from archiver.logs import add_log_options, log_settings
from archiver.report import RunReport

NAME = "rebuild"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="re-derive the archive from its WARC files, offline",
        description="Run every archived article of OUTPUT's WARC files through today's extractor "
        "and pipelines, with no network: into a new folder (--to; same files, same names, original "
        "archive times, a catalog of its own) or into OUTPUT itself (--in-place: changed articles "
        "rewritten, original date kept, `updated` recorded). URLs missing from the WARC files are "
        "reported, never fetched.",
    )
    parser.add_argument("sources", nargs="*", metavar="SOURCE",
                        help="source ids from the sources file (default: all)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="NEW_OUTPUT", help="write the rebuilt archive here")
    target.add_argument("--in-place", action="store_true", help="update OUTPUT itself")
    parser.add_argument("--output", "-o", default=DEFAULT_OUTPUT,
                        help="the archive whose WARC files are replayed (default ./output)")
    parser.add_argument("--config", "-c", default=None,
                        help="sources file (default $ARCHIVER_CONFIG or ./sources.yaml)")
    parser.add_argument("--catalog-url", default=None, metavar="URL",
                        help="OUTPUT's catalog in PostgreSQL (default $ARCHIVER_CATALOG_URL); "
                        "--in-place writes to it, --to gives NEW_OUTPUT a SQLite catalog")
    parser.add_argument("--report", default=None, metavar="FILE",
                        help="also write the summary as JSON to FILE")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[],
                        metavar="NAME=VALUE", help="Scrapy setting (repeatable)")
    add_log_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    from archiver.warc.files import seal_open_files, warc_files, warc_root

    archive_time()  # a malformed ARCHIVER_NOW is a usage error before anything runs
    sources = load_config(args.config).select(args.sources)
    origin = Path(args.output)
    origin_catalog = catalog_location(args, origin)
    if isinstance(origin_catalog, Path) and not origin_catalog.is_file():
        raise UsageError(f"{origin}: no catalog there: nothing archived to rebuild")
    target = origin if args.in_place else Path(args.to)
    if not args.in_place and target.resolve() == origin.resolve():
        raise UsageError("--to is the archive itself: use --in-place")
    with ExitStack() as held:
        held.enter_context(writable_lock(origin, f"archiver {NAME} (reading)", origin_catalog,
                                         [s.id for s in sources]))
        if target != origin:
            held.enter_context(writable_lock(target, f"archiver {NAME} (writing)"))
        for source in sources:
            seal_open_files(warc_root(origin) / source.id)  # a killed crawl's last file
            if not warc_files(warc_root(origin) / source.id):
                print(f"archiver: {source.id}: no WARC files in {warc_root(origin) / source.id} "
                      "(captured with warc: off, or before capture existed): every article will be "
                      "reported missing", file=sys.stderr)
            if not args.in_place:
                copy_warcs(origin, target, source)
        report = _rebuild(args, sources, origin, origin_catalog, target)
    return _finish(args, report)


def copy_warcs(origin: Path, target: Path, source: Source) -> None:
    """The new archive gets the WARC files too (hard links where possible), so it can be
    rebuilt again in turn."""
    from archiver.warc.files import warc_files, warc_root

    destination = warc_root(target) / source.id
    destination.mkdir(parents=True, exist_ok=True)
    for warc in warc_files(warc_root(origin) / source.id):
        for path in (warc, warc.with_name(warc.name + ".cdxj")):
            copy = destination / path.name
            if copy.exists() or not path.exists():
                continue
            try:
                os.link(path, copy)
            except OSError:
                shutil.copy2(path, copy)


def _rebuild(args: argparse.Namespace, sources: list[Source], origin: Path,
             origin_catalog: str | Path, target: Path) -> RunReport:
    from archiver.runner import build_settings
    from archiver.warc.rebuild import CHANGES_STAT, rebuild_settings, run_rebuilds

    settings = build_settings({**log_settings(args), **checked_overrides(args.settings)}, output=target, config=args.config)
    target_catalog = origin_catalog if target == origin else default_catalog_path(target)
    settings.set("ARCHIVER_CATALOG", str(target_catalog), priority="cmdline")
    rebuild_settings(settings, origin, origin_catalog)
    started, clock = _wall_clock(), time.monotonic()
    results = run_rebuilds(sources, settings, origin_catalog)
    report = RunReport.from_results(NAME, started, _wall_clock(), time.monotonic() - clock, results)
    for result in results:
        report.sources[result.source]["changes"] = result.stats.get(CHANGES_STAT, [])
    return report


def _finish(args: argparse.Namespace, report: RunReport) -> int:
    for line in report.lines():
        print(line)
    for source, counts in report.sources.items():
        for change in counts["changes"]:
            print(f"{source}: rewritten {change['path']}: {change['why']}: {change['url']}")
        for failure in counts["failed"]:
            if failure["reason"] == "not_in_warc":
                print(f"{source}: not in the WARC files, not fetched: {failure['url']}", file=sys.stderr)
            else:
                print(f"{source}: not rebuilt ({failure['reason']}): {failure['url']}: "
                      f"{failure['message']}", file=sys.stderr)
    if report.interrupted:
        print("archiver: interrupted; run the same command again", file=sys.stderr)
    if args.report:
        report.write(args.report)
    return report.exit_code
