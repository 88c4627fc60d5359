"""Article pages read in worker processes (`archiver.page_workers`): the same item as reading
in-process, a page over `ARCHIVER_EXTRACT_TIMEOUT` kills its worker and the next pages are read
by fresh ones, a worker killed from outside costs its page one more try (two: `extract_crashed`),
and no worker outlives its crawl, even a SIGKILLed one."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from archiver.config import Source, parse_config
from archiver.page import ArticlePage, Unread, read_article_page
from archiver.page_workers import PageReaders
from conftest import FAST, HRBEU_YAML, clean_env, run_archiver
from logging_proxy import LoggingProxy
from test_crawl import article_page, list_page

# p ~ p ~ p is cubic in sibling paragraphs: 1,500 take ~1 s, 6,000 over a minute.
SLOW_BODY = "div.v_news_content, p ~ p ~ p span"
URL = "http://gongxue.cn/info/1/1.htm"


SLOW_SOURCES = HRBEU_YAML + f"    article:\n      body: '{SLOW_BODY}'\n"


def source() -> Source:
    return parse_config(SLOW_SOURCES, Path("sources.yaml")).select([])[0]


def slow_article(title: str, paragraphs: int) -> str:
    return article_page(title, '<div class="v_news_content">' + "<p>段</p>" * paragraphs + "</div>")


def page(paragraphs: int, url: str = URL) -> ArticlePage:
    body = slow_article("标题", paragraphs)
    read_as = source()
    return ArticlePage(body.encode(), "text/html; charset=utf-8", url, url, (), read_as.id,
                       read_as.preset, read_as.article)


def descendants(pid: int) -> set[int]:
    """Processes below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def marked(mark: str) -> set[int]:
    """Live processes whose environment holds `mark` (an orphan keeps it when reparented)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "environ").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def poll(condition: Callable[[], object], seconds: float = 30) -> object:
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return result


def workers() -> set[int]:
    """This test's page workers: its children running `archiver.page_worker`."""
    return {pid for pid in descendants(os.getpid()) if _is_worker(pid)}


def _is_worker(pid: int) -> bool:
    try:
        return b"archiver.page_worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_a_worker_reads_a_page_as_the_reactor_thread_would() -> None:
    async def main() -> None:
        readers = PageReaders(1, timeout=30)
        try:
            assert await readers.read(page(5)) == read_article_page(page(5))
        finally:
            readers.close()
        assert await PageReaders(0, timeout=30).read(page(5)) == read_article_page(page(5))
    asyncio.run(main())


def test_a_page_over_the_timeout_kills_its_worker_and_only_it() -> None:
    async def main() -> None:
        readers = PageReaders(2, timeout=1)
        try:
            await readers.read(page(5))
            first = workers()
            slow, fast = await asyncio.gather(readers.read(page(6000)), readers.read(page(5, URL + "?2")))
            assert slow == Unread("extract_timeout", "extraction took more than 1 s "
                                  "(ARCHIVER_EXTRACT_TIMEOUT); a selector too slow for this page?")
            assert not isinstance(fast, Unread)  # read by the other worker
            assert not isinstance(await readers.read(page(5)), Unread)
            assert poll(lambda: len(first - workers()) == 1)  # the stuck worker, and only it, is gone
        finally:
            readers.close()
    asyncio.run(main())


def test_a_worker_killed_from_outside_costs_its_page_one_more_try_and_two_fail_it() -> None:
    async def kill_worker(previous: set[int]) -> set[int]:
        while not (current := workers() - previous):
            await asyncio.sleep(0.02)
        for pid in current:
            os.kill(pid, signal.SIGKILL)
        return current

    async def main() -> None:
        readers = PageReaders(1, timeout=0)
        try:
            await readers.read(page(5))
            reading = asyncio.ensure_future(readers.read(page(1500)))
            await kill_worker(set())
            assert not isinstance(await reading, Unread)  # read again by the new worker
            reading = asyncio.ensure_future(readers.read(page(1500)))
            killed = await kill_worker(set())
            await kill_worker(killed)
            assert await reading == Unread("extract_crashed", "the worker reading this page died twice "
                                           "(a crash or out of memory in the parser?)")
            assert not isinstance(await readers.read(page(5)), Unread)
        finally:
            readers.close()
    asyncio.run(main())


