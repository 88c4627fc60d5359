"""The news spider: walks a source's list pages and hands each new article page to the pipelines.

Run it as `archiver crawl hrbeu` or, from the project folder, `scrapy crawl news -a source=hrbeu`.
It only crawls; reading the pages is `archiver.extract`, writing them is the pipelines'.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.config import Source, load_config
from archiver.extract import ExtractionError, extract_article
from archiver.items import ArticleItem
from archiver.render import urlname_for
from archiver.storage import article_path

logger = logging.getLogger(__name__)

# Articles first: finishing the articles of a list page before paging further keeps the
# scheduler's queue (and memory) small during a long backfill.
ARTICLE_PRIORITY = 10


class NewsSpider(scrapy.Spider):
    """One configured source: `-a source=ID` (and optionally `-a config=FILE`)."""

    name = "news"

    def __init__(self, source: str | Source | None = None, config: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._source_arg = source
        self._config_arg = config
        self.source: Source

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.source = spider._resolve_source(crawler)
        spider.allowed_domains = list(spider.source.allowed_domains)
        spider.output = Path(crawler.settings.get("ARCHIVER_OUTPUT"))
        return spider

    def _resolve_source(self, crawler: Crawler) -> Source:
        if isinstance(self._source_arg, Source):
            return self._source_arg
        if not self._source_arg:
            raise ValueError("the news spider needs a source: -a source=ID")
        config = load_config(self._config_arg or crawler.settings.get("ARCHIVER_CONFIG"))
        return config.select([self._source_arg])[0]

    async def start(self) -> AsyncIterator[Request]:
        for url in self.source.start_urls:
            yield Request(url, callback=self.parse_list, errback=self.list_failed)

    def parse_list(self, response: Response) -> Iterator[Request]:
        """Queue the page's articles that are not archived yet, then the next (older) list page."""
        self.crawler.stats.inc_value("archiver/list_pages")
        if not isinstance(response, TextResponse):
            self._list_broken(response, "not an HTML page")
            return
        links = response.css(self.source.list_items_selector)
        if not links:
            self._list_broken(
                response, f"no article links match {self.source.list_items_selector!r}"
            )
        for link in links:
            href = (link.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = response.urljoin(href)
            if not self._on_site(url):
                self.crawler.stats.inc_value("archiver/articles/offsite")
                continue
            if self._already_archived(url):
                self.crawler.stats.inc_value("archiver/articles/skipped_existing")
                continue
            yield Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                priority=ARTICLE_PRIORITY,
                cb_kwargs={"url": url},
            )
        next_links = response.css(self.source.next_page_selector)
        if next_links:
            href = next_links[0].attrib.get("href")
            if href:
                yield response.follow(href, callback=self.parse_list, errback=self.list_failed)

    def parse_article(self, response: Response, url: str) -> Iterator[ArticleItem]:
        """Extract the article; a page this preset cannot read is logged and counted, not written."""
        if not isinstance(response, TextResponse):
            self._article_failed(url, "not_html", "response is not an HTML page")
            return
        try:
            article = extract_article(response.text, url, self.source.preset, self.source.article)
        except ExtractionError as exc:
            self._article_failed(url, exc.reason, str(exc))
            return
        self.crawler.stats.inc_value("archiver/articles/extracted")
        yield ArticleItem(source=self.source.id, article=article)

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = request.cb_kwargs.get("url", request.url)
        self._article_failed(url, _failure_reason(failure), failure.getErrorMessage())

    def list_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        reason = _failure_reason(failure)
        self.crawler.stats.inc_value(f"archiver/list_pages_failed/{reason}")
        logger.error("List page failed (%s): %s: %s", reason, request.url, failure.getErrorMessage())

    def _article_failed(self, url: str, reason: str, message: str) -> None:
        self.crawler.stats.inc_value("archiver/articles/failed")
        self.crawler.stats.inc_value(f"archiver/articles/failed/{reason}")
        logger.error("Article failed (%s): %s: %s", reason, url, message)

    def _list_broken(self, response: Response, why: str) -> None:
        self.crawler.stats.inc_value("archiver/list_pages_broken")
        logger.warning("List page without articles: %s: %s", response.url, why)

    def _on_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.source.allowed_domains)

    def _already_archived(self, url: str) -> bool:
        """An article whose file exists is not fetched again (URL-derived names only)."""
        if self.source.slug != "md5":
            return False
        return article_path(self.output, self.source.id, urlname_for(url, "", "md5")).exists()


def _failure_reason(failure: Failure) -> str:
    """A short stats-friendly reason: `http_404`, or the exception's class name."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return type(failure.value).__name__
