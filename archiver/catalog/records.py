"""What the catalog stores, as plain values: no SQL, no connection."""

from __future__ import annotations

from dataclasses import dataclass


class CatalogError(Exception):
    """The catalog cannot be used: unreadable, corrupt, locked, unreachable, or from a newer
    archiver."""


@dataclass(frozen=True)
class ArticleRecord:
    """One archived article as the catalog knows it."""

    source: str
    url: str
    urlname: str
    title: str
    published: str | None
    archived: str
    updated: str | None
    checked: str
    content_hash: str
    path: str
    bytes: int


@dataclass(frozen=True)
class MediaRecord:
    """An image, attachment or video of an article, and what became of it."""

    kind: str
    position: int
    url: str
    name: str | None = None
    state: str = "linked"
    local_path: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    content_type: str | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt: str | None = None
