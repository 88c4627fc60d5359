"""Article pages read in worker processes (`ARCHIVER_EXTRACT_PROCESSES`), not the reactor's
threads: parsing, extraction and normalisation hold the GIL, and in a thread they fought the
reactor for it (a 1,000-article backfill lost ~1.5 s to the hand-offs).

A process can also be stopped, a thread cannot: a page whose reading exceeds
`ARCHIVER_EXTRACT_TIMEOUT` fails as `extract_timeout`, its pool is killed and a fresh one started
on the next page. A pool that breaks (a worker killed: timeout, segfault, OOM) fails every page
in it with `BrokenProcessPool`; each is read again once in the new pool, and a page that breaks
a pool twice fails as `extract_crashed` while the crawl goes on.

No more pages are in flight than there are workers, so a page's timeout runs from when a worker
takes it, not from when it joined a queue. The workers come from a forkserver (the crawler has
threads; fork would copy their locks) and die with the crawl, even a SIGKILLed one: each
watches its parent's pipe (`_die_with_parent`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait

from scrapy import Request
from scrapy.crawler import Crawler

from archiver.items import ArticleItem
from archiver.page import ArticlePage, Unread, read_article_page

logger = logging.getLogger(__name__)
# Article pages downloaded ahead of the workers, per worker (`PageBacklogMiddleware`).
WAITING_PER_PROCESS = 8


class PageReaders:
    """`processes` workers reading article pages; 0 reads them on the calling (reactor) thread,
    where no timeout can stop a runaway page."""

    def __init__(self, processes: int, timeout: float) -> None:
        if processes < 0:
            raise ValueError(f"ARCHIVER_EXTRACT_PROCESSES must be 0 or more, not {processes}")
        self.processes = processes
        self.timeout = timeout
        self._pool: ProcessPoolExecutor | None = None
        self._ready: asyncio.Future[list[int]]
        self._slots = asyncio.Semaphore(max(processes, 1))
        self._reading = 0  # pages handed to `read` and not read yet
        self._room = asyncio.Event()
        self._room.set()

    async def read(self, page: ArticlePage) -> ArticleItem | Unread:
        """The page read by a worker (see the module's docstring for timeouts and crashes)."""
        if self.processes == 0:
            return read_article_page(page)
        self._reading += 1
        self._update_room()
        try:
            async with self._slots:
                return await self._read_in_pool(page)
        finally:
            self._reading -= 1
            self._update_room()

    async def room(self) -> None:
        """Returns once fewer than `WAITING_PER_PROCESS` pages per worker wait to be read."""
        await self._room.wait()

    async def _read_in_pool(self, page: ArticlePage) -> ArticleItem | Unread:
        for _ in range(2):
            pool, ready = self._started()
            try:
                await asyncio.shield(ready)
                work = asyncio.wrap_future(pool.submit(read_article_page, page))
                return await asyncio.wait_for(work, self.timeout if self.timeout > 0 else None)
            except TimeoutError:
                self._kill(pool)
                return Unread("extract_timeout", f"extraction took more than {self.timeout:g} s "
                              "(ARCHIVER_EXTRACT_TIMEOUT); a selector too slow for this page?")
            except BrokenProcessPool:
                self._kill(pool)
                logger.warning("The worker reading a page died (killed, or a crash): %s", page.url)
        return Unread("extract_crashed", "the worker reading this page died twice "
                      "(a crash or out of memory in the parser?)")

    def _update_room(self) -> None:
        if self._reading < WAITING_PER_PROCESS * self.processes:
            self._room.set()
        else:
            self._room.clear()

    def close(self) -> None:
        """Stop the workers (at the end of the crawl: none is busy then, or it is stuck)."""
        if self._pool is not None:
            self._kill(self._pool)

    def _started(self) -> tuple[ProcessPoolExecutor, asyncio.Future[list[int]]]:
        """The pool, and what fires once its workers all run: starting them (the forkserver,
        its imports) does not count against the first pages' timeout."""
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["archiver.page"])  # each worker forks with it imported
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context, initializer=_die_with_parent)
            # One task per worker while none is idle starts them all.
            self._ready = asyncio.gather(*(asyncio.wrap_future(self._pool.submit(os.getpid))
                                           for _ in range(self.processes)))
        return self._pool, self._ready

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        """Kill `pool`'s workers, so its other pages fail with BrokenProcessPool and are read
        again by the next pool; a pool already replaced is left alone."""
        if pool is not self._pool:
            return
        self._pool = None
        # The executor has no public way to kill its workers before Python 3.14.
        for process in list((pool._processes or {}).values()):  # type: ignore[attr-defined]
            process.kill()
        pool.shutdown(wait=False)


class PageBacklogMiddleware:
    """Holds an article request back while `WAITING_PER_PROCESS` pages per worker wait to be read.

    The reactor downloads faster than one worker reads: without this, pages pile up to Scrapy's
    `SCRAPER_SLOT_MAX_ACTIVE_SIZE` (5 MB: hundreds of pages), all fetched again after a crash.
    A request held here counts as downloading, so Scrapy sends no more than its
    `CONCURRENT_REQUESTS`; media downloads do not pass through the spider and are not held.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageBacklogMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: object = None) -> None:
        crawling = self.crawler.spider
        readers = getattr(crawling, "readers", None)
        if isinstance(readers, PageReaders) and request.callback == getattr(crawling, "parse_article", None):
            await readers.room()


def _die_with_parent() -> None:
    """End this worker when the crawl process does: a forkserver worker's parent sentinel is
    the crawl's pipe to the forkserver, at EOF once the crawl is gone (even SIGKILLed)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
