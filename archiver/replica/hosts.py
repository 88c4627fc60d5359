"""Several replica sites behind one server, chosen by the request's host, as one proxy serves
many real hosts. The cluster tests and benchmark crawl many sources through one `http_proxy`.

A host may carry a port (`gongxue.cn:8081`): Scrapy's per-host slot and the cluster's host
lock key on the host name alone, so two sites on one name and two ports are "two sources on
the same host" for politeness while their pages stay apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from archiver.replica.site import Response


class _Site(Protocol):
    host: str

    def render(self, target: str, /) -> Response: ...


def normal_host(host: str) -> str:
    """Lower case without the default ports, so ``GongXue.cn:80`` and ``gongxue.cn`` compare equal."""
    return host.strip().lower().removesuffix(":80").removesuffix(":443")


class HostSites:
    """`sites` by host; `render` (no host known) answers as the first one."""

    def __init__(self, sites: Iterable[_Site]) -> None:
        self.sites = {normal_host(site.host): site for site in sites}
        if not self.sites:
            raise ValueError("HostSites needs at least one site")
        self.host = next(iter(self.sites.values())).host

    @property
    def hosts(self) -> list[str]:
        return [site.host for site in self.sites.values()]

    def site_for(self, host: str) -> _Site | None:
        return self.sites.get(normal_host(host))

    def render(self, target: str, /) -> Response:
        return self.sites[normal_host(self.host)].render(target)
