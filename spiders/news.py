"""The news spider: walks a source's list pages and hands each article page to the pipelines.

Run it as `archiver crawl hrbeu` / `archiver backfill hrbeu` or, from the project folder,
`scrapy crawl news -a source=hrbeu [-a mode=backfill -a since=2020-01-01 …]`. It only crawls and
decides what to fetch (from the catalog); reading pages is `archiver.page`, writing is the
pipelines'.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Generator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from parsel import Selector, SelectorList
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import get_base_url
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from archiver import settings as defaults
from archiver.catalog import Catalog
from archiver.cms.pager import is_pager_text
from archiver.config import Source, load_config
from archiver.dates import find_date
from archiver.disk import disk_error, stop_crawl
from archiver.extract import ExtractionError, decode_html, parse_html
from archiver.failures import failure_message, failure_reason
from archiver.items import ArticleItem, MediaRetryItem
from archiver.media.retries import due_retries
from archiver.page import ArticlePage, Unread
from archiver.page_workers import PageReaders
from archiver.plan import CrawlPlan, spider_argument_names
from archiver.refusals import refuse_response
from archiver.run_context import RunContext
from archiver.urls import link_target

logger = logging.getLogger(__name__)

# Articles before list pages: finishing one list page's articles before paging further keeps
# the scheduler's queue, and so memory, flat during a long backfill.
ARTICLE_PRIORITY = 10
MAX_REPORTED_FAILURES = 1000
# Meta key on requests for list pages reached through a "next page" link.
NEXT_PAGE = "archiver_next_page"
_PAGE_NUMBER = re.compile(r"/(\d+)\.htm$")
_TOTAL_ITEMS = re.compile(r"共\s*(\d+)\s*条")


class NewsSpider(scrapy.Spider):
    """One configured source: `-a source=ID` (and optionally `-a config=FILE`, plan options)."""

    name = "news"

    def __init__(
        self,
        source: str | Source | None = None,
        config: str | None = None,
        plan: CrawlPlan | None = None,
        **kwargs: Any,
    ) -> None:
        plan_args = {k: kwargs.pop(k) for k in list(kwargs) if k in spider_argument_names()}
        super().__init__(**kwargs)
        self._source_arg = source
        self._config_arg = config
        self.plan = plan or CrawlPlan.from_spider_args(**plan_args)
        self.context: RunContext
        self.readers: PageReaders
        self.media_retry_only = False
        self.known_pages_in_a_row = 0
        self.list_pages_seen = 0
        # Failed URLs for the run report (bounded: a site that is down must not eat memory).
        self.failed: list[dict[str, str]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        source = spider._resolve_source(crawler)
        spider.allowed_domains = list(source.allowed_domains)
        spider.media_retry_only = crawler.settings.getbool("ARCHIVER_MEDIA_RETRY_ONLY")
        command = "media" if spider.media_retry_only else spider.plan.mode
        spider.context = RunContext.start(crawler, source, spider.plan, command)
        spider.readers = PageReaders(
            crawler.settings.getint("ARCHIVER_EXTRACT_PROCESSES", defaults.ARCHIVER_EXTRACT_PROCESSES),
            crawler.settings.getfloat("ARCHIVER_EXTRACT_TIMEOUT", defaults.ARCHIVER_EXTRACT_TIMEOUT))
        crawler.signals.connect(spider.readers.close, signal=signals.spider_closed)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider._item_error, signal=signals.item_error)
        return spider

    @property
    def source(self) -> Source:
        return self.context.source

    @property
    def catalog(self) -> Catalog:
        return self.context.catalog

    @property
    def run_id(self) -> int:
        return self.context.run_id

    def _resolve_source(self, crawler: Crawler) -> Source:
        if isinstance(self._source_arg, Source):
            return self._source_arg
        if not self._source_arg:
            raise ValueError("the news spider needs a source: -a source=ID")
        config = load_config(self._config_arg or crawler.settings.get("ARCHIVER_CONFIG"))
        return config.select([self._source_arg])[0]

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if k.startswith("archiver/")}
        try:
            self.catalog.finish_run(self.run_id, self.context.stamp(), reason, stats)
        except self.catalog.errors as exc:
            if (refused := disk_error(exc)) is None:
                raise
            stop_crawl(self.crawler, refused, self.catalog.path)  # the exit code says so
        finally:
            self.catalog.close()

    async def start(self) -> AsyncIterator[Request | MediaRetryItem]:
        """Re-checks and retries straight from the catalog, then the first list page(s).

        With `ARCHIVER_MEDIA_RETRY_ONLY` (`archiver media --retry`): every failed medium of the
        source, and nothing else.
        """
        if self.media_retry_only:
            retries = self._media_retries(due=None, max_attempts=None)
            processed = self._when_processed(len(retries))
            for item in retries:
                yield item
            await maybe_deferred_to_future(processed)
            return
        window = self.plan.recheck_since(self.context.clock())
        if window is not None:
            for url in self.catalog.published_since(self.source.id, window):
                self.crawler.stats.inc_value("archiver/articles/rechecked")
                yield self._article_request(url)
        if self.plan.mode == "crawl":
            for url in self.catalog.failed_urls(self.source.id, self.plan.max_failed_attempts):
                self.crawler.stats.inc_value("archiver/articles/retried")
                yield self._article_request(url)
            due = self.context.stamp()
            for item in self._media_retries(due=due, max_attempts=self.context.media.max_attempts):
                yield item
        for url in self.source.start_urls:
            yield Request(url, callback=self.parse_list, errback=self.list_failed)

    def _media_retries(self, due: str | None, max_attempts: int | None) -> list[MediaRetryItem]:
        return due_retries(self.catalog, self.source.id, self.context.media, due, max_attempts)

    def _when_processed(self, count: int) -> Deferred[None]:
        """Fires once `count` media retry items have left the pipelines.

        Scrapy notices that a spider is idle on its 5-second heartbeat when the last work was an
        item rather than a response; `start()` waiting for this lets `archiver media --retry`
        end as soon as its downloads are done.
        """
        processed: Deferred[None] = Deferred()
        seen = 0

        def finished(item: object, **_: object) -> None:
            nonlocal seen
            if isinstance(item, MediaRetryItem):
                seen += 1
                if seen >= count and not processed.called:
                    processed.callback(None)

        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            self.crawler.signals.connect(finished, signal=signal, weak=False)
        if count == 0:
            processed.callback(None)
        return processed

    def parse_list(self, response: Response) -> Iterator[Request]:
        """Queue the page's articles this run wants, then the next (older) list page."""
        self.list_pages_seen += 1
        self.crawler.stats.inc_value("archiver/list_pages")
        page = self._list_page(response)
        if page is None:
            return
        links = page.css(self.source.list_items_selector)
        if not links:
            self._list_broken(response, f"no article links match {self.source.list_items_selector!r}")
            return
        if self.list_pages_seen == 1:
            self._estimate_totals(page, len(links))
        wanted, all_older = yield from self._wanted_articles(response, links)
        if self._should_stop_paging(wanted, all_older):
            return
        for link in page.css(self.source.next_page_selector):
            url = link_target(get_base_url(response), link.attrib.get("href"))
            if url:
                yield Request(url, callback=self.parse_list, errback=self.list_failed,
                              meta={NEXT_PAGE: True})
                break

    def _list_page(self, response: Response) -> Selector | None:
        """The list page parsed, or None when it is not one (counted and logged)."""
        if not isinstance(response, TextResponse):
            self._list_broken(response, "not an HTML page")
            return None
        refusal = refuse_response(response.url, response.meta.get("redirect_urls", ()), response.body)
        if refusal is not None:
            self._list_failed(response.url, refusal.reason, refusal.message)
            return None
        try:
            return _readable(response)
        except ExtractionError as exc:
            self._list_failed(response.url, exc.reason, str(exc))
            return None

    def _wanted_articles(self, response: TextResponse, links: SelectorList) -> Generator[Request, None, tuple[int, bool]]:
        """Requests for the listed articles this run wants; returns how many, and whether every
        listed date was older than the plan's range (a backfill then stops paging). What is
        already archived is asked of the catalog once for the whole page."""
        all_older = True
        in_range: list[str] = []
        for link in links:
            url = self._article_url(response, link)
            if url is None:
                continue
            listed = _listed_date(link)
            if listed is None or not self.plan.older_than_range(listed):
                all_older = False
            if not self.plan.in_range(listed):
                self.crawler.stats.inc_value("archiver/articles/out_of_range")
                continue
            in_range.append(url)
        known = set() if self.plan.refresh else self.context.writes.archived_among(self.source.id, in_range)
        wanted = 0
        for url in in_range:
            if url in known:
                self.crawler.stats.inc_value("archiver/articles/known")
                continue
            wanted += 1
            yield self._article_request(url)
        return wanted, all_older

    def _should_stop_paging(self, wanted: int, all_older: bool) -> bool:
        if self.plan.max_pages is not None and self.list_pages_seen >= self.plan.max_pages:
            return True
        if self.plan.mode == "backfill":
            return all_older  # lists are newest first: the rest is older still
        self.known_pages_in_a_row = 0 if wanted else self.known_pages_in_a_row + 1
        return self.known_pages_in_a_row >= self.plan.stop_after_known_pages

    def _article_url(self, response: TextResponse, link: Selector) -> str | None:
        url = link_target(get_base_url(response), link.attrib.get("href"))
        if not url:
            return None
        if is_pager_text(link.xpath("string()").get() or ""):
            # A pager inside the list container: fetched as an article it would fail, and
            # would make the real next-page request a duplicate, so paging would stop.
            self.crawler.stats.inc_value("archiver/list_pager_links_skipped")
            return None
        if not self._on_site(url):
            self.crawler.stats.inc_value("archiver/articles/offsite")
            return None
        return url

    def _article_request(self, url: str) -> Request:
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            priority=ARTICLE_PRIORITY,
            cb_kwargs={"url": url},
        )

    async def parse_article(self, response: Response, url: str) -> AsyncIterator[ArticleItem]:
        """Read the article (`archiver.page`, in a worker process: `archiver.page_workers`); a
        page this preset cannot read, an empty page, a login page or one whose reading exceeds
        `ARCHIVER_EXTRACT_TIMEOUT` is logged, counted and recorded as failed (the next crawl
        tries it again), never written."""
        if not isinstance(response, TextResponse):
            self._article_failed(url, "not_html", "response is not an HTML page")
            return
        page = ArticlePage(response.body, _content_type(response), url, response.url,
                           tuple(response.meta.get("redirect_urls", ())), self.source.id,
                           self.source.preset, self.source.article)
        item = await self.readers.read(page)
        if isinstance(item, Unread):
            self._article_failed(url, item.reason, item.message)
            return
        if not self.plan.in_range(item.article.published):
            # Lists without dates cannot be filtered before fetching; the page's date decides.
            self.crawler.stats.inc_value("archiver/articles/out_of_range")
            return
        self.crawler.stats.inc_value("archiver/articles/extracted")
        yield item

    def _spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        """A bug or an unforeseen page in a callback: Scrapy logs the traceback and goes on; the
        page is recorded as failed (`internal_error`), so the run exits 1 and the next retries it."""
        request = response.request
        message = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
        if request is not None and request.callback == self.parse_list:
            self._list_failed(response.url, "internal_error", message)
        elif request is not None and request.callback == self.parse_article:
            self._article_failed(request.cb_kwargs.get("url", response.url), "internal_error", message)

    def _item_error(self, item: object, response: Response, spider: scrapy.Spider, failure: Failure) -> None:
        """An exception in a pipeline: the article was not archived; record it as failed."""
        if isinstance(item, ArticleItem):
            message = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
            self._article_failed(item.article.url, "internal_error", message)

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = request.cb_kwargs.get("url", request.url)
        reason = failure_reason(failure)
        self._article_failed(url, reason, failure_message(failure, reason))

    def list_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        reason = failure_reason(failure)
        if request.meta.get(NEXT_PAGE) and reason in ("http_404", "http_410"):
            # A pager that counts pages the site no longer has (deleted articles) links past the
            # end of the list: the list ends here. A start page that is missing is a failure.
            self.crawler.stats.inc_value("archiver/list_pages_missing")
            logger.warning("List ends early: the next page %s answered %s", request.url, reason)
            return
        self._list_failed(request.url, reason, failure_message(failure, reason))

    def _list_failed(self, url: str, reason: str, message: str) -> None:
        self.crawler.stats.inc_value("archiver/list_pages_failed")
        self.crawler.stats.inc_value(f"archiver/list_pages_failed/{reason}")
        if len(self.failed) < MAX_REPORTED_FAILURES:
            self.failed.append({"url": url, "reason": reason, "message": message})
        logger.error("List page failed (%s): %s: %s", reason, url, message)

    def _article_failed(self, url: str, reason: str, message: str) -> None:
        self.crawler.stats.inc_value("archiver/articles/failed")
        self.crawler.stats.inc_value(f"archiver/articles/failed/{reason}")
        try:
            self.catalog.record_failure(
                self.source.id, url, reason, message, self.context.stamp()
            )
        except self.catalog.errors as exc:
            if (refused := disk_error(exc)) is None:
                raise
            stop_crawl(self.crawler, refused, self.catalog.path)
        if len(self.failed) < MAX_REPORTED_FAILURES:
            self.failed.append({"url": url, "reason": reason, "message": message})
        logger.error("Article failed (%s): %s: %s", reason, url, message)

    def _list_broken(self, response: Response, why: str) -> None:
        self.crawler.stats.inc_value("archiver/list_pages_broken")
        logger.warning("List page without articles: %s: %s", response.url, why)

    def _on_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.source.allowed_domains)

    def _estimate_totals(self, page: Selector, items_on_first_page: int) -> None:
        """Total list pages and articles from the first page's pager, for progress and ETA.

        VSB numbers pages downward, so the first page's next link `xw/{P-1}.htm` gives P; the
        pager's `共N条` gives the article count when present. A total the run will not reach is
        no total: `--since` stops paging early (when is unknown), `--until` skips newer
        articles, and `--max-pages` caps both counts.
        """
        if self.plan.since:
            return
        stats = self.crawler.stats
        next_links = page.css(self.source.next_page_selector)
        href = next_links[0].attrib.get("href", "") if next_links else ""
        number = _PAGE_NUMBER.search(href)
        all_pages = int(number.group(1)) + 1 if number else (1 if not href else None)
        pages = min(all_pages, self.plan.max_pages) if all_pages and self.plan.max_pages else all_pages
        if pages:
            stats.set_value("archiver/list_pages_total", pages)
        if self.plan.until:
            return
        total = _TOTAL_ITEMS.search(" ".join(page.css(".p_t ::text, .p_pages ::text").getall()))
        if total:  # the walked pages' share of 共N条
            share = (pages, all_pages) if pages and all_pages else (1, 1)
            stats.set_value("archiver/articles_listed_total", int(total.group(1)) * share[0] // share[1])
        elif pages:
            stats.set_value("archiver/articles_listed_total", pages * items_on_first_page)


def _listed_date(link: Selector) -> datetime | None:
    """The date a list item shows beside its link, from the nearest ancestor that holds only
    this link (link texts are skipped: titles often contain dates of their own)."""
    node = link
    for _ in range(3):
        parents = node.xpath("..")
        if not parents:
            break
        node = parents[0]
        if len(node.xpath(".//a[@href]")) > 1:
            break
        found = find_date(" ".join(node.xpath(".//text()[not(ancestor::a)]").getall()))
        if found:
            return found
    return None


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


def _readable(response: TextResponse) -> Selector:
    """The page as `decode_html` reads its bytes (see `parse_article`), parsed once by
    `parse_html`, which refuses a page nested deeper than the parser goes: the links after that
    point would silently be missing (ExtractionError `too_deep`)."""
    return Selector(root=parse_html(decode_html(response.body, _content_type(response))), type="html")
