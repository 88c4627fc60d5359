"""Progress of a long crawl: a one-line bar on a terminal, periodic log lines under cron.

A Scrapy extension reading the spider's own stats; totals come from the first list page's pager
(`archiver/list_pages_total`, `archiver/articles_listed_total`).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archiver import settings as defaults

logger = logging.getLogger(__name__)
MODES = ("auto", "bar", "log", "off")
DONE_KEYS = ("new", "updated", "unchanged", "failed", "known", "out_of_range")


class Progress:
    """`ARCHIVER_PROGRESS`: `auto` (bar on a terminal, else log lines), `bar`, `log` or `off`;
    `ARCHIVER_PROGRESS_INTERVAL`: seconds between log lines (the bar redraws twice a second)."""

    def __init__(self, crawler: Crawler, mode: str, interval: float, stream: TextIO) -> None:
        self.crawler = crawler
        self.bar = mode == "bar" or (mode == "auto" and stream.isatty())
        self.interval = 0.5 if self.bar else interval
        self.stream = stream
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        mode = crawler.settings.get("ARCHIVER_PROGRESS", defaults.ARCHIVER_PROGRESS)
        if mode not in MODES:
            raise NotConfigured(f"ARCHIVER_PROGRESS must be one of {', '.join(MODES)}, not {mode!r}")
        if mode == "off":
            raise NotConfigured("ARCHIVER_PROGRESS is off")
        interval = crawler.settings.getfloat("ARCHIVER_PROGRESS_INTERVAL", defaults.ARCHIVER_PROGRESS_INTERVAL)
        extension = cls(crawler, mode, interval, sys.stderr)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider: object) -> None:
        self.started = time.monotonic()
        if self.bar:
            for handler in self._stream_handlers():
                handler.addFilter(self._clear_line)
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def closed(self, spider: object, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.bar:
            for handler in self._stream_handlers():
                handler.removeFilter(self._clear_line)
            self.tick()
            self.stream.write("\n")
            self.stream.flush()

    def _stream_handlers(self) -> list[logging.Handler]:
        """The root logger's handlers that write to the bar's stream."""
        return [h for h in logging.getLogger().handlers
                if getattr(h, "stream", None) is self.stream]

    def _clear_line(self, record: logging.LogRecord) -> bool:
        """A log line takes the bar's line (the next tick redraws the bar under it), so the two
        are never glued together. A logging filter, called only for records that are shown."""
        self.stream.write("\r\x1b[K")
        return True

    def tick(self) -> None:
        line = progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started)
        if self.bar:
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
        else:
            logger.info("Progress: %s", line)


def progress_line(stats: dict, elapsed: float) -> str:
    """`list pages 12/150, articles 230/3000, 8.1/s, ETA 5m12s` from the crawl's stats."""
    pages = int(stats.get("archiver/list_pages", 0))
    pages_total = stats.get("archiver/list_pages_total")
    done = sum(int(stats.get(f"archiver/articles/{k}", 0)) for k in DONE_KEYS)
    total = stats.get("archiver/articles_listed_total")
    rate = done / elapsed if elapsed > 0 else 0.0
    parts = [f"list pages {pages}" + (f"/{pages_total}" if pages_total else "")]
    parts.append(f"articles {done}" + (f"/{total}" if total else ""))
    parts.append(f"{rate:.1f}/s")
    if total and rate > 0 and done < total:
        remaining = int((total - done) / rate)
        parts.append(f"ETA {remaining // 60}m{remaining % 60:02d}s")
    return ", ".join(parts)
