"""`archiver export`: the archive as a dataset (JSON Lines, CSV or Parquet), streamed."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from archiver.commands.common import DEFAULT_OUTPUT, catalog_location
from archiver.config import CONFIG_ENV, DEFAULT_CONFIG_NAME, Source, load_config
from archiver.export import FORMATS, WRITERS, ArchiveExport, ExportError, ExportQuery, write_records
from archiver.export.query import parse_local_time
from archiver.plan import parse_days
from archiver.export.target import STDOUT, open_target
from archiver.export.writers import check_format_available

NAME = "export"
EXIT_USAGE = 2
EXIT_INCOMPLETE = 1


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="write the archive as a dataset: JSON Lines, CSV or Parquet",
        description="Write one record per archived article (metadata from the catalog, text "
        "and Markdown from the files) in a stable, documented schema, in publication order; "
        "to standard output (jsonl, csv) or to a file. Memory use does not grow with the "
        "archive. Exit 0 when every article was exported whole, 1 when some files could not "
        "be read (named on standard error) or writing failed, 2 for a usage or catalog error.",
    )
    parser.add_argument("--output", "-o", default=DEFAULT_OUTPUT,
                        help="archive folder (default ./output)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="jsonl",
                        help="jsonl (default), csv or parquet (needs archiver[parquet])")
    parser.add_argument("--source", dest="sources", action="extend", nargs="+", default=[],
                        metavar="SOURCE", help="only these sources (repeatable; default all)")
    parser.add_argument("--since", metavar="DATE",
                        help="only articles published on or after DATE (YYYY-MM-DD, +08:00)")
    parser.add_argument("--until", metavar="DATE",
                        help="only articles published on or before DATE (YYYY-MM-DD, +08:00)")
    parser.add_argument("--updated-since", metavar="DATETIME",
                        help="only articles archived or updated at or after DATETIME (local "
                        "time, e.g. '2024-01-31 08:00:00')")
    parser.add_argument("--to", metavar="PATH",
                        help="file to write ('-': standard output, the default for jsonl and "
                        "csv; parquet needs a file)")
    parser.add_argument("--excel", action="store_true",
                        help="csv: start with a UTF-8 byte order mark so Excel reads Chinese text")
    parser.add_argument("--config", "-c", default=None,
                        help="sources file for site names (default $ARCHIVER_CONFIG or "
                        "./sources.yaml when present; else names come from the front matter)")
    origin = parser.add_mutually_exclusive_group()
    origin.add_argument("--catalog", default=None,
                        help="catalog file (default OUTPUT/.archiver/catalog.sqlite)")
    origin.add_argument("--catalog-url", default=None, metavar="URL",
                        help="PostgreSQL catalog (default $ARCHIVER_CATALOG_URL; see crawl --help)")
    origin.add_argument("--from-files", action="store_true",
                        help="no catalog: rebuild the records from the Markdown files alone")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        return _export(args)
    except ExportError as exc:
        print(f"archiver: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`archiver export | head`): stop quietly, as a filter should.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INCOMPLETE
    except OSError as exc:
        print(f"archiver: error: writing the export failed: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE


def _export(args: argparse.Namespace) -> int:
    since, until = parse_days(args.since, args.until)
    changed = parse_local_time(args.updated_since, "--updated-since") if args.updated_since else None
    query = ExportQuery(tuple(dict.fromkeys(args.sources)), since, until, changed)
    to = args.to or (None if args.format == "parquet" else STDOUT)
    if to is None or (args.format == "parquet" and to == STDOUT):
        raise ExportError("--format parquet writes a file: give --to FILE.parquet")
    if args.excel and args.format != "csv":
        raise ExportError("--excel only applies to --format csv")
    check_format_available(args.format)
    output = Path(args.output)
    catalog = None if args.from_files else catalog_location(args, output)
    problems = 0

    def warn(message: str) -> None:
        nonlocal problems
        problems += 1
        print(f"archiver: warning: {message}", file=sys.stderr)

    with ArchiveExport(output, query, _configured_sources(args.config), catalog) as archive:
        with open_target(to) as stream:
            count = write_records(archive.records(warn), WRITERS[args.format](stream, args.excel))
    where = "standard output" if to == STDOUT else to
    summary = f"archiver: exported {count} articles as {args.format} to {where}"
    if problems:
        summary += f"; {problems} files could not be read (see the warnings above)"
    print(summary, file=sys.stderr)
    return EXIT_INCOMPLETE if problems else 0


def _configured_sources(explicit: str | None) -> dict[str, Source]:
    """The sources file's sources when one is named or present; none otherwise (site names
    then come from the front matter). A named file that is missing or invalid is an error."""
    if explicit or os.environ.get(CONFIG_ENV) or Path(DEFAULT_CONFIG_NAME).is_file():
        return load_config(explicit).sources
    return {}
