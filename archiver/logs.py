"""How much a crawling command says: quiet by default, `-v` INFO, `-vv` DEBUG, `--log-file`.

Scrapy logs INFO by default: ~100 lines for a crawl that finds nothing new, all of it appended
to a cron log. The archiver's commands print their summary on stdout and, on stderr, only
warnings and errors unless asked. `--log-file FILE` keeps everything (DEBUG) in FILE while
stderr stays at the chosen level: Scrapy's own root handler writes the file, and a second
handler here writes stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

LEVELS = ("WARNING", "INFO", "DEBUG")
# The stderr level when a log file takes Scrapy's handler (None: Scrapy's handler is stderr).
STDERR_LEVEL_SETTING = "ARCHIVER_STDERR_LOG_LEVEL"


def add_log_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log more on stderr: -v INFO (Scrapy's usual log), -vv DEBUG")
    parser.add_argument("--log-file", metavar="FILE", default=None,
                        help="also write the whole log (DEBUG) to FILE (appended)")


def log_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Scrapy settings for `-v`/`--log-file` (a `-s LOG_LEVEL=…` still wins over them)."""
    level = LEVELS[min(getattr(args, "verbose", 0), len(LEVELS) - 1)]
    log_file = getattr(args, "log_file", None)
    if not log_file:
        return {"LOG_LEVEL": level}
    return {"LOG_LEVEL": "DEBUG", "LOG_FILE": log_file, "LOG_FILE_APPEND": True,
            STDERR_LEVEL_SETTING: level}


def attach_stderr(settings: Any) -> None:
    """With a log file, also log to stderr at the level asked for (after Scrapy's set-up)."""
    level = settings.get(STDERR_LEVEL_SETTING)
    if not level:
        return
    from scrapy.utils.log import get_scrapy_root_handler

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    scrapy_handler = get_scrapy_root_handler()
    if scrapy_handler is not None and scrapy_handler.formatter is not None:
        handler.setFormatter(scrapy_handler.formatter)
    logging.getLogger().addHandler(handler)
