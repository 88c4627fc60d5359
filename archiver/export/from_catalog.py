"""Export records from the catalog: metadata and media from its rows, bodies from the files.

The rows come from `CatalogReader` (one read-only snapshot, streamed in batches); each
article's file is read when its record is built, so nothing grows with the archive's size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from archiver.catalog import CatalogError
from archiver.catalog.reader import CatalogReader
from archiver.config import Source
from archiver.article_file.parse import ArticleFileError, read_article_file
from archiver.article_file.front_matter import read_front_matter, source_layout
from archiver.export.markdown_text import markdown_to_text
from archiver.export.query import ExportQuery
from archiver.export.records import (
    AttachmentRef,
    ExportRecord,
    ImageRef,
    china_time,
    local_time,
)

Warn = Callable[[str], None]


def catalog_records(
    reader: CatalogReader,
    output: Path,
    query: ExportQuery,
    configured: dict[str, Source],
    warn: Warn,
) -> Iterator[ExportRecord]:
    """The query's articles as export records; a file that cannot be read is warned about and
    its record keeps the catalog's fields with `text`, `markdown` and `chars` None."""
    folder = os.fspath(output)
    for row, media in reader.rows(query.sources):
        published = china_time(_timestamp(reader, row, "published"))
        archived = local_time(_parse_timestamp(reader, row, "archived"))
        updated = _timestamp(reader, row, "updated")
        updated = local_time(updated) if updated else None
        if not (query.published_in_range(published) and query.changed(archived, updated)):
            continue
        markdown = text = site_name = None
        source = configured.get(row["source"])
        try:
            parts = read_article_file(os.path.join(folder, row["path"]))
            markdown = parts.markdown
            text = markdown_to_text(markdown)
            if source is None:
                site_name = source_layout(read_front_matter(parts.front_matter), None)[0].get("name")
        except ArticleFileError as exc:
            warn(f"{row['path']}: {exc}; its record has no text")
        yield ExportRecord(
            id=row["urlname"],
            url=row["url"],
            source=row["source"],
            site_name=source.name if source else site_name,
            title=row["title"],
            published=published,
            archived=archived,
            updated=updated,
            text=text,
            markdown=markdown,
            images=tuple(
                ImageRef(m["url"], m["local_path"], m["sha256"], m["bytes"])
                for m in media if m["kind"] == "image"
            ),
            attachments=tuple(
                AttachmentRef(m["name"], m["url"], m["local_path"])
                for m in media if m["kind"] == "attachment"
            ),
            path=row["path"],
            chars=None if text is None else len(text),
        )


def _timestamp(reader: CatalogReader, row: Any, column: str) -> datetime | None:
    value = row[column]
    return None if value is None else _parse_timestamp(reader, row, column)


def _parse_timestamp(reader: CatalogReader, row: Any, column: str) -> datetime:
    """A stored ISO 8601 value; one that does not parse means the catalog was tampered with."""
    value = row[column]
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise CatalogError(
            f"{reader.path}: article {row['url']}: {column} {value!r} is not a date and time"
        ) from None
