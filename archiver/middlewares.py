"""Downloader middleware: retries that wait (exponential backoff, or the server's Retry-After).

Scrapy's RetryMiddleware retries at once, which against an overloaded university server
(503, 429) mostly earns more 503s. This subclass keeps its bounds (`RETRY_TIMES`,
`RETRY_HTTP_CODES`, `RETRY_EXCEPTIONS`) and only adds the wait; the wait happens in the
middleware chain, so other downloads go on meanwhile. Logic in public functions, the middleware
a thin wrapper (as Scrapy's own retry module does).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks to wait (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff: `base`, 2×`base`, 4×`base` … for attempts 1, 2, 3 …, at most `cap`."""
    return min(cap, base * 2 ** max(0, attempt - 1))


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware plus a wait before each retry.

    Settings: `ARCHIVER_RETRY_BACKOFF` (first wait, seconds, default 1), `ARCHIVER_RETRY_BACKOFF_MAX`
    (default 60), `ARCHIVER_RETRY_AFTER_MAX` (longest Retry-After honoured, default 600: a server
    asking for more is given up on for this run, and the article is retried by the next run).
    Stats: `archiver/retry/waited`, `archiver/retry/retry_after`, `archiver/retry/retry_after_too_long`.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("ARCHIVER_RETRY_BACKOFF", 1.0)
        self.cap = settings.getfloat("ARCHIVER_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("ARCHIVER_RETRY_AFTER_MAX", 600.0)
        if self.base < 0 or self.cap < 0 or self.retry_after_max < 0:
            raise ValueError("ARCHIVER_RETRY_BACKOFF, _MAX and ARCHIVER_RETRY_AFTER_MAX must be >= 0")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def process_response(
        self, request: Request, response: Response, spider: object = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None:
            stats.inc_value("archiver/retry/retry_after")
            if wait > self.retry_after_max:
                stats.inc_value("archiver/retry/retry_after_too_long")
                logger.warning("Giving up on %s for this run: Retry-After %.0f s exceeds "
                               "ARCHIVER_RETRY_AFTER_MAX %.0f s", request.url, wait, self.retry_after_max)
                return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait is None:
            wait = backoff_seconds(retry.meta.get("retry_times", 1), self.base, self.cap)
        await self._sleep(wait)
        return retry

    async def process_exception(
        self, request: Request, exception: Exception, spider: object = None
    ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self._sleep(backoff_seconds(retry.meta.get("retry_times", 1), self.base, self.cap))
        return retry

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.crawler.stats.inc_value("archiver/retry/waited")
            await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))
