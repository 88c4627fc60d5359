"""The options several commands share, declared once: `--output`, `--config`, `--catalog`,
`--report`, `-s NAME=VALUE` and the verbosity options (`archiver.logs`).

A command may word an option's help for its own use; the flag, its default and its meaning are
the same everywhere. Defaults come from `archiver/settings.py`, where every default lives. Kept
apart from `archiver.commands.common` so a command that crawls nothing (`extract`) does not
import the crawl machinery.
"""

from __future__ import annotations

import argparse

from archiver import settings as defaults
from archiver.logs import add_log_options

Options = argparse.ArgumentParser | argparse._ActionsContainer

# Each default lives in archiver/settings.py; the CLI shows and uses the same value.
DEFAULT_OUTPUT = defaults.ARCHIVER_OUTPUT
OUTPUT_HELP = "archive folder (default ./output)"
CONFIG_HELP = "sources file (default $ARCHIVER_CONFIG or ./sources.yaml)"
CATALOG_HELP = "catalog file (default OUTPUT/.archiver/catalog.sqlite)"


def add_output_option(parser: Options, help: str = OUTPUT_HELP) -> None:
    """`--output/-o`: the archive folder, declared once for every command that has one."""
    parser.add_argument("--output", "-o", default=DEFAULT_OUTPUT, help=help)


def add_config_option(parser: Options, help: str = CONFIG_HELP) -> None:
    """`--config/-c`: the sources file (None: `$ARCHIVER_CONFIG`, else ./sources.yaml)."""
    parser.add_argument("--config", "-c", default=None, help=help)


def add_catalog_option(parser: Options, help: str = CATALOG_HELP) -> None:
    """`--catalog`: the catalog file (None: `OUTPUT/.archiver/catalog.sqlite`)."""
    parser.add_argument("--catalog", default=None, help=help)


def add_run_options(parser: argparse.ArgumentParser, report_help: str, settings_help: str) -> None:
    """`--report FILE`, `-s NAME=VALUE` (repeatable) and the verbosity options of a command
    that runs Scrapy."""
    parser.add_argument("--report", default=None, metavar="FILE", help=report_help)
    add_settings_option(parser, settings_help)
    add_log_options(parser)


def add_settings_option(parser: Options, help: str) -> None:
    """`-s/--set NAME=VALUE` (repeatable): a Scrapy setting, checked by `archiver.setting_checks`."""
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[],
                        metavar="NAME=VALUE", help=help)
