"""The export schema: one record per article, the same fields in every format.

Version 1. Fields are only ever appended (a new version adds columns at the end and bumps
`SCHEMA_VERSION`); none is renamed, retyped or reordered, so a reader that selects columns by
name keeps working.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from archiver.dates import CHINA_TZ

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ImageRef:
    """An image of the body: its URL, and where the media download put it (None until then)."""

    url: str
    path: str | None = None
    sha256: str | None = None
    bytes: int | None = None


@dataclass(frozen=True)
class AttachmentRef:
    """An attachment (附件) of the article: its link text, URL, and local copy if downloaded."""

    name: str | None
    url: str
    path: str | None = None


@dataclass(frozen=True)
class ExportRecord:
    """One article. `published` is aware (+08:00); `archived` and `updated` are the archiving
    machine's local time, naive, as the front matter and the catalog record them. `text`,
    `markdown` and `chars` are None when the article's file could not be read."""

    id: str
    url: str
    source: str
    site_name: str | None
    title: str | None
    published: datetime | None
    archived: datetime
    updated: datetime | None
    text: str | None
    markdown: str | None
    images: tuple[ImageRef, ...]
    attachments: tuple[AttachmentRef, ...]
    path: str
    chars: int | None


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ExportRecord))


def china_time(moment: datetime | None) -> datetime | None:
    """A publication time in +08:00 (the archiver stores them so; one without an offset is the
    site's local time, as `archiver.dates` reads page dates)."""
    if moment is None:
        return None
    return moment.astimezone(CHINA_TZ) if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def local_time(moment: datetime) -> datetime:
    """An archive time as naive local time (the archiver writes them so; a hand-edited one with
    an offset is converted to this machine's local time)."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def format_local(moment: datetime | None) -> str | None:
    """`2021-11-26T01:22:02.872027`: ISO 8601, no offset, always six fraction digits."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") if moment else None


def format_published(moment: datetime | None) -> str | None:
    """`2021-11-24T10:00:00+08:00`: ISO 8601 with the offset, as the catalog stores it."""
    return moment.isoformat() if moment else None


def json_ready(record: ExportRecord) -> dict[str, Any]:
    """The record as JSON values, keys in schema order (timestamps as ISO 8601 strings)."""
    return {
        "id": record.id,
        "url": record.url,
        "source": record.source,
        "site_name": record.site_name,
        "title": record.title,
        "published": format_published(record.published),
        "archived": format_local(record.archived),
        "updated": format_local(record.updated),
        "text": record.text,
        "markdown": record.markdown,
        "images": [asdict(image) for image in record.images],
        "attachments": [asdict(attachment) for attachment in record.attachments],
        "path": record.path,
        "chars": record.chars,
    }
