"""Downloader middlewares: retries that wait, and redirects that cannot loop or vanish.

Scrapy's RetryMiddleware retries at once, which against an overloaded university server
(503, 429) mostly earns more 503s. `BackoffRetryMiddleware` keeps its bounds (`RETRY_TIMES`,
`RETRY_HTTP_CODES`, `RETRY_EXCEPTIONS`) and only adds the wait; the wait happens in the
middleware chain, so other downloads go on meanwhile.

Scrapy's RedirectMiddleware hands a redirect back to the scheduler, whose duplicate filter
silently drops a redirect to a URL already seen: a redirect loop, or two articles redirected to
one page, would make an article vanish without its errback ever running, so no failure would be
recorded. `RedirectGuardMiddleware` fails a loop at once (`RedirectLoop`) and exempts the other
redirects from the filter (`REDIRECT_MAX_TIMES` still bounds them). Exempt from the filter, a
redirect would also pass Scrapy's offsite check, so the guard does that itself: a list page or an
article (a spider request) that redirects off the source's allowed domains fails as
`offsite_redirect` (never written as the site's own page); images and attachments (background
requests) may redirect to any public host, a CDN (the URL policy still holds for every hop).

Logic in public functions, the middlewares thin wrappers (as Scrapy's own retry module does).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message
from scrapy.utils.url import url_is_from_any_domain

from archiver.refusals import looks_like_login
from archiver.failures import RedirectLoop, UrlRefused

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


def is_background(request: Request) -> bool:
    """A request a Scrapy component makes for itself (media downloads, robots.txt), not one a
    spider callback waits for: `NO_CALLBACK` marks them."""
    return request.callback is NO_CALLBACK


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware plus a wait before each retry.

    Settings: `ARCHIVER_RETRY_BACKOFF` (first wait, seconds, default 1), `ARCHIVER_RETRY_BACKOFF_MAX`
    (default 60), `ARCHIVER_RETRY_AFTER_MAX` (longest Retry-After honoured, default 600: a server
    asking for more is given up on for this run, and the article is retried by the next run),
    `ARCHIVER_RETRY_MEDIA_WAIT_MAX` (longest wait of any kind before retrying a media download
    or robots.txt, default 10: a failed medium is recorded and retried by a later crawl anyway,
    and robots.txt holds up every request to its site while it waits).
    Stats: `archiver/retry/waited`, `archiver/retry/retry_after`, `archiver/retry/retry_after_too_long`.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = _seconds(settings, "ARCHIVER_RETRY_BACKOFF", 1.0)
        self.cap = _seconds(settings, "ARCHIVER_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = _seconds(settings, "ARCHIVER_RETRY_AFTER_MAX", 600.0)
        self.media_wait_max = _seconds(settings, "ARCHIVER_RETRY_MEDIA_WAIT_MAX", 10.0)

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
            limit = self._longest_wait(request, self.retry_after_max)
            if wait > limit:
                stats.inc_value("archiver/retry/retry_after_too_long")
                logger.warning("Giving up on %s for this run: Retry-After %.0f s is more than %.0f s",
                               request.url, wait, limit)
                return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait is None:
            wait = self._backoff(retry)
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
        await self._sleep(self._backoff(retry))
        return retry

    def _backoff(self, retry: Request) -> float:
        return backoff_seconds(retry.meta.get("retry_times", 1), self.base, self._longest_wait(retry, self.cap))

    def _longest_wait(self, request: Request, limit: float) -> float:
        return min(limit, self.media_wait_max) if is_background(request) else limit

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.crawler.stats.inc_value("archiver/retry/waited")
            await sleep(seconds)


def redirect_loop(redirected: Request) -> bool:
    """Whether `redirected` (as built by RedirectMiddleware) goes back to a URL on its own chain."""
    return redirected.url in redirected.meta.get("redirect_urls", ())


class RedirectGuardMiddleware(RedirectMiddleware):
    """RedirectMiddleware that fails loops at once and lets no redirect be filtered as a duplicate.

    Stats: `archiver/redirect/loop`, `archiver/refused/offsite_redirect`.
    """

    def process_response(self, request: Request, response: Response, spider: object = None) -> Request | Response:
        result = super().process_response(request, response)
        if not isinstance(result, Request):
            return result
        if redirect_loop(result):
            self.crawler.stats.inc_value("archiver/redirect/loop")
            chain = " -> ".join([*result.meta["redirect_urls"], result.url])
            raise RedirectLoop(f"redirect loop: {chain}")
        if offsite_redirect(result, getattr(self.crawler.spider, "allowed_domains", None)):
            self.crawler.stats.inc_value("archiver/refused/offsite_redirect")
            logger.warning("Refused (offsite_redirect): %s -> %s", request.url, result.url)
            raise UrlRefused("offsite_redirect", f"redirected off the site to {result.url}")
        result.dont_filter = True
        return result


def offsite_redirect(redirected: Request, allowed_domains: list[str] | None) -> bool:
    """Whether a spider request (list page, article) is redirected off its allowed domains.

    Media (background requests) may live on any public host; a redirect to a login page is left
    to the login checks (`login_redirect`: fetched, never written)."""
    if not allowed_domains or is_background(redirected) or looks_like_login(redirected.url):
        return False
    return not url_is_from_any_domain(redirected.url, allowed_domains)


def _seconds(settings: BaseSettings, name: str, default: float) -> float:
    """A duration setting; a bad value stops the crawl at start with a message naming it."""
    raw = settings.get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"setting {name} must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"setting {name} must be 0 or more, got {raw!r}")
    return value
