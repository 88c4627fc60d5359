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

from archiver.items import ArticleItem
from archiver.page import ArticlePage, Unread, read_article_page

logger = logging.getLogger(__name__)


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

    async def read(self, page: ArticlePage) -> ArticleItem | Unread:
        """The page read by a worker (see the module's docstring for timeouts and crashes)."""
        if self.processes == 0:
            return read_article_page(page)
        async with self._slots:
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
