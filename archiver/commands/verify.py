"""`archiver verify [--repair]`: check that the catalog and the archived files agree.

Exit codes: 0 consistent (or everything found was repaired); 1 problems found (without
`--repair`), or some could not be repaired; 2 usage error, or a catalog that is missing or
damaged; 75 another run holds the output folder (a repair writes, and a crawl in progress
would look inconsistent).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from archiver.article_file.render import format_timestamp
from archiver.catalog import Catalog, CatalogError, open_catalog
from archiver.catalog.dialect import one_line
from archiver.clock import archive_time
from archiver.commands.common import (
    UsageError,
    add_catalog_options,
    catalog_location,
    check_output_folder,
    writable_lock,
)
from archiver.commands.options import add_config_option, add_output_option
from archiver.config import CONFIG_ENV, DEFAULT_CONFIG_NAME, Source, load_config

if TYPE_CHECKING:
    from archiver.verify import SourceReport

NAME = "verify"
EXIT_CONSISTENT = 0
EXIT_PROBLEMS = 1


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="check that the catalog and the files agree; --repair what can be",
        description="Check that every catalog row has its article file with the recorded "
        "sha256, every article file has its row, archived media match their sha256, and no "
        "temporary file is left over; list media files no row refers to (orphans). With "
        "--repair, fix each problem from the side that can be trusted: rows without a file are "
        "removed (the next crawl fetches the article again), rows are rebuilt from files, "
        "damaged files are deleted (fetched again), media that are missing or wrong are marked "
        "failed (downloaded again by the next crawl). Exit code 0 when consistent, 1 when "
        "problems remain.",
    )
    add_output_option(parser)
    add_catalog_options(parser)
    add_config_option(parser,
                        help="sources file, for the title layout of rebuilt rows and the list of "
                        "sources (optional; default $ARCHIVER_CONFIG or ./sources.yaml if present)")
    parser.add_argument("--source", dest="sources", action="extend", nargs="+", default=[],
                        metavar="S", help="only these sources (default: every source in the "
                        "catalog or the sources file)")
    parser.add_argument("--repair", action="store_true", help="fix what can be fixed")
    parser.add_argument("--prune-orphans", action="store_true",
                        help="with --repair, also delete media files no catalog row refers to")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    return parser


def run(args: argparse.Namespace) -> int:
    # Imported here: they load Scrapy (the media folders' names), which every other command
    # would otherwise pay for before it even takes its lock.
    from archiver.repair import Repairer
    from archiver.verify import verify_source

    if args.prune_orphans and not args.repair:
        raise UsageError("--prune-orphans only works with --repair")
    output = Path(args.output)
    check_output_folder(output)
    if not output.is_dir():
        raise UsageError(f"{output}: no archive here (no such folder)")
    configured = _configured(args.config)
    now = format_timestamp(archive_time())
    location = catalog_location(args, output)
    with writable_lock(output, "archiver verify", location, args.sources or None):
        created = args.repair and isinstance(location, Path) and not location.exists()
        catalog = _open(location, create=args.repair)
        try:
            sources = _sources(catalog, configured, args.sources, output)
            repair = (Repairer(catalog, str(output), configured, prune_orphans=args.prune_orphans, now=now)
                      if args.repair else None)
            reports = [verify_source(catalog, str(output), source, repair) for source in sources]
        except catalog.errors as exc:
            raise CatalogError(f"{catalog.path}: cannot read catalog: {one_line(exc)}") from None
        finally:
            catalog.close()
    unresolved = sum(r.unresolved for r in reports)
    code = EXIT_PROBLEMS if unresolved else EXIT_CONSISTENT
    if args.json:
        print(json.dumps({
            "output": str(output), "catalog": str(location), "repair": args.repair,
            "catalog_created": created, "exit_code": code,
            "sources": {r.source: r.as_dict() for r in reports},
            "findings": [f.as_dict() for r in reports for f in r.findings],
        }, ensure_ascii=False, indent=2))
        return code
    if created:
        print(f"no catalog at {location}: created one, rows rebuilt from the files")
    for report in reports:
        for finding in report.findings:
            print(finding.line())
    for report in reports:
        print(report.summary())
    print(_verdict(reports, args.repair))
    return code


def _open(location: str | Path, create: bool) -> Catalog:
    """The catalog, checked for damage; a missing SQLite file is an error unless repairing."""
    if not create and isinstance(location, Path) and not location.is_file():
        raise CatalogError(f"{location}: no catalog here (run a crawl first, or `archiver verify "
                           "--repair` to build one from the files)")
    return open_catalog(location, create=create, check=True)


def _configured(explicit: str | None) -> dict[str, Source]:
    """The sources file's sources, when there is one (verify works without it)."""
    if explicit is None and not os.environ.get(CONFIG_ENV) and not Path(DEFAULT_CONFIG_NAME).is_file():
        return {}
    return dict(load_config(explicit).sources)


def _sources(catalog: Catalog, configured: dict[str, Source], requested: list[str],
             output: Path) -> list[str]:
    """The sources to check: those asked for, else every one the catalog or the sources file
    knows and this folder holds. A folder alone does not make a source (it may be someone
    else's), nor does the sources file of the current folder when -o names another archive."""
    in_catalog = catalog.sources()
    if not requested:  # configured sources only where this archive has them (not another's)
        return sorted(set(in_catalog) | {s for s in configured if (output / s).is_dir()})
    for source in requested:
        if not source.replace("_", "").replace("-", "").isalnum():
            raise UsageError(f"--source {source!r}: source ids are letters, digits, '-' or '_'")
        if source not in in_catalog and source not in configured and not (output / source).is_dir():
            raise UsageError(f"--source {source!r}: not in the catalog, not in the sources file, "
                             f"and no folder {output / source}")
    return list(dict.fromkeys(requested))


def _verdict(reports: list[SourceReport], repaired: bool) -> str:
    problems = sum(r.problems for r in reports)
    unresolved = sum(r.unresolved for r in reports)
    if not problems:
        return "archiver verify: the catalog and the files agree"
    if not repaired:
        return f"archiver verify: {problems} problems found; `archiver verify --repair` fixes them"
    if unresolved:
        return f"archiver verify: {problems - unresolved} of {problems} problems repaired; {unresolved} could not be"
    return f"archiver verify: {problems} problems repaired"
