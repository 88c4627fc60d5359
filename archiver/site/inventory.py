"""What the archive holds, for the site: one `Entry` per article file.

The catalog knows each article's page title, URL and publication date; the front matter only
knows the archive time (`date`), which for a backfill is the same moment for thousands of
articles. So the site orders and groups articles by the catalog's publication date, and falls
back to the file for articles the catalog does not know (a copied archive, a lost catalog).
The catalog is opened read-only, as `archiver export` does: a build never changes it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archiver.config import Source
from archiver.article_file.parse import ArticleFileError, read_article_file
from archiver.catalog.reader import CatalogReader
from archiver.article_file.front_matter import article_title, read_front_matter, site_names, source_layout
from archiver.export.from_files import archive_sources

Warn = Callable[[str], None]
@dataclass(frozen=True)
class Entry:
    """One article file. `published` is ISO 8601 with offset (None: unknown); `archived` is the
    front matter's local time, `YYYY-MM-DD HH:MM:SS[.ffffff]`."""

    source: str
    path: str
    url: str | None
    title: str | None
    published: str | None
    archived: str


@dataclass(frozen=True)
class SourceInfo:
    """A source's folder and the names the site shows for it."""

    id: str
    name: str
    label: str


def read_inventory(output: Path, catalog: Path | None, configured: dict[str, Source],
                   warn: Warn) -> tuple[list[SourceInfo], list[Entry]]:
    """Every article file under `output`, described by its catalog row where there is one."""
    sources = archive_sources(output)
    rows = _catalog_rows(catalog) if catalog is not None and catalog.is_file() else {}
    entries = []
    for source in sources:
        for name in sorted(_markdown_names(output / source)):
            path = f"{source}/{name}"
            entry = rows.get(path) or _file_entry(output, source, path, configured.get(source), warn)
            if entry is not None:
                entries.append(entry)
    return [_source_info(output, s, configured.get(s), entries) for s in sources], entries


def _markdown_names(folder: Path) -> Iterator[str]:
    with os.scandir(folder) as found:
        for item in found:
            if item.name.endswith(".md") and not item.name.startswith(".") and item.is_file():
                yield item.name


def _catalog_rows(catalog: Path) -> dict[str, Entry]:
    with CatalogReader(catalog) as reader:
        return {row["path"]: Entry(row["source"], row["path"], row["url"], row["title"],
                                   row["published"], row["archived"])
                for row in reader.entries()}


def _file_entry(output: Path, source: str, path: str, configured: Source | None,
                warn: Warn) -> Entry | None:
    """An article the catalog does not know, described by its file alone."""
    try:
        parts = read_article_file(os.path.join(output, path))
        fields = read_front_matter(parts.front_matter)
    except (ArticleFileError, OSError) as exc:
        warn(f"{path}: {exc}; left out of the site's lists")
        return None
    names, layout = source_layout(fields, configured)
    title = article_title(fields, layout, names) if names else None
    return Entry(source, path, parts.source_url, title, None, str(fields.date))


def _source_info(output: Path, source: str, configured: Source | None,
                 entries: list[Entry]) -> SourceInfo:
    """Names from the sources file, else from the tags and categories of one of its files."""
    if configured is not None:
        return SourceInfo(source, configured.name, configured.label)
    for entry in entries:
        if entry.source == source:
            try:
                fields = read_front_matter(read_article_file(output / entry.path).front_matter)
            except (ArticleFileError, OSError):
                continue
            names = site_names(fields)
            if names:
                return SourceInfo(source, names.get("name", source), names.get("label", source))
    return SourceInfo(source, source, source)

