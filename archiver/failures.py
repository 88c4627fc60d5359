"""Why a request failed, as a short reason code: the key of the `archiver/articles/failed/<reason>`
and `archiver/list_pages_failed/<reason>` stats, of the catalog's `failures` rows and of the run
report. Codes: `http_<status>`, `timeout`, `truncated`, `too_large`, `redirect_loop`,
`too_many_redirects`, `login_redirect`, `offsite_redirect`, `scheme`, `internal_address`,
`internal_resolved` (`archiver.url_guard`), `connection_lost`,
`connection_refused`, `dns_error`, `not_in_warc`; anything else is the exception's class name.
(Pages that arrive but are refused, `empty_body`, `login_page`, and extraction failures, `no_body`,
`too_deep` …, get their codes from `archiver.refusals` and `archiver.extract`; a page whose reading
took too long or killed its worker twice, `extract_timeout`, `extract_crashed`, from
`archiver.page_workers`.)
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from archiver.refusals import looks_like_login
from archiver.warc.errors import NotInWarc


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL this request already went through (`archiver.middlewares`)."""


class UrlRefused(IgnoreRequest):
    """A request the URL policy does not allow (`archiver.url_guard`); `reason` is its code
    (`scheme`, `internal_address`, `internal_resolved`, `offsite_redirect`)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# Download errors by what happened, for stats keys and reports (the rest: the exception's name).
_DOWNLOAD_ERRORS: tuple[tuple[type[BaseException], str], ...] = (
    (DownloadTimeoutError, "timeout"),
    (TwistedTimeoutError, "timeout"),
    (ResponseDataLossError, "truncated"),
    (DownloadCancelledError, "too_large"),  # DOWNLOAD_MAXSIZE: the only cancelling we do
    (CancelledError, "too_large"),
    (RedirectLoop, "redirect_loop"),
    (DownloadConnectionRefusedError, "connection_refused"),
    (CannotResolveHostError, "dns_error"),
    (DownloadFailedError, "connection_lost"),
    (ConnectionLost, "connection_lost"),
    (ConnectionDone, "connection_lost"),
    (NotInWarc, "not_in_warc"),  # a replay (`archiver rebuild`) never fetches what it lacks
)


# Messages for failures whose exception says nothing readable.
_FAILURE_MESSAGES = {
    "truncated": "the connection closed before the whole body arrived",
    "connection_lost": "the server closed or reset the connection without a complete answer",
}


def failure_message(failure: Failure, reason: str) -> str:
    if reason == "login_redirect":
        return f"redirected to a login page: {failure.request.url}"  # type: ignore[attr-defined]
    return _FAILURE_MESSAGES.get(reason) or failure.getErrorMessage()


def failure_reason(failure: Failure) -> str:
    """A short stats-friendly reason: `http_404`, `timeout`, `login_redirect` …, or the
    exception's class name."""
    request = getattr(failure, "request", None)  # set on spider errbacks, not on media downloads
    redirected = bool(request is not None and request.meta.get("redirect_urls"))
    if redirected and looks_like_login(request.url):
        return "login_redirect"  # off the site (offsite), or a sign-on page answering 401/403
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(UrlRefused):
        return failure.value.reason  # scheme, internal_address, offsite_redirect …
    for kind, reason in _DOWNLOAD_ERRORS:
        if failure.check(kind):
            return reason
    if failure.check(IgnoreRequest):
        message = failure.getErrorMessage()
        if "max redirections" in message:
            return "too_many_redirects"
        if "offsite" in message:
            return "offsite_redirect" if redirected else "offsite"
    return type(failure.value).__name__
