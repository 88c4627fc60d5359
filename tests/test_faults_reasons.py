"""Reason codes for failed requests (`archiver.failures`) and the refusal of pages that are not
the page asked for (`archiver.refusals`), without a crawl."""

from __future__ import annotations

import lxml.html
import pytest
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest, ResponseDataLossError
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.failures import failure_message, failure_reason
from archiver.middlewares import RedirectLoop
from archiver.refusals import looks_like_login, refuse_article, refuse_extraction, refuse_response

URL = "http://gongxue.cn/info/1141/10001.htm"


def failed(exception: Exception, url: str = URL, redirected_from: str | None = None) -> Failure:
    request = Request(url, meta={"redirect_urls": [redirected_from]} if redirected_from else {})
    failure = Failure(exception)
    failure.request = request  # type: ignore[attr-defined]  # as Scrapy hands it to an errback
    return failure


@pytest.mark.parametrize(
    ("exception", "reason"),
    [
        (DownloadTimeoutError("took longer than 3.0 seconds"), "timeout"),
        (ResponseDataLossError(), "truncated"),
        (DownloadCancelledError("larger than download max size"), "too_large"),
        (RedirectLoop("redirect loop: a -> b -> a"), "redirect_loop"),
        (IgnoreRequest("max redirections reached"), "too_many_redirects"),
        (ValueError("something else"), "ValueError"),
    ],
)
def test_download_errors_have_short_reasons(exception: Exception, reason: str):
    assert failure_reason(failed(exception)) == reason


def test_http_errors_and_login_redirects():
    response = HtmlResponse(URL, status=503, body=b"")
    assert failure_reason(failed(HttpError(response))) == "http_503"
    sso = "http://ids.hrbeu.edu.cn/authserver/login?service=x"
    offsite = failed(IgnoreRequest("Filtered offsite request to 'ids.hrbeu.edu.cn'"), sso, redirected_from=URL)
    assert failure_reason(offsite) == "login_redirect"
    assert failure_message(offsite, "login_redirect") == f"redirected to a login page: {sso}"
    elsewhere = failed(IgnoreRequest("Filtered offsite request to 'www.example.com'"),
                       "http://www.example.com/page.htm", redirected_from=URL)
    assert failure_reason(elsewhere) == "offsite_redirect"
    assert failure_message(failed(ResponseDataLossError()), "truncated") == \
        "the connection closed before the whole body arrived"


@pytest.mark.parametrize(
    ("url", "login"),
    [
        ("http://ids.hrbeu.edu.cn/authserver/login?service=x", True),
        ("http://cas.example.edu.cn/", True),
        ("http://gongxue.cn/system/login.jsp", True),
        ("http://gongxue.cn/_web/_login/index.htm", True),
        ("http://gongxue.cn/cas/login?service=x", True),
        ("http://gongxue.cn/info/1141/10001.htm", False),
        ("http://gongxue.cn/info/1141/cascade.htm", False),
        ("http://www.hrbeu.edu.cn/xw/blogin.htm", False),
    ],
)
def test_sign_on_urls(url: str, login: bool):
    assert looks_like_login(url) is login


def test_refusals():
    assert refuse_response(URL, [], b"  \n").reason == "empty_body"
    login = "http://gongxue.cn/authserver/login?service=x"
    assert refuse_response(login, [URL], b"<html>").reason == "login_redirect"
    assert refuse_response(login, [], b"<html>") is None  # asked for it: not a redirect
    form = b'<form><input type="PASSWORD" name="p"></form>'
    assert refuse_extraction(form, "no_body").reason == "login_page"
    assert refuse_extraction(form, "no_title") is None
    assert refuse_extraction(b"<p>no form</p>", "no_body") is None
    body = lxml.html.fragment_fromstring('<div><p>text</p><input type="Password"></div>')
    assert refuse_article(body).reason == "login_page"
    assert refuse_article(lxml.html.fragment_fromstring("<div><p>text</p></div>")) is None
