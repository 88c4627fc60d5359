"""One polite rate per host: sources of one host share a download slot, robots.txt Crawl-delay
is a floor on it, and the User-Agent names the project and its contact."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from conftest import FAST, run_archiver
from logging_proxy import LoggingProxy
from test_crawl import article_page, list_page

TWO_SOURCES = """\
contact: https://archive.example.edu.cn/about
sources:
{sources}
"""
SOURCE = """\
  {id}:
    name: 工学
    label: gongxue.cn
    cms: vsb
    start_urls: [http://gongxue.cn/{id}.htm]
    list:
      items: div.list-right-tt.txt-elise > a
"""


def two_columns(site: LoggingProxy, robots: str) -> str:
    site.add("http://gongxue.cn/robots.txt", robots, Content_Type="text/plain")
    for column in ("xw", "tz"):
        hrefs = [f"info/{column}/{n}.htm" for n in range(3)]
        site.add(f"http://gongxue.cn/{column}.htm", list_page(*hrefs))
        for href in hrefs:
            site.add(f"http://gongxue.cn/{href}", article_page(f"{column}{href}", '<div class="v_news_content"><p>正文。</p></div>'))
    return TWO_SOURCES.format(sources="".join(SOURCE.format(id=c) for c in ("xw", "tz")))


@pytest.mark.slow
def test_two_sources_of_one_host_share_one_slot_and_honour_crawl_delay(tmp_path: Path) -> None:
    with LoggingProxy() as site:
        (tmp_path / "sources.yaml").write_text(two_columns(site, "User-agent: *\nCrawl-delay: 1\n"), encoding="utf-8")
        result = run_archiver(["crawl", "--recheck-days", "0"], cwd=tmp_path, proxy=site.url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(list((tmp_path / "output").glob("*/*.md"))) == 6
    times = [hit.at for hit in site.log]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(site.log) == 10  # robots.txt for each crawler, 2 list pages, 6 articles
    assert statistics.median(gaps) >= 1.0, gaps
    assert {hit.user_agent for hit in site.log} == {"archiver/0.1.0 (news archive crawler; +https://archive.example.edu.cn/about)"}


def test_crawl_delay_floor_comes_from_robots_txt() -> None:
    from scrapy.robotstxt import ProtegoRobotParser

    from archiver.politeness import HostSlot, crawl_delay

    parser = ProtegoRobotParser(b"User-agent: *\nCrawl-delay: 10\n", None)
    assert crawl_delay(parser, "archiver/0.1.0", cap=60) == 10.0
    assert crawl_delay(parser, "archiver/0.1.0", cap=4) == 4.0
    assert crawl_delay(ProtegoRobotParser(b"User-agent: *\nDisallow:\n", None), "x", cap=60) == 0.0
    slot = HostSlot(4, 0.25, 0.5, floor=1.0)
    assert all(slot.download_delay() >= 1.0 for _ in range(100))


def test_the_contact_on_the_command_line_wins_over_the_sources_file(tmp_path: Path) -> None:
    with LoggingProxy() as site:
        (tmp_path / "sources.yaml").write_text(two_columns(site, "User-agent: *\nDisallow:\n"), encoding="utf-8")
        result = run_archiver(["crawl", "xw", "--recheck-days", "0", "-s", "ARCHIVER_CONTACT=mailto:archive@example.edu.cn",
                               *FAST], cwd=tmp_path, proxy=site.url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {hit.user_agent for hit in site.log} == {"archiver/0.1.0 (news archive crawler; +mailto:archive@example.edu.cn)"}
