"""The `archiver` command line: parses arguments, runs a subcommand, maps errors to exit codes.

Exit codes a scheduler can act on: 0 all good; 1 some articles failed (named in the log);
2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys

from archiver import __version__
from archiver.clock import ClockError
from archiver.commands import COMMANDS
from archiver.config import ConfigError
from archiver.runner import UsageError

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


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
    except (ConfigError, UsageError, ClockError) as exc:
        print(f"archiver: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("archiver: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