@pytest.mark.slow
def test_after_a_timeout_later_articles_are_archived_and_no_process_outlives_the_crawl(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(SLOW_SOURCES, encoding="utf-8")
    mark = f"READER_TEST_{uuid.uuid4().hex}"
    with LoggingProxy() as site:
        site.add("http://gongxue.cn/xw.htm", list_page(*(f"info/1/{n}.htm" for n in range(1, 9))))
        site.add(URL, slow_article("慢", 6000))
        for n in range(2, 9):
            site.add(f"http://gongxue.cn/info/1/{n}.htm",
                     article_page(f"快{n}", '<div class="v_news_content"><p>正文。</p></div>'))
        result = run_archiver(["crawl", "--report", "r.json", "-s", "ARCHIVER_EXTRACT_TIMEOUT=0.5",
                               "-s", "ARCHIVER_EXTRACT_PROCESSES=2", *FAST],
                              cwd=tmp_path, proxy=site.url, timeout=60, READER_TEST_MARK=mark)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["sources"]["hrbeu"]
    assert report["articles"]["new"] == 7, result.stderr[-3000:]
    assert report["failed_articles_by_reason"] == {"extract_timeout": 1}
    assert poll(lambda: not marked(mark), seconds=10)


@pytest.mark.slow
def test_a_sigkilled_crawl_leaves_no_worker_behind(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(SLOW_SOURCES, encoding="utf-8")
    mark = f"READER_TEST_{uuid.uuid4().hex}"
    with LoggingProxy() as site:
        site.add("http://gongxue.cn/xw.htm", list_page("info/1/1.htm"))
        site.add(URL, slow_article("慢", 6000))
        env = clean_env(http_proxy=site.url, READER_TEST_MARK=mark)
        crawl = subprocess.Popen([sys.executable, "-m", "archiver", "crawl", "-s", "ARCHIVER_EXTRACT_TIMEOUT=0", *FAST],
                                 cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # Its worker, busy with the slow page (the request was served).
            poll(lambda: any(map(_is_worker, descendants(crawl.pid))) and URL in site.urls())
            crawl.send_signal(signal.SIGKILL)
            crawl.wait(timeout=10)
            assert poll(lambda: not marked(mark), seconds=20)
        finally:
            crawl.kill()
            for pid in marked(mark):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_a_worker_killed_mid_crawl_costs_no_article(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(SLOW_SOURCES, encoding="utf-8")
    with LoggingProxy() as site:
        site.add("http://gongxue.cn/xw.htm", list_page(*(f"info/1/{n}.htm" for n in range(1, 4))))
        for n in range(1, 4):  # about a second each
            site.add(f"http://gongxue.cn/info/1/{n}.htm",
                     slow_article(f"慢{n}", 1500))
        env = clean_env(http_proxy=site.url, ARCHIVER_NOW="2021-11-26 01:22:02")
        crawl = subprocess.Popen([sys.executable, "-m", "archiver", "crawl", "--report", "r.json", *FAST],
                                 cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            def worker() -> set[int]:  # the crawl's page worker, once an article was served
                return {p for p in descendants(crawl.pid) if _is_worker(p)} if URL in site.urls() else set()
            for pid in poll(worker):
                os.kill(pid, signal.SIGKILL)
            _, stderr = crawl.communicate(timeout=120)
        finally:
            crawl.kill()
    assert crawl.returncode == 0, stderr[-3000:]
    assert "The worker reading a page died (killed, or a crash): http://gongxue.cn/info/1/" in stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["sources"]["hrbeu"]
    assert report["articles"]["new"] == 3
    assert not report.get("failed_articles_by_reason")


def test_no_processes_reads_pages_on_the_reactor_thread(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    with LoggingProxy() as site:
        site.add("http://gongxue.cn/xw.htm", list_page("info/1/1.htm", "info/1/2.htm"))
        for n in (1, 2):
            site.add(f"http://gongxue.cn/info/1/{n}.htm",
                     article_page(f"文{n}", '<div class="v_news_content"><p>正文。</p></div>'))
        result = run_archiver(["crawl", "--report", "r.json", "-s", "ARCHIVER_EXTRACT_PROCESSES=0", *FAST],
                              cwd=tmp_path, proxy=site.url, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["sources"]["hrbeu"]
    assert report["articles"]["new"] == 2
