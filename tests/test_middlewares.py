"""The retry and redirect middlewares on their own: what they wait, when they give up, what they
refuse. Crawls through them are in test_faults_crawl.py."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from scrapy import Spider
from scrapy.exceptions import DownloadTimeoutError
from scrapy.http import HtmlResponse, Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler

from archiver.middlewares import (
    BackoffRetryMiddleware,
    RedirectGuardMiddleware,
    RedirectLoop,
    backoff_seconds,
    retry_after_seconds,
)

URL = "http://gongxue.cn/info/1141/10001.htm"


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(" 7 ") == 7.0
    assert retry_after_seconds("Fri, 01 Mar 2024 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Fri, 01 Mar 2024 11:00:00 GMT", now=now) == 0.0  # in the past
    assert retry_after_seconds(None) is None
    assert retry_after_seconds(b"soon") is None


def test_backoff_doubles_up_to_the_cap():
    assert [backoff_seconds(n, 1.0, 5.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert backoff_seconds(3, 0.0, 60.0) == 0.0


class Recorder(BackoffRetryMiddleware):
    """The middleware with its sleeps recorded instead of slept."""

    waits: list[float]

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def middleware(**settings: object) -> Recorder:
    crawler = get_crawler(Spider, settings)
    crawler.spider = Spider.from_crawler(crawler, name="test")
    made = Recorder.from_crawler(crawler)
    made.waits = []
    return made


def response(status: int, request: Request, **headers: str) -> Response:
    return HtmlResponse(request.url, status=status, headers=headers, body=b"<html></html>", request=request)


def run(coroutine):  # the middleware's methods are coroutines; no reactor is needed here
    return asyncio.run(coroutine)


def test_server_errors_are_retried_with_growing_waits_then_given_up():
    mw = middleware(ARCHIVER_RETRY_BACKOFF=0.5, RETRY_TIMES=2)
    request = Request(URL)
    first = run(mw.process_response(request, response(503, request)))
    second = run(mw.process_response(first, response(503, first)))
    final = response(503, second)
    assert run(mw.process_response(second, final)) is final  # RETRY_TIMES=2: the third 503 stands
    assert isinstance(first, Request) and isinstance(second, Request)
    assert mw.waits == [0.5, 1.0]
    stats = mw.crawler.stats
    assert stats.get_value("retry/count") == 2 and stats.get_value("retry/max_reached") == 1


def test_retry_after_is_honoured_and_a_too_long_one_gives_up_at_once():
    mw = middleware(ARCHIVER_RETRY_AFTER_MAX=60)
    request = Request(URL)
    retry = run(mw.process_response(request, response(429, request, **{"Retry-After": "7"})))
    assert isinstance(retry, Request) and mw.waits == [7.0]
    too_long = response(503, request, **{"Retry-After": "3600"})
    assert run(mw.process_response(request, too_long)) is too_long
    assert mw.waits == [7.0]
    assert mw.crawler.stats.get_value("archiver/retry/retry_after_too_long") == 1


def test_media_and_robots_requests_never_wait_long():
    mw = middleware(ARCHIVER_RETRY_BACKOFF=30, ARCHIVER_RETRY_MEDIA_WAIT_MAX=10)
    image = Request("http://gongxue.cn/__local/a.jpg", callback=NO_CALLBACK)
    retry = run(mw.process_exception(image, DownloadTimeoutError("slow")))
    assert isinstance(retry, Request) and mw.waits == [10.0]  # not 30
    asked = response(503, image, **{"Retry-After": "60"})
    assert run(mw.process_response(image, asked)) is asked  # 60 s is too long for a medium...
    article = Request(URL)
    assert isinstance(run(mw.process_response(article, response(503, article, **{"Retry-After": "60"}))), Request)
    assert mw.waits == [10.0, 60.0]  # ...but not for an article


def test_not_retried_what_a_retry_cannot_fix():
    mw = middleware()
    request = Request(URL)
    not_found = response(404, request)
    assert run(mw.process_response(request, not_found)) is not_found
    assert run(mw.process_exception(request, ValueError("bug"))) is None
    assert mw.waits == []


def test_bad_retry_settings_name_the_setting():
    with pytest.raises(ValueError, match="ARCHIVER_RETRY_BACKOFF must be a number of seconds"):
        middleware(ARCHIVER_RETRY_BACKOFF="soon")
    with pytest.raises(ValueError, match="ARCHIVER_RETRY_AFTER_MAX must be 0 or more"):
        middleware(ARCHIVER_RETRY_AFTER_MAX=-1)


def redirect_guard() -> RedirectGuardMiddleware:
    crawler = get_crawler(Spider)
    crawler.spider = Spider.from_crawler(crawler, name="test")
    return RedirectGuardMiddleware.from_crawler(crawler)


def redirect(request: Request, location: str) -> Response:
    return Response(request.url, status=302, headers={"Location": location}, request=request)


def test_a_redirect_back_to_a_url_on_the_chain_is_a_loop():
    mw = redirect_guard()
    start = Request(URL)
    hop = mw.process_response(start, redirect(start, URL + "?x=1"))
    assert isinstance(hop, Request) and hop.url == URL + "?x=1"
    with pytest.raises(RedirectLoop, match=r"redirect loop: .*10001.htm -> .*\?x=1 -> .*10001.htm$"):
        mw.process_response(hop, redirect(hop, URL))
    with pytest.raises(RedirectLoop):  # a page redirecting to itself
        mw.process_response(start, redirect(start, URL))
    assert mw.crawler.stats.get_value("archiver/redirect/loop") == 2


def test_redirects_are_not_dropped_as_duplicates():
    mw = redirect_guard()
    start = Request(URL)
    hop = mw.process_response(start, redirect(start, "http://gongxue.cn/info/1141/10002.htm"))
    assert isinstance(hop, Request) and hop.dont_filter
    assert hop.meta["redirect_urls"] == [URL]
