"""One safe way to turn a link found on a page into an absolute URL.

`urljoin` raises on some malformed links (`http://[oops/x.pdf`: an unterminated IPv6 host) and
accepts others that fail later (`http://host:99999/`, a space in the host); a `ValueError` from
one link used to escape and lose the whole article or list page. `resolve` never raises: a link
it cannot use is None, and a malformed one is logged with the page it was on, so it is skipped
visibly and everything else on the page goes on.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

logger = logging.getLogger(__name__)

WEB_SCHEMES = frozenset({"http", "https"})
# Images are fetched: web only. Attachments may also be FTP files (listed, not downloaded).
IMAGE_SCHEMES = WEB_SCHEMES
FILE_SCHEMES = frozenset({"http", "https", "ftp"})
# Links in an article's text: also mail and phone links, never javascript:, data: or file:.
LINK_SCHEMES = frozenset({"http", "https", "ftp", "mailto", "tel"})
# What browsers strip from a URL before parsing it (WHATWG URL: tab and newline anywhere, C0
# controls and space at either end).
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_BAD_HOST = re.compile(r"[\s<>\"'{}|\\^`]")


def resolve(base_url: str, raw: str | None, schemes: frozenset[str] = WEB_SCHEMES) -> str | None:
    """`raw` made absolute against `base_url` (the page, or its `<base href>`), or None when it is
    empty, of a scheme not in `schemes` (`javascript:`, `mailto:` …, any case),
    or malformed (then a warning names the link and the page)."""
    if not raw:
        return None
    link = _TAB_NEWLINE.sub("", raw).strip(_C0_AND_SPACE)
    if not link:
        return None
    try:
        url = urljoin(base_url, link)
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in ("http", "https"):
            _check_http(parts.netloc, parts.hostname, parts.port)
    except ValueError as exc:
        logger.warning("Skipped a malformed URL on %s: %r (%s)", base_url, raw, exc)
        return None
    return url if scheme in schemes else None


def absolute(base_url: str, raw: str | None, schemes: frozenset[str] = WEB_SCHEMES) -> str:
    """`resolve` for callers that keep "" for no link (images, links in the text, players)."""
    return resolve(base_url, raw, schemes) or ""


def link_target(base_url: str, raw: str | None, schemes: frozenset[str] = WEB_SCHEMES) -> str:
    """A link to follow or download: as `absolute`, except that an anchor on the same page
    (`#top`, `#`) is no link at all (lists, pagers, attachments, document viewers)."""
    raw = (raw or "").strip()
    if raw.startswith("#"):
        return ""
    return absolute(base_url, raw, schemes)


def _check_http(netloc: str, host: str | None, port: int | None) -> None:
    """Raise ValueError for an http(s) URL no download could use (`.port` itself raises for a
    port out of range)."""
    if not host:
        raise ValueError("no host")
    if _BAD_HOST.search(netloc):
        raise ValueError("invalid character in the host")
