"""One polite rate per host, however many sources of that host a run crawls.

`archiver crawl` runs one Scrapy crawler per source in one process, and each crawler's downloader
keeps its own download slots: three columns of one university site got three slots, three
times the rate (measured 9.5 requests/s). `SharedSlotsDownloader` (Scrapy's `DOWNLOADER`
setting) keeps its slots in a `HostSlots` registry that every crawler of the run shares, so all
requests to a host wait in one queue, under one concurrency limit and one delay, which
AutoThrottle adjusts from every crawler's responses.

A robots.txt `Crawl-delay` is a floor under that delay (`HostSlot.download_delay`), whatever
AutoThrottle or the jitter would make of it, up to `ARCHIVER_CRAWL_DELAY_MAX` seconds (a site
asking for more gets that much).

The queue of a shared slot holds requests of several crawlers; each is handed back to the
downloader that queued it (its download handlers and signals), whichever crawler's turn it is.
`_process_queue` mirrors Scrapy 2.19's `Downloader._process_queue` with that one change.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

from scrapy import Request, signals
from scrapy.core.downloader import Downloader, Slot, _slot_jitter
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

from archiver import settings as defaults

SETTING = "ARCHIVER_HOST_SLOTS"


class HostSlot(Slot):
    """A download slot whose delay never goes below `floor` (the host's robots.txt Crawl-delay)."""

    def __init__(self, concurrency: int, delay: float, jitter: float, floor: float = 0.0) -> None:
        super().__init__(concurrency, delay, jitter)
        self.floor = floor

    def download_delay(self) -> float:
        return max(self.floor, super().download_delay())


class HostSlots:
    """The slots of every crawler in one run, by host, and each host's Crawl-delay floor.

    Handed to the crawlers through the `ARCHIVER_HOST_SLOTS` setting: Scrapy deep-copies settings
    for each crawler, and this object copies as itself, so all of them share it.
    """

    def __init__(self) -> None:
        self.slots: dict[str, Slot] = {}
        self.floors: dict[str, float] = {}
        self.owners: dict[Request, SharedSlotsDownloader] = {}
        self.open_downloaders = 0

    def __deepcopy__(self, memo: dict[int, Any]) -> HostSlots:
        return self

    def __repr__(self) -> str:
        return f"<HostSlots hosts={sorted(self.slots)} floors={self.floors}>"

    def set_floor(self, host: str, seconds: float) -> None:
        self.floors[host] = seconds
        slot = self.slots.get(host)
        if isinstance(slot, HostSlot):
            slot.floor = seconds


def crawl_delay(parser: RobotParser, user_agent: str, cap: float) -> float:
    """The Crawl-delay robots.txt asks of `user_agent` (0 when none), at most `cap` seconds."""
    asked = getattr(parser, "crawl_delay", None)
    delay = asked(user_agent) if asked is not None else None
    return min(float(delay), cap) if delay and delay > 0 else 0.0


class SharedSlotsDownloader(Downloader):
    """Scrapy's downloader with its slots in the run's `HostSlots` (its own when run alone).

    Settings: `ARCHIVER_CRAWL_DELAY_MAX` (longest robots.txt Crawl-delay honoured, seconds, default
    60). Stats: `archiver/robots/crawl_delay` (the largest floor applied).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.host_slots: HostSlots = crawler.settings.get(SETTING) or HostSlots()
        self.slots = self.host_slots.slots
        self.host_slots.open_downloaders += 1
        self.crawl_delay_max = crawler.settings.getfloat("ARCHIVER_CRAWL_DELAY_MAX", defaults.ARCHIVER_CRAWL_DELAY_MAX)
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT") or "*"
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    def _robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = crawl_delay(robotparser, self.user_agent, self.crawl_delay_max)
        if delay:
            self.host_slots.set_floor(self.get_slot_key(request), delay)
            stats = self.crawler.stats
            stats.max_value("archiver/robots/crawl_delay", delay)

    def _get_slot(self, request: Request, spider: Any = None) -> tuple[str, Slot]:
        key = self.get_slot_key(request)
        if key not in self.slots:
            slot_settings = self.per_slot_settings.get(key, {})
            concurrency = slot_settings.get("concurrency", self.ip_concurrency or self.domain_concurrency)
            delay = slot_settings.get("delay", self._delay)
            jitter = _slot_jitter(slot_settings, self._jitter)
            self.slots[key] = HostSlot(concurrency, delay, jitter, self.host_slots.floors.get(key, 0.0))
            self._start_slot_gc()
        return key, self.slots[key]

    async def _enqueue_request(self, request: Request) -> Response:
        self.host_slots.owners[request] = self
        return await super()._enqueue_request(request)

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            owner = self.host_slots.owners.pop(request, self)
            _schedule_coro(owner._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break

    def close(self) -> None:
        """Close the shared slots only with the run's last downloader: another crawler may still
        be waiting on one (its queue and its pending delayed call)."""
        self.host_slots.open_downloaders -= 1
        if self.host_slots.open_downloaders > 0:
            self._stop_slot_gc()
            return
        super().close()

