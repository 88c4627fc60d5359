"""The `ARCHIVER_MEDIA_*` settings, read and checked in one place.

The media pipeline and the spider read them when a crawl starts; the CLI checks them before
it starts one, so a bad `-s ARCHIVER_MEDIA_MAX_BYTES=…` is a usage error (exit 2) naming the
setting rather than a crawl that dies starting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy.settings import BaseSettings

MiB = 1024 * 1024


class MediaSettingsError(ValueError):
    """A media setting has a value the pipeline cannot work with; the message names it."""


@dataclass(frozen=True)
class MediaSettings:
    """The `ARCHIVER_MEDIA_*` settings, checked (see `archiver/settings.py` for each one)."""

    enabled: bool = True
    max_bytes: int = 50 * MiB
    video_max_bytes: int = 200 * MiB
    max_attempts: int = 5
    retry_delay: float = 3600.0

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> MediaSettings:
        values = {
            "enabled": _switch(settings, "ARCHIVER_MEDIA_ENABLED"),
            "max_bytes": _number(settings, "ARCHIVER_MEDIA_MAX_BYTES", int, 1),
            "video_max_bytes": _number(settings, "ARCHIVER_MEDIA_VIDEO_MAX_BYTES", int, 1),
            "max_attempts": _number(settings, "ARCHIVER_MEDIA_MAX_ATTEMPTS", int, 1),
            "retry_delay": _number(settings, "ARCHIVER_MEDIA_RETRY_DELAY", float, 0),
        }
        return cls(**values)


def _number(settings: BaseSettings, name: str, kind: type, minimum: float) -> Any:
    raw = settings.get(name)
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise MediaSettingsError(f"setting {name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise MediaSettingsError(f"setting {name} must be at least {minimum}, got {raw!r}")
    return value


def _switch(settings: BaseSettings, name: str) -> bool:
    try:
        return settings.getbool(name, True)
    except ValueError:
        raise MediaSettingsError(f"setting {name} must be true or false, got {settings.get(name)!r}") from None
