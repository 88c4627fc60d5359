"""Four replica sources for the cluster tests and benchmark, served behind one proxy.

`alpha` and `beta` are on the same host name (`gongxue.cn`, ports 80 and 8081): for Scrapy's
per-host slot and for the cluster's host lock they are one host, while their pages stay apart.
"""

from __future__ import annotations

from archiver.replica import HostSites, ReplicaSite

# id: (host, articles, seed, column, first article id)
SOURCES = {
    "alpha": ("gongxue.cn", 400, 11, 1141, 10001),
    "beta": ("gongxue.cn:8081", 350, 12, 1142, 30001),
    "gamma": ("news.nefu.edu.cn", 400, 13, 2001, 50001),
    "delta": ("today.hit.edu.cn", 350, 14, 3001, 70001),
}
SAME_HOST = ("alpha", "beta")


def sites(sources: dict[str, tuple[str, int, int, int, int]] = SOURCES) -> HostSites:
    return HostSites(ReplicaSite(articles=n, seed=seed, host=host, column=column, first_id=first)
                     for host, n, seed, column, first in sources.values())


def sources_yaml(sources: dict[str, tuple[str, int, int, int, int]] = SOURCES) -> str:
    entries = "".join(
        f"  {source}:\n    name: 大学{index}\n    label: {host.split(':')[0]}\n    cms: vsb\n"
        f"    start_urls: [http://{host}/xw.htm]\n"
        for index, (source, (host, *_)) in enumerate(sources.items())
    )
    return "sources:\n" + entries
