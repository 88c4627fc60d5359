"""`UrlPolicyMiddleware`: holds every request the crawler makes to `archiver.url_policy`.

A downloader middleware sees every request: list pages and articles from the spider, images,
attachments and videos from the media pipeline, robots.txt from Scrapy's robots middleware, and
each redirect hop (RedirectMiddleware hands a redirect back to the engine, which sends it
through the downloader middlewares again). It sits after HttpProxyMiddleware (750), so it knows
whether this request goes through a proxy:

- always: the scheme and the literal host (`url_policy.url_refusal`);
- without a proxy: the address the host name resolves to, through the reactor's resolver, which
  is the caching resolver the download itself then uses (so a name cannot resolve to a public
  address for the check and to an internal one for the connection). Through a proxy the proxy
  resolves, and only the literal check applies.

A refused request fails with `UrlRefused` (an IgnoreRequest: not retried, the article's errback
records it with the reason) and is counted as `archiver/refused/<reason>`.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from archiver.failures import UrlRefused
from archiver.url_policy import Network, address_refusal, host_address, parse_networks, url_refusal

logger = logging.getLogger(__name__)
STATS_PREFIX = "archiver/refused/"


class UrlPolicyMiddleware:
    """Refuses requests to other schemes than http(s) and to internal addresses.

    Setting: `ARCHIVER_ALLOWED_NETWORKS` (list of CIDR networks, default none): internal networks an
    intranet deployment may crawl.
    """

    def __init__(self, crawler: Crawler, allowed: tuple[Network, ...]) -> None:
        self.crawler = crawler
        self.allowed = allowed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UrlPolicyMiddleware:
        return cls(crawler, parse_networks(crawler.settings.getlist("ARCHIVER_ALLOWED_NETWORKS")))

    async def process_request(self, request: Request, spider: object = None) -> None:
        refusal = url_refusal(request.url, self.allowed)
        if refusal is None and not request.meta.get("proxy"):
            refusal = await self._resolved_refusal(request)
        if refusal is not None:
            self._refuse(request, *refusal)

    async def _resolved_refusal(self, request: Request) -> tuple[str, str] | None:
        host = urlparse_cached(request).hostname or ""
        if host_address(host) is not None:
            return None  # a literal address: already checked
        from twisted.internet import reactor

        try:
            resolved = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
        except DNSLookupError:
            return None  # the download fails with dns_error, as before
        address = host_address(resolved)
        if address is not None and address_refusal(address, self.allowed):
            return "internal_resolved", f"{host} resolves to an internal address ({address})"
        return None

    def _refuse(self, request: Request, reason: str, message: str) -> None:
        if not request.meta.get("dont_obey_robotstxt"):  # robots.txt: its page is refused too
            self.crawler.stats.inc_value(f"{STATS_PREFIX}{reason}")
            logger.warning("Refused (%s): %s: %s", reason, request.url, message)
        raise UrlRefused(reason, message)
