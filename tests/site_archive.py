"""A two-source archive crawled from two replica sites, and `archiver site build` over it.

Each source is a replica VSB site on its own host, served by its own ReplicaServer (reached as an
HTTP proxy, so URLs stay real-looking), backfilled by the real CLI with `image_links: local`.
The second source turns on the front matter's `authorbox` and `sidebar`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from archiver.replica import ReplicaServer, ReplicaSite
from conftest import FAST, run_archiver

HOSTS = {"hrbeu": "gongxue.cn", "nefu": "news.nefu.edu.cn"}
SOURCES_YAML = """\
sources:
  hrbeu:
    name: 哈尔滨工程大学
    label: hrbeu.com.cn
    cms: vsb
    start_urls: [http://gongxue.cn/xw.htm]
    allowed_domains: [gongxue.cn]
    list: {items: div.list-right-tt.txt-elise > a, next_page: span.p_next a}
    image_links: local
  nefu:
    name: 东北林业大学
    label: news.nefu.edu.cn
    cms: vsb
    start_urls: [http://news.nefu.edu.cn/xw.htm]
    allowed_domains: [news.nefu.edu.cn]
    list: {items: div.list-right-tt.txt-elise > a, next_page: span.p_next a}
    image_links: local
    front_matter: {authorbox: true, sidebar: true}
"""


def replica_sites(articles: int) -> dict[str, ReplicaSite]:
    return {
        "hrbeu": ReplicaSite(articles=articles, seed=5, host=HOSTS["hrbeu"]),
        "nefu": ReplicaSite(articles=articles, seed=6, host=HOSTS["nefu"], column=2001, first_id=70001),
    }


def crawl(folder: Path, sites: dict[str, ReplicaSite], command: str = "backfill") -> None:
    """Crawl every source from its own replica server into `folder/output`."""
    (folder / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    for source, site in sites.items():
        with ReplicaServer(site) as server:
            result = run_archiver([command, source, *FAST], cwd=folder, proxy=server.url)
        assert result.returncode == 0, result.stderr[-3000:]


def build(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`archiver site build --to site` in `folder` (archive in `folder/output`)."""
    return run_archiver(["site", "build", "--to", "site", *extra], cwd=folder)
