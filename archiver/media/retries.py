"""Which failed media a crawl downloads again: the media component's decision, from the catalog.

A medium that failed is retried by later runs without fetching its article (`MediaRetryItem`):
each crawl takes those whose back-off is over and that have attempts left; `archiver media
--retry` takes all of them. The spider only hands the items to the pipelines.
"""

from __future__ import annotations

from archiver.catalog import Catalog
from archiver.items import MediaRetryItem
from archiver.media.options import MediaSettings


def due_retries(
    catalog: Catalog, source_id: str, media: MediaSettings, due: str | None, max_attempts: int | None
) -> list[MediaRetryItem]:
    """Archived articles' failed media whose back-off is over at `due` (all of them: `due` None),
    none when media downloading is off."""
    if not media.enabled:
        return []
    return [
        MediaRetryItem(source_id, article_url, records)
        for article_url, records in catalog.failed_media(source_id, due, max_attempts)
    ]
