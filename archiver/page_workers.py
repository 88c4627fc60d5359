"""Article pages read in worker processes (`ARCHIVER_EXTRACT_PROCESSES`), not the reactor's
threads: parsing, extraction and normalisation hold the GIL, and in a thread they fought the
reactor for it (a 1,000-article backfill lost ~1.5 s to the hand-offs).

Each worker is a `python -m archiver.page_worker` child talking over its stdin and stdout
(length-prefixed pickles of `ArticlePage` in, `ArticleItem` or `Unread` out), read and written by
the crawl's own event loop: no thread of ours sits between the reactor and a worker (a process
pool's feeder and manager threads cost the reactor the same GIL hand-offs as before). Pages are
pipelined, up to `WAITING_PER_PROCESS` per worker, and read in order.

A process can also be stopped, a thread cannot: a page whose reading exceeds
`ARCHIVER_EXTRACT_TIMEOUT` (counted from when its worker starts on it) fails as `extract_timeout`,
the worker is killed and a fresh one reads the pages that waited behind it. A worker that dies
(killed, segfault, out of memory) costs the page it was reading one more try; a page that a
worker dies on twice fails as `extract_crashed`, and the crawl goes on. A worker ends when its
stdin closes, and the kernel kills it when the crawl dies (`archiver.parent_death`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import sys
from collections import deque
from dataclasses import dataclass, field

from scrapy import Request
from scrapy.crawler import Crawler

from archiver.items import ArticleItem
from archiver.page import ArticlePage, Unread, read_article_page
from archiver.page_worker import HEADER, encode

logger = logging.getLogger(__name__)
# Article pages handed to the workers and not read yet, per worker (`PageBacklogMiddleware`).
WAITING_PER_PROCESS = 8
TIMED_OUT = "extract_timeout"
CRASHED = "extract_crashed"


@dataclass
class _Job:
    page: ArticlePage
    done: asyncio.Future[ArticleItem | Unread]
    tries: int = 0
    timer: asyncio.TimerHandle | None = None  # its timeout, cancelled once read (it holds the page)


@dataclass
class _Worker:
    process: asyncio.subprocess.Process
    queue: deque[_Job] = field(default_factory=deque)
    reader: asyncio.Task[None] | None = None  # referenced here, or the loop could drop the task
    alive: bool = True


class PageReaders:
    """`processes` workers reading article pages; 0 reads them on the calling (reactor) thread,
    where no timeout can stop a runaway page."""

    def __init__(self, processes: int, timeout: float) -> None:
        if processes < 0:
            raise ValueError(f"ARCHIVER_EXTRACT_PROCESSES must be 0 or more, not {processes}")
        self.processes = processes
        self.timeout = timeout
        self._workers: list[_Worker] = []
        self._starting = asyncio.Lock()
        self._reading = 0
        self._room = asyncio.Event()
        self._room.set()
        self._closed = False

    async def read(self, page: ArticlePage) -> ArticleItem | Unread:
        """The page read by a worker (see the module's docstring for timeouts and crashes)."""
        if self.processes == 0:
            return read_article_page(page)
        job = _Job(page, asyncio.get_running_loop().create_future())
        self._reading += 1
        self._update_room()
        try:
            await self._send(job)
            return await job.done
        finally:
            self._reading -= 1
            self._update_room()

    async def room(self) -> None:
        """Returns once fewer than `WAITING_PER_PROCESS` pages per worker wait to be read."""
        await self._room.wait()

    def _update_room(self) -> None:
        if self._reading < WAITING_PER_PROCESS * max(self.processes, 1):
            self._room.set()
        else:
            self._room.clear()

    # -- workers

    async def _send(self, job: _Job) -> None:
        """Hand the job to the least busy worker (started when missing)."""
        worker = min(await self._running(), key=lambda w: len(w.queue))
        worker.queue.append(job)
        assert worker.process.stdin is not None
        worker.process.stdin.write(encode(job.page))
        if len(worker.queue) == 1:
            self._watch(worker)

    async def _running(self) -> list[_Worker]:
        async with self._starting:
            self._workers = [w for w in self._workers if w.alive]
            while len(self._workers) < self.processes:
                self._workers.append(await self._start())
        return self._workers

    async def _start(self) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "archiver.page_worker", str(os.getpid()),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        worker = _Worker(process)
        with contextlib.suppress(asyncio.IncompleteReadError):  # died at once: `_results` sees it
            await _receive(process)  # READY: its imports are done, pages' timeouts count from here
        worker.reader = asyncio.ensure_future(self._results(worker))
        return worker

    async def _results(self, worker: _Worker) -> None:
        """Read the worker's answers, in the order of its pages, until it ends."""
        try:
            while True:
                result = await _receive(worker.process)
                job = worker.queue.popleft()
                if job.timer is not None:
                    job.timer.cancel()
                if not job.done.done():
                    job.done.set_result(result)
                if worker.queue:
                    self._watch(worker)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the worker ended: killed, crashed, or closed with the crawl
        finally:
            await self._ended(worker)

    def _watch(self, worker: _Worker) -> None:
        """Start the timeout of the page the worker reads now (the head of its queue)."""
        if self.timeout <= 0:
            return
        head = worker.queue[0]
        head.timer = asyncio.get_running_loop().call_later(self.timeout, self._check_timeout, worker, head)

    def _check_timeout(self, worker: _Worker, job: _Job) -> None:
        if worker.alive and worker.queue and worker.queue[0] is job:
            job.done.set_result(Unread(TIMED_OUT, f"extraction took more than {self.timeout:g} s "
                                       "(ARCHIVER_EXTRACT_TIMEOUT); a selector too slow for this page?"))
            self._kill(worker)  # `_ended` then sends the pages behind it to a fresh worker

    async def _ended(self, worker: _Worker) -> None:
        """A worker is gone: its current page gets another try (or fails), the rest go on."""
        worker.alive = False
        jobs, worker.queue = list(worker.queue), deque()
        for job in jobs:
            if job.timer is not None:
                job.timer.cancel()
        with contextlib.suppress(ProcessLookupError):
            await worker.process.wait()
        if self._closed:
            for job in jobs:
                if not job.done.done():
                    job.done.cancel()
            return
        for index, job in enumerate(jobs):
            if job.done.done():
                continue
            if index == 0:
                job.tries += 1
                logger.warning("The worker reading a page died (killed, or a crash): %s", job.page.url)
                if job.tries >= 2:
                    job.done.set_result(Unread(CRASHED, "the worker reading this page died twice "
                                               "(a crash or out of memory in the parser?)"))
                    continue
            await self._send(job)

    def _kill(self, worker: _Worker) -> None:
        worker.alive = False
        with contextlib.suppress(ProcessLookupError):
            worker.process.kill()

    def close(self) -> None:
        """Stop the workers (at the end of the crawl: none is busy then, or it is stuck)."""
        self._closed = True
        for worker in self._workers:
            if worker.process.stdin is not None:
                worker.process.stdin.close()  # it ends at end of input
            if worker.queue:
                self._kill(worker)  # stuck on a page
        self._workers = []


async def _receive(process: asyncio.subprocess.Process) -> object:
    """The worker's next message (`archiver.page_worker.encode`)."""
    assert process.stdout is not None
    size = int.from_bytes(await process.stdout.readexactly(HEADER), "big")
    return pickle.loads(await process.stdout.readexactly(size))


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
