"""An archive opened for export: from its catalog, or from its files alone.

Everything that can be refused is refused when the archive is opened, before a byte is written:
a missing, corrupt, locked or too new catalog (CatalogError), an unknown source, or a
publication-date filter on an archive without catalog (ExportError).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from archiver.config import Source
from archiver.catalog.reader import CatalogReader
from archiver.export.from_catalog import catalog_records
from archiver.export.from_files import archive_sources, file_records
from archiver.export.query import ExportError, ExportQuery
from archiver.export.records import ExportRecord
from archiver.export.writers import RecordWriter


class ArchiveExport:
    """The articles `query` selects from the archive in `output`.

    `catalog` is the catalog file or URL, or None to read the Markdown files alone; `configured` maps
    source ids to their configuration (for site names and front-matter layouts).
    """

    def __init__(self, output: Path, query: ExportQuery, configured: dict[str, Source],
                 catalog: str | Path | None) -> None:
        self.output = output
        self.query = query
        self.configured = configured
        self.reader: CatalogReader | None = None
        if catalog is None:
            if query.filters_published:
                raise ExportError(
                    "--since/--until filter on publication dates, which only the catalog "
                    "records; they cannot be used with --from-files"
                )
            if not output.is_dir():
                raise ExportError(f"{output}: no archive folder here")
            archived = archive_sources(output)
            where = "in the archive folder"
        else:
            self.reader = CatalogReader(catalog)
            archived = self.reader.sources()
            where = "in the catalog"
        self.sources = list(query.sources) or archived  # the folders `--from-files` walks
        unknown = [s for s in query.sources if s not in archived and s not in configured]
        if unknown:
            self.close()
            raise ExportError(
                f"unknown source {unknown[0]!r} ({where}: {', '.join(archived) or 'none'})"
            )

    def records(self, warn: Callable[[str], None]) -> Iterator[ExportRecord]:
        """The selected articles in export order; problems with single files go to `warn`."""
        if self.reader is not None:
            return catalog_records(self.reader, self.output, self.query, self.configured, warn)
        return file_records(self.output, self.sources, self.query, self.configured, warn)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()

    def __enter__(self) -> ArchiveExport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def write_records(records: Iterator[ExportRecord], writer: RecordWriter) -> int:
    """Stream the records into the writer and finish it; return how many were written."""
    count = 0
    for record in records:
        writer.write(record)
        count += 1
    writer.finish()
    return count
