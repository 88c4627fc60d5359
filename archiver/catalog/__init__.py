"""The catalog layer: every SQL query of the archive's record, on SQLite or PostgreSQL.

`open_catalog(location)` opens one (a file path, or a `postgresql://` URL); `Catalog` is its
connection for crawls and repairs, `CatalogReader` a read-only snapshot for exports.
"""

from archiver.catalog.records import ArticleRecord, CatalogError, MediaRecord
from archiver.catalog.schema import MIGRATIONS, SCHEMA_VERSION
from archiver.catalog.store import CATALOG_DIR, CATALOG_NAME, Catalog, default_catalog_path

__all__ = [
    "CATALOG_DIR", "CATALOG_NAME", "MIGRATIONS", "SCHEMA_VERSION", "ArticleRecord", "Catalog",
    "CatalogError", "MediaRecord", "default_catalog_path",
]
