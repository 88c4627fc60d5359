"""Politeness across the cluster: one running task per host, whatever worker runs it.

Scrapy keeps one rate limit per host inside one crawl; across machines that is this lock. A
task takes `archiver:host:<name>` for every host of its source (SET NX with an expiry, value
the task id) before its crawl starts and renews it while the crawl runs; it cannot be taken by
a second source of the same host meanwhile. A worker that dies stops renewing and the lock
expires after its time to live, so it is never stale for longer than that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

# Renew or release only a lock we still own (another task may have taken it after expiry).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def source_hosts(start_urls: Iterable[str], allowed_domains: Iterable[str] = ()) -> list[str]:
    """The host names a source's crawl visits (sorted, so every task takes them in one order)."""
    hosts = {(urlsplit(url).hostname or "").lower() for url in start_urls} | {d.lower() for d in allowed_domains}
    return sorted(host for host in hosts if host)


def host_key(host: str) -> str:
    return f"archiver:host:{host}"


class HostLock:
    """The locks of `hosts`, owned by `owner` (a task id), kept alive by a renewal thread."""

    def __init__(self, client: Any, hosts: list[str], owner: str, ttl: float) -> None:
        self.client, self.hosts, self.owner = client, hosts, owner
        self.ttl_ms = max(1, int(ttl * 1000))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def holder(self) -> str | None:
        """Who holds the first of our hosts that is taken (None: all free)."""
        for host in self.hosts:
            value = self.client.get(host_key(host))
            if value is not None:
                return value.decode() if isinstance(value, bytes) else value
        return None

    def acquire(self) -> bool:
        """Take every host's lock, or none of them."""
        taken = []
        for host in self.hosts:
            if not self.client.set(host_key(host), self.owner, nx=True, px=self.ttl_ms):
                for key in taken:
                    self.client.eval(_RELEASE, 1, key, self.owner)
                return False
            taken.append(host_key(host))
        return True

    def keep_alive(self, on_lost: Callable[[], None]) -> None:
        """Renew every third of the time to live; call `on_lost` once a lock is someone else's
        or gone, or when no renewal has succeeded for a whole time to live (broker away)."""
        def renew() -> None:
            renewed = time.monotonic()
            while not self._stop.wait(self.ttl_ms / 3000):
                try:
                    if not all(self.client.eval(_RENEW, 1, host_key(h), self.owner, self.ttl_ms) for h in self.hosts):
                        break
                    renewed = time.monotonic()
                except Exception:  # noqa: BLE001 - broker unreachable for now: the lock holds until it expires
                    if time.monotonic() - renewed >= self.ttl_ms / 1000:
                        break
            else:
                return
            on_lost()

        self._thread = threading.Thread(target=renew, name="host-lock", daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for host in self.hosts:
            self.client.eval(_RELEASE, 1, host_key(host), self.owner)
