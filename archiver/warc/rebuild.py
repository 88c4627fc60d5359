"""`archiver rebuild`: re-derive an archive from its WARC files through the real spider and
pipelines, offline.

`RebuildSpider` asks for every article the recorded archive's catalog lists (no list pages:
what was archived is exactly what is rebuilt), and the `ReplayDownloadHandler` answers from the
WARC files and stored media. Each article keeps the time it was first archived: a new output
gets it through `ArticleItem.archived`, an in-place rebuild through the catalog as any re-fetch
does. `RebuildPipeline` (the Markdown pipeline) notes what each rewritten article changed, for
the summary. A URL the WARC files lack is reported (`not_in_warc`), never fetched, and not
recorded as a failure in the catalog: the archived article is still there.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from archiver.catalog.reader import CatalogReader
from archiver.items import ArticleItem, MediaRetryItem
from archiver.pipelines import MarkdownPipeline
from archiver.plan import CrawlPlan
from archiver.runner import CrawlResult
from spiders.news import MAX_REPORTED_FAILURES, NewsSpider

logger = logging.getLogger(__name__)
CHANGES_STAT = "rebuild/changes"  # outside `archiver/`: not copied into the catalog's runs table


@dataclass(frozen=True)
class ToRebuild:
    """An archived article: its URL and when it was first archived."""

    url: str
    archived: datetime


def archived_articles(catalog: str | Path, source: str) -> list[ToRebuild]:
    """The recorded archive's articles of one source, read-only, in archive order."""
    with CatalogReader(catalog) as reader:
        rows = reader.archived_urls(source)
    return [ToRebuild(url, datetime.fromisoformat(archived)) for url, archived in rows]


def what_changed(before: str, after: str) -> str:
    """Why a rewritten file differs, in a few words: which front-matter keys, and how many
    non-blank body lines (paragraphs, mostly) went or came."""
    old_head, _, old_body = before.partition("\n---\n")
    new_head, _, new_body = after.partition("\n---\n")
    parts = []
    if old_head != new_head:
        keys = sorted({line.split(":", 1)[0] for line in set(old_head.splitlines()) ^ set(new_head.splitlines())})
        parts.append("front matter (" + ", ".join(keys) + ")")
    if old_body != new_body:
        old_lines = [line for line in old_body.splitlines() if line.strip()]
        new_lines = [line for line in new_body.splitlines() if line.strip()]
        removed = sum(1 for line in old_lines if line not in set(new_lines))
        added = sum(1 for line in new_lines if line not in set(old_lines))
        parts.append(f"body (-{removed} +{added} lines)")
    return ", ".join(parts) or "bytes only"


class RebuildSpider(NewsSpider):
    """The news spider fed from a recorded archive's catalog instead of list pages.

    Spider arguments: `origin` (the recorded archive's catalog file) besides `source`.
    """

    name = "rebuild"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> RebuildSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.catalog.rename_run(spider.run_id, cls.name)
        spider.to_rebuild = archived_articles(spider.origin, spider.source.id)
        spider.archived = {a.url: a.archived for a in spider.to_rebuild}
        return spider

    async def start(self) -> AsyncIterator[Request | MediaRetryItem]:
        for article in self.to_rebuild:
            yield self._article_request(article.url)

    async def parse_article(self, response: Any, url: str) -> Any:
        async for item in super().parse_article(response, url):
            item.archived = self.archived.get(url)
            yield item

    def _article_failed(self, url: str, reason: str, message: str) -> None:
        """Counted and reported, not recorded: the archived article stays as it was."""
        self.crawler.stats.inc_value("archiver/articles/failed")
        self.crawler.stats.inc_value(f"archiver/articles/failed/{reason}")
        if len(self.failed) < MAX_REPORTED_FAILURES:
            self.failed.append({"url": url, "reason": reason, "message": message})
        logger.error("Article not rebuilt (%s): %s: %s", reason, url, message)


class RebuildPipeline(MarkdownPipeline):
    """The Markdown pipeline, noting for each rewritten article what changed."""

    async def process_item(self, item: object, spider: object = None) -> object:
        if not isinstance(item, ArticleItem):
            return await super().process_item(item)
        known = self._context.writes.article(item.source, item.article.url)
        before = _read(self.output / known.path) if known else None
        result = await super().process_item(item)
        await self._context.writes.flush()  # the new file, to compare: rebuilds are offline
        after = self._context.catalog.article(item.source, item.article.url)
        if known is not None and after is not None and after.content_hash != known.content_hash:
            now = _read(self.output / after.path) or ""
            changes = self.crawler.stats.get_value(CHANGES_STAT) or []
            changes.append({"url": item.article.url, "path": after.path,
                            "why": what_changed(before or "", now)})
            self.crawler.stats.set_value(CHANGES_STAT, changes)
        return result


def rebuild_settings(settings: Settings, origin: Path, origin_catalog: str | Path) -> Settings:
    """The crawl settings for a replay of `origin`: no network, no new capture, no waiting."""
    replay = "archiver.warc.replay.ReplayDownloadHandler"
    values = {
        "DOWNLOAD_HANDLERS": {"http": replay, "https": replay},
        "ARCHIVER_REPLAY_FROM": str(origin),
        "ARCHIVER_REPLAY_CATALOG": str(origin_catalog),
        "ARCHIVER_WARC": "off",  # a source's own `warc` key is overridden by the spider below
        "ROBOTSTXT_OBEY": False,  # obeyed when the pages were captured
        "RETRY_ENABLED": False,  # a recorded answer does not change
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "ITEM_PIPELINES": {**settings.getdict("ITEM_PIPELINES"),
                           "archiver.pipelines.MarkdownPipeline": None,
                           "archiver.warc.rebuild.RebuildPipeline": 800},
    }
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_rebuilds(sources: list[Any], settings: Settings, origin_catalog: str | Path) -> list[CrawlResult]:
    """Rebuild every source in this process (one crawler each) and return how each ended."""
    process = CrawlerProcess(settings)
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(RebuildSpider)
        crawlers.append((source, crawler))
        # Capture is off: replayed responses are already in the WARC files.
        process.crawl(crawler, source=replace(source, warc="off"), origin=str(origin_catalog),
                      plan=CrawlPlan(mode="backfill", refresh=True))
    process.start()
    return [
        CrawlResult(source.id, dict(crawler.stats.get_stats()), list(getattr(crawler.spider, "failed", [])))
        for source, crawler in crawlers
    ]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
