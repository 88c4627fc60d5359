"""Export records from the Markdown files alone (`--from-files`), for an archive without catalog.

Everything comes from `OUTPUT/<source>/*.md`: the id (`urlname`) and archive time (`date`) from
the front matter, the URL from the source link, the site name and page title by matching the
front-matter templates (`archiver.article_file.front_matter`), images from the body and attachments
from the attachment list, with their URLs as the file links them (a link to the archive's own
copy, `/<source>/images/…` with `image_links: local`, also gives the copy's `path`). What the
files do not hold stays None: `published` and `updated` (only the catalog records them), and
an image's sha256 and size.

The export order needs every file's URL before the first record is written; the (URL, file)
pairs go into a temporary on-disk SQLite table that does the sorting, so memory stays flat
however many files there are. Each file is read twice: once for its URL, once for its record.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote

from archiver.config import Source
from archiver.article_file.parse import ArticleFileError, read_article_file
from archiver.article_file.front_matter import article_title, read_front_matter, source_layout
from archiver.export.markdown_text import image_urls, parse_markdown, tokens_to_text
from archiver.export.query import ExportQuery
from archiver.export.records import AttachmentRef, ExportRecord, ImageRef, local_time

Warn = Callable[[str], None]
# The sort index is written once and read once in order: a small page cache is enough, and
# keeps memory from growing with the number of files until SQLite's default 2 MiB is full.
INDEX_CACHE_KIB = 512


def archive_sources(output: Path) -> list[str]:
    """Sub-folders of the archive that hold articles (hidden ones, like `.archiver`, are not)."""
    if not output.is_dir():
        return []
    return sorted(
        entry.name for entry in os.scandir(output)
        if entry.is_dir() and not entry.name.startswith(".")
        and any(_article_names(entry.path))
    )


def _article_names(folder: str) -> Iterator[str]:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".md") and not entry.name.startswith(".") and entry.is_file():
                yield entry.name


def file_records(
    output: Path,
    sources: Iterable[str],
    query: ExportQuery,
    configured: dict[str, Source],
    warn: Warn,
) -> Iterator[ExportRecord]:
    """Records of every article file of `sources`, in export order (URL, then source).

    A file that is not an article file is warned about and left out.
    """
    index = sqlite3.connect("")  # a private temporary database on disk, deleted on close
    try:
        index.execute(f"PRAGMA cache_size = -{INDEX_CACHE_KIB}")
        index.execute("CREATE TABLE files (url TEXT NOT NULL, source TEXT NOT NULL, path TEXT NOT NULL)")
        index.executemany("INSERT INTO files VALUES (?, ?, ?)", _index(output, sources, warn))
        rows = index.execute("SELECT source, path FROM files ORDER BY url, source, path")
        for source, path in rows:
            try:
                record = file_record(output, source, path, configured.get(source))
            except ArticleFileError as exc:
                warn(f"{path}: {exc}; left out")
                continue
            if query.changed(record.archived, record.updated):
                yield record
    finally:
        index.close()


def _index(output: Path, sources: Iterable[str], warn: Warn) -> Iterator[tuple[str, str, str]]:
    for source in sources:
        folder = os.path.join(output, source)
        if not os.path.isdir(folder):
            continue
        for name in _article_names(folder):
            path = f"{source}/{name}"
            try:
                yield read_article_file(os.path.join(folder, name)).source_url, source, path
            except ArticleFileError as exc:
                warn(f"{path}: {exc}; left out")


def file_record(output: Path, source: str, path: str, configured: Source | None) -> ExportRecord:
    """The record of one article file (`path` relative to the archive folder)."""
    parts = read_article_file(os.path.join(output, path))
    fields = read_front_matter(parts.front_matter)
    names, layout = source_layout(fields, configured)
    tokens = parse_markdown(parts.markdown)
    text = tokens_to_text(tokens)
    return ExportRecord(
        id=fields.urlname,
        url=parts.source_url,
        source=source,
        site_name=names.get("name"),
        title=article_title(fields, layout, names),
        published=None,
        archived=local_time(fields.date),
        updated=None,
        text=text,
        markdown=parts.markdown,
        images=tuple(ImageRef(url, local_copy(url)) for url in image_urls(tokens)),
        attachments=tuple(AttachmentRef(name, url, local_copy(url)) for name, url in parts.attachments),
        path=path,
        chars=len(text),
    )


def local_copy(url: str) -> str | None:
    """The archive path (relative to the output folder) a site-root link points at, else None.

    `image_links: local` links archived media as `/<source>/images/<sha256>.jpg`
    (`archiver.media.links.local_url`); any other link is the original URL.
    """
    if url.startswith("/") and not url.startswith("//"):
        return unquote(url[1:])
    return None
