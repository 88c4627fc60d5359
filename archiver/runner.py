"""Running crawls in-process: Scrapy settings from the project plus `-s` overrides, one crawler
per source in one CrawlerProcess, and the stats each crawler ends with."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterable

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver.config import Source


class UsageError(Exception):
    """A command-line value is malformed (exit code 2)."""


def parse_setting_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """`-s NAME=VALUE` pairs, as `scrapy crawl` takes them."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        overrides[name.strip()] = value
    return overrides


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
    return settings


@dataclass
class CrawlResult:
    """What one source's crawl ended with."""

    source: str
    stats: dict[str, Any]

    @property
    def failures(self) -> int:
        return int(self.stats.get("archiver/articles/failed", 0)) + sum(
            int(v) for k, v in self.stats.items() if k.startswith("archiver/list_pages_failed/")
        )


def run_crawls(sources: list[Source], settings: Settings) -> list[CrawlResult]:
    """Crawl every source concurrently in this process and return their final stats."""
    from spiders.news import NewsSpider

    process = CrawlerProcess(settings)
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(NewsSpider)
        crawlers.append((source, crawler))
        process.crawl(crawler, source=source)
    process.start()
    return [CrawlResult(source.id, dict(crawler.stats.get_stats())) for source, crawler in crawlers]
