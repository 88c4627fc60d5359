"""Responses that are not the page asked for, although the server said 200: an empty body, or a
login page in place of an article (the page became intranet-only, or single sign-on caught the
crawler). Writing either as an article would replace the archive's copy with junk, so the spider
records them as failures, to be retried by the next run.

How a login page is recognised (pure functions, no I/O):

- the request was redirected and the final URL looks like a sign-on page (`looks_like_login`:
  a host such as `ids.`/`cas.`/`sso.`/`authserver.`, or a path such as `/login.jsp`,
  `/authserver/login`, `/cas/login`, `/_web/_login`);
- or the page has a password field (`<input type=password>`) and either no article body could be
  found on it or the "body" found contains the password field. A password field elsewhere on
  an article page (a sidebar's log-in box, common on CMS templates) does not make it a login page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.html import HtmlElement

_LOGIN_HOST_LABELS = frozenset({"ids", "cas", "sso", "login", "passport", "auth", "authserver", "uis", "idp"})
_LOGIN_PATH = re.compile(
    r"(?:^|[/_.-])(?:login|logon|signin|sign-in|sso|cas|authserver|passport|oauth2?)(?:$|[/_.-])",
    re.IGNORECASE,
)
_PASSWORD_FIELD = re.compile(rb"""<input\b[^>]*\btype\s*=\s*["']?password\b""", re.IGNORECASE)
_PASSWORD_XPATH = ".//input[translate(@type, 'PASSWORD', 'password') = 'password']"


@dataclass(frozen=True)
class Refusal:
    """Why a response is not the page asked for; `reason` doubles as a stats key."""

    reason: str
    message: str


def looks_like_login(url: str) -> bool:
    """Whether `url` is a sign-on page by its host or path."""
    parts = urlsplit(url)
    labels = (parts.hostname or "").split(".")
    return any(label in _LOGIN_HOST_LABELS for label in labels[:-2]) or bool(_LOGIN_PATH.search(parts.path))


def refuse_response(url: str, redirected_from: Sequence[str], body: bytes) -> Refusal | None:
    """A refusal that needs no parsing: an empty body, or a redirect that ended on a login page."""
    if not body.strip():
        return Refusal("empty_body", "the server answered 200 with an empty page")
    if redirected_from and looks_like_login(url):
        return Refusal("login_redirect", f"redirected to a login page: {url}")
    return None


def refuse_extraction(page: bytes, reason: str) -> Refusal | None:
    """A page extraction found no body on, that has a password field: a login page."""
    if reason == "no_body" and _PASSWORD_FIELD.search(page):
        return Refusal("login_page", "a login form, not an article: no article body, and a password field")
    return None


def refuse_article(body: HtmlElement) -> Refusal | None:
    """An extracted article whose body holds a password field: a login form read as an article."""
    if body.xpath(_PASSWORD_XPATH):
        return Refusal("login_page", "a login form, not an article: the body holds a password field")
    return None
