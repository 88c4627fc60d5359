"""Checking `-s NAME=VALUE` against the type of the setting's default, before the crawl starts.

Scrapy takes any string and converts it where the setting is read, mid-start-up, inside a
Deferred: `-s DOWNLOAD_TIMEOUT=abc` used to end in "Unhandled error in Deferred" and exit 0.
Here each value is converted the way Scrapy's `Settings.get*` will convert it, so a mistake is
a usage error (exit 2) naming the setting and the type it needs; an unknown name (a typo, or a
setting of some extension) is a warning with the closest known name.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from scrapy.settings import BaseSettings, Settings

# Settings whose Scrapy default is a whole number but which Scrapy reads with `getfloat`.
READ_AS_FLOAT = frozenset({"DOWNLOAD_TIMEOUT", "DOWNLOAD_DELAY", "DNS_TIMEOUT",
                           "CLOSESPIDER_TIMEOUT", "CLOSESPIDER_TIMEOUT_NO_ITEM"})


LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingError(ValueError):
    """A `-s` value does not have the setting's type; the message names both."""


def _kind(name: str, default: Any) -> tuple[str, Callable[[Settings, str], Any]] | None:
    """What a setting's value must be, in words, and the Settings getter that converts it."""
    if isinstance(default, bool):
        return "true/false (1/0)", Settings.getbool
    if isinstance(default, int) and name not in READ_AS_FLOAT:
        return "a whole number", Settings.getint
    if isinstance(default, (int, float)):
        return "a number", Settings.getfloat
    if isinstance(default, (dict, BaseSettings)):
        return "a JSON object", Settings.getdict
    if isinstance(default, (list, tuple)):
        return "a list (JSON or comma-separated)", Settings.getlist
    return None


def check_overrides(overrides: dict[str, Any]) -> list[str]:
    """Raise SettingError for the first value of the wrong type; return warnings for unknown
    names (with a suggestion). `overrides` are the raw `-s` strings by name."""
    defaults = Settings()
    defaults.setmodule("archiver.settings", priority="project")
    known = [name for name, _ in defaults.items()]
    warnings = []
    level = overrides.get("LOG_LEVEL")
    if isinstance(level, str) and level.upper() not in LOG_LEVELS:
        raise SettingError(f"-s LOG_LEVEL={level[:40]!r}: LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    for name, value in overrides.items():
        if name not in defaults:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]}?)" if close else ""
            warnings.append(f"-s {name}: not a Scrapy or archiver setting{hint}; passed on as is")
            continue
        kind = _kind(name, defaults[name])
        if kind is None or not isinstance(value, str):
            continue
        words, getter = kind
        try:
            getter(Settings({name: value}), name)
        except (ValueError, TypeError):
            shown = value if len(value) <= 40 else value[:40] + "…"
            raise SettingError(f"-s {name}={shown!r}: {name} must be {words}") from None
    return warnings
