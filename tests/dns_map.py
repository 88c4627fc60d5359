"""A Scrapy DNS resolver for tests: names under `.intranet.test` resolve to 127.0.0.1, as an
intranet name would to a private address; everything else as usual. Loaded by the crawl under
test with `-s TWISTED_DNS_RESOLVER=dns_map.MappedResolver`."""

from __future__ import annotations

from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

SUFFIX = ".intranet.test"


class MappedResolver(CachingThreadedResolver):
    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if name.endswith(SUFFIX):
            return defer.succeed("127.0.0.1")
        return super().getHostByName(name, timeout)
