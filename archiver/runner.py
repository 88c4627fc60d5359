"""Running crawls in-process: Scrapy settings from the project plus `-s` overrides, one crawler
per source in one CrawlerProcess, and the stats each crawler ends with."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver import __version__
from archiver.config import Source
from archiver.logs import attach_stderr
from archiver.politeness import SETTING as HOST_SLOTS_SETTING, HostSlots
from archiver.plan import CrawlPlan

logger = logging.getLogger(__name__)


def build_settings(
    overrides: dict[str, Any] | None = None,
    output: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
) -> Settings:
    """The project's settings module, then command-line values on top (Scrapy's priorities)."""
    settings = Settings()
    settings.setmodule("archiver.settings", priority="project")
    if output is not None:
        settings.set("ARCHIVER_OUTPUT", str(output), priority="cmdline")
    if config is not None:
        settings.set("ARCHIVER_CONFIG", str(config), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    contact = settings.get("ARCHIVER_CONTACT")
    if contact and settings.getpriority("USER_AGENT") < settings.getpriority("ARCHIVER_CONTACT"):
        settings.set("USER_AGENT", user_agent(contact), priority=settings.getpriority("ARCHIVER_CONTACT"))
    return settings


def user_agent(contact: str) -> str:
    """The User-Agent naming the project and who to contact (`ARCHIVER_CONTACT`)."""
    return f"archiver/{__version__} (news archive crawler; +{contact})"


@dataclass
class CrawlResult:
    """What one source's crawl ended with: its stats and the URLs that failed."""

    source: str
    stats: dict[str, Any]
    failed: list[dict[str, str]] = field(default_factory=list)
    # Why Scrapy's machinery failed (an exception while starting or running), else None.
    error: str | None = None


def run_crawls(sources: list[Source], settings: Settings, plan: CrawlPlan | None = None) -> list[CrawlResult]:
    """Crawl every source concurrently in this process and return how each ended."""
    from spiders.news import NewsSpider

    # All sources of one host share one download slot (one rate per host, not per source).
    settings.set(HOST_SLOTS_SETTING, HostSlots(), priority="cmdline")
    process = CrawlerProcess(settings)
    attach_stderr(settings)
    crawlers = []
    errors: dict[str, str] = {}
    for source in sources:
        crawler = process.create_crawler(NewsSpider)
        crawlers.append((source, crawler))
        running = process.crawl(crawler, source=source, plan=plan or CrawlPlan())
        running.addErrback(_record_error, errors, source.id)
    process.start()
    return [
        CrawlResult(source.id, dict(crawler.stats.get_stats()),
                    list(getattr(crawler.spider, "failed", [])), errors.get(source.id))
        for source, crawler in crawlers
    ]


def _record_error(failure: Any, errors: dict[str, str], source_id: str) -> None:
    """Keep a crawl's failure for the report (exit 70) instead of Twisted's "Unhandled error in
    Deferred" and a run that ends in 0; the traceback goes to the log at DEBUG."""
    logger.debug("Crawl of %s failed", source_id, exc_info=failure.value)
    errors[source_id] = f"{type(failure.value).__name__}: {failure.value}"
