"""The `archiver` command line: parses arguments, runs a subcommand, maps errors to exit codes.

Exit codes a scheduler can act on: 0 all good; 1 some articles or list pages failed (named in
the log and the report, retried next run); 2 usage or configuration error; 70 a crawl could not
run (an internal error); 74 the output folder filled up or became unwritable (stopped, nothing
lost); 75 another run holds the output folder's lock; 130 interrupted (re-run the same command
to resume).

Only the chosen command's module is imported (`archiver.commands.COMMANDS`), and the error
classes below are looked up only in modules already loaded: an exception of a module that was
never imported cannot have been raised.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from archiver import __version__
from archiver.commands import COMMANDS

EXIT_USAGE = 2
EXIT_LOCKED = 75  # archiver.lock.EXIT_LOCKED (not imported here: lock loads the catalog)
USAGE_ERRORS = ("archiver.config:ConfigError", "archiver.commands.errors:UsageError",
                "archiver.clock:ClockError", "archiver.plan:PlanError",
                "archiver.catalog:CatalogError")
LOCKED_ERRORS = ("archiver.lock:LockedError",)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the full sub-parser only for the command named in `argv` (all of
    them when `argv` is None)."""
    parser = argparse.ArgumentParser(
        prog="archiver",
        description="Archive news sites (VSB, WebPlus) into Hugo front-matter Markdown.",
    )
    parser.add_argument("--version", action="version", version=f"archiver {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    for command in COMMANDS:
        if chosen is None or command.name == chosen:
            module = importlib.import_module(command.module)
            module.add_parser(subparsers).set_defaults(run=module.run)
        else:
            subparsers.add_parser(command.name, help=command.help, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("archiver: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if _is_one_of(exc, USAGE_ERRORS):
            for line in str(exc).splitlines():
                print(f"archiver: error: {line}", file=sys.stderr)
            return EXIT_USAGE
        if _is_one_of(exc, LOCKED_ERRORS):
            print(f"archiver: {exc}", file=sys.stderr)
            return EXIT_LOCKED
        raise


def _is_one_of(exc: Exception, names: tuple[str, ...]) -> bool:
    """Whether `exc` is an instance of one of the `module:Class` names, among loaded modules."""
    for name in names:
        module_name, _, class_name = name.partition(":")
        module = sys.modules.get(module_name)
        if module is not None and isinstance(exc, getattr(module, class_name)):
            return True
    return False


if __name__ == "__main__":
    sys.exit(main())
