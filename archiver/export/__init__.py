"""Dataset export: the archive as JSON Lines, CSV or Parquet, one record per article.

Modules by job: `records` (the schema), `query` (selection and order), `article_file` (a file
split into front matter, body and source link), `front_matter` (site name and page title read
back from the front matter), `markdown_text` (plain text from body Markdown), `from_catalog`
and `from_files` (record sources), `archive` (opening an archive for export), `writers` (one
per format) and `target` (standard output or an atomically replaced file). The CLI command is
`archiver.commands.export`.
"""

from archiver.export.archive import ArchiveExport, write_records
from archiver.export.query import ExportError, ExportQuery
from archiver.export.records import FIELDS, SCHEMA_VERSION, ExportRecord
from archiver.export.writers import FORMATS, WRITERS

__all__ = [
    "FIELDS",
    "FORMATS",
    "SCHEMA_VERSION",
    "WRITERS",
    "ArchiveExport",
    "ExportError",
    "ExportQuery",
    "ExportRecord",
    "write_records",
]
