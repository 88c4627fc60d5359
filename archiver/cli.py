"""The `archiver` command line: parses arguments, runs a subcommand, maps errors to exit codes.

Exit codes a scheduler can act on: 0 all good; 1 some articles or list pages failed (named in
the log and the report, retried next run); 2 usage or configuration error; 74 the output folder
filled up or became unwritable (stopped, nothing lost); 75 another run holds the output folder's
lock; 130 interrupted (re-run the same command to resume).
"""

from __future__ import annotations

import argparse
import sys

from archiver import __version__
from archiver.catalog import CatalogError
from archiver.clock import ClockError
from archiver.commands import COMMANDS
from archiver.commands.common import UsageError
from archiver.config import ConfigError
from archiver.lock import EXIT_LOCKED, LockedError
from archiver.plan import PlanError

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archiver",
        description="Archive news sites (VSB, WebPlus) into Hugo front-matter Markdown.",
    )
    parser.add_argument("--version", action="version", version=f"archiver {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers).set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ConfigError, UsageError, ClockError, PlanError, CatalogError) as exc:
        for line in str(exc).splitlines():
            print(f"archiver: error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except LockedError as exc:
        print(f"archiver: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except KeyboardInterrupt:
        print("archiver: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
