"""The run context: what one crawl of one source works with, built once and shared through the crawler.

Scrapy's own components take their context from the item and the settings, never from the
spider. The news spider builds a `RunContext` when the crawler creates it (it alone knows the
`-a source=…` argument), opens the catalog and starts the run record, and attaches the context
to its crawler; the pipelines and middlewares ask `run_context(crawler)` for it. So no component
reaches into `crawler.spider.<attribute>`, and a test can build a context without a spider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler

from archiver.catalog import Catalog, default_catalog_path
from archiver.clock import archive_time, format_timestamp
from archiver.config import Source
from archiver.media.options import MediaSettings
from archiver.plan import CrawlPlan
from archiver.write_batch import WriteBatch

_CONTEXTS: WeakKeyDictionary[Crawler, RunContext] = WeakKeyDictionary()


@dataclass(frozen=True)
class RunContext:
    """One crawl of one source: where it writes, what it records into (`writes` batches the
    files and rows of articles for the catalog), how it fetches media, and the clock every
    timestamp of the run is taken from (`ARCHIVER_NOW` in tests)."""

    source: Source
    plan: CrawlPlan
    output: Path
    catalog: Catalog
    media: MediaSettings
    run_id: int
    writes: WriteBatch
    clock: Callable[[], datetime] = archive_time

    @classmethod
    def start(cls, crawler: Crawler, source: Source, plan: CrawlPlan, command: str) -> RunContext:
        """Open the catalog named by the settings, record the run's start, attach the context."""
        settings = crawler.settings
        output = Path(settings.get("ARCHIVER_OUTPUT"))
        catalog = Catalog(
            settings.get("ARCHIVER_CATALOG") or default_catalog_path(output),
            busy_timeout=settings.getfloat("ARCHIVER_CATALOG_BUSY_TIMEOUT"),
        )
        run_id = catalog.start_run(command, source.id, format_timestamp(archive_time()))
        writes = WriteBatch(crawler, catalog, size=settings.getint("ARCHIVER_WRITE_BATCH"),
                            seconds=settings.getfloat("ARCHIVER_WRITE_BATCH_SECONDS"))
        context = cls(source, plan, output, catalog, MediaSettings.from_settings(settings), run_id, writes)
        _CONTEXTS[crawler] = context
        return context

    def stamp(self) -> str:
        """Now, as the catalog writes times."""
        return format_timestamp(self.clock())


def run_context(crawler: Crawler) -> RunContext | None:
    """The context of the crawl this crawler runs, or None when its spider is not ours."""
    return _CONTEXTS.get(crawler)
