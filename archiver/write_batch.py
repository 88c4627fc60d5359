"""`WriteBatch`: a crawl's files and catalog rows, made durable together every few dozen articles.

Writing, fsyncing and recording each article and each image on its own cost a backfill about a
third of its time: a thread hand-off, an fsync and a SQLite transaction apiece (README,
Performance). So the pipelines stage files instead (written under temporary names at once, on
the reactor thread: a few system calls) and hand over the article's catalog row; every
`ARCHIVER_WRITE_BATCH` articles (the first batches are smaller: 1, 2, 4 ... so the first articles
of a run are on record at once), `ARCHIVER_WRITE_BATCH_SECONDS` after the first one waiting, and
when the crawl closes, one trip to a worker thread makes the staged data durable (one `syncfs`
per file system on Linux, `archiver.storage.sync_data`), the files are renamed to their names,
a second trip fsyncs their folders, and then one transaction records the rows. (Doing all of it
in the worker thread was slower: each of its many system calls waited for the GIL.)

What a power loss or a SIGKILL can do is what it always could: a file is under its name only once
its bytes are on disk, and an article's row exists only once its files (article and media) are;
a batch cut short leaves at most temporary files (deleted by the next run) and articles without
a row, which the next run fetches and writes again, to the same bytes.

While rows wait, the batch answers the crawl's questions about them first (is this article
archived, what is known of this image, is that path taken), so batching changes when things are
recorded, never what.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from archiver.catalog import ArticleRecord, Catalog, MediaRecord
from archiver.disk import disk_error, stop_crawl
from archiver.storage import fsync_all, stage, sync_data

logger = logging.getLogger(__name__)


class WriteRefused(Exception):
    """The disk or the catalog refused a write: the crawl is stopping (`archiver.disk`)."""


class WriteBatch:
    """The files and rows of one crawl that are written but not yet durable and recorded."""

    def __init__(self, crawler: Crawler, catalog: Catalog, *, size: int, seconds: float) -> None:
        self.crawler = crawler
        self.catalog = catalog
        self.size = max(1, size)
        self._limit = 1  # the first articles are recorded at once; the batch then doubles up to `size`
        self.seconds = seconds
        self._files: list[tuple[Path, Path]] = []  # (temporary name, name)
        self._rows: list[tuple[ArticleRecord, list[MediaRecord]]] = []
        self._fresh: list[Path] = []  # article files that did not exist: taken back if unrecorded
        self._articles: dict[tuple[str, str], ArticleRecord] = {}
        self._media: dict[tuple[str, str], MediaRecord] = {}
        self._paths: dict[Path, str | None] = {}  # staged name -> content sha256 (if known)
        self._flushing: Deferred[None] | None = None
        self._timer: object | None = None

    # -- what waits, asked before the catalog

    def article(self, source: str, url: str) -> ArticleRecord | None:
        """The article's row: the one waiting in this batch, else the catalog's."""
        return self._articles.get((source, url)) or self.catalog.article(source, url)

    def archived_among(self, source: str, urls: list[str]) -> set[str]:
        """Which of `urls` are archived or waiting to be recorded."""
        waiting = {url for url in urls if (source, url) in self._articles}
        rest = [url for url in urls if url not in waiting]
        return waiting | (self.catalog.archived_among(source, rest) if rest else set())

    def known_media(self, source: str, urls: list[str]) -> dict[str, MediaRecord]:
        """What is known of each media URL: a copy downloaded in this batch, else the catalog's
        answer (`Catalog.known_media`); URLs nothing is known of are left out."""
        found = {url: self._media[(source, url)] for url in urls if (source, url) in self._media}
        rest = [url for url in urls if url not in found]
        if rest:
            found.update(self.catalog.known_media(source, rest))
        return found

    def has_file(self, path: Path) -> bool:
        """Whether `path` exists or is staged to exist."""
        return path in self._paths or path.is_file()

    def is_staged(self, path: Path) -> bool:
        """Whether new content for `path` waits in this batch."""
        return path in self._paths

    def staged_digest(self, path: Path) -> str | None:
        """The sha256 of the content staged for `path` (None when not given or not staged)."""
        return self._paths.get(path)

    # -- adding

    def stage_file(self, path: Path, data: bytes, digest: str | None = None) -> None:
        """Write `path`'s new content under a temporary name; it gets its name at the next flush.

        A disk that refuses it stops the crawl (`WriteRefused`) and takes back everything staged
        since the last flush: that frees room for the flush already under way to record its
        rows, and what is taken back was not archived yet (the next run fetches it)."""
        try:
            temp = stage(path, data)
        except OSError as exc:
            if (reason := disk_error(exc)) is None:
                raise
            self._abandon_waiting()
            stop_crawl(self.crawler, reason, path)
            raise WriteRefused(reason) from None
        self._files.append((temp, path))
        self._paths[path] = digest
        self._schedule()

    def _abandon_waiting(self) -> None:
        files, rows = self._files, self._rows
        self._files, self._rows, self._fresh = [], [], []
        _remove(temp for temp, _ in files)
        self._forget(files, rows)

    async def add_article(self, record: ArticleRecord, media: list[MediaRecord], path: Path,
                          data: bytes | None) -> None:
        """Stage the article's file (None: its bytes did not change) and queue its row; flushes
        when the batch is full, so a crawl never runs more than one batch ahead of the disk."""
        if data is not None:
            fresh = not path.exists() and path not in self._paths
            self.stage_file(path, data)
            if fresh:
                self._fresh.append(path)
        self._rows.append((record, media))
        self._articles[(record.source, record.url)] = record
        for medium in media:
            if medium.state == "done":
                self._media[(record.source, medium.url)] = medium
        if len(self._rows) >= self._limit:
            await self.flush()

    def _schedule(self) -> None:
        if self._timer is None and self.seconds > 0:
            from twisted.internet import reactor  # the one Scrapy installed

            self._timer = reactor.callLater(self.seconds, self._flush_later)  # type: ignore[attr-defined]

    def _flush_later(self) -> None:
        self._timer = None
        deferred_from_coro(self.flush()).addErrback(_log_unless_refused)

    # -- flushing

    async def flush(self) -> None:
        """Publish what is staged, then record the rows; one flush at a time, in order.

        Raises `WriteRefused` when the disk or the catalog refused (the crawl then stops, and
        nothing of this batch is recorded: its new article files are taken back)."""
        while self._flushing is not None:
            await maybe_deferred_to_future(self._flushing)
        if not self._files and not self._rows:
            return
        files, rows, fresh = self._files, self._rows, self._fresh
        self._files, self._rows, self._fresh = [], [], []
        self._flushing = done = Deferred()
        try:
            await self._publish_and_record(files, rows, fresh)
            self._limit = min(self.size, self._limit * 2)
        finally:
            self._forget(files, rows)
            self._flushing = None
            done.callback(None)

    async def _publish_and_record(self, files: list[tuple[Path, Path]],
                                  rows: list[tuple[ArticleRecord, list[MediaRecord]]], fresh: list[Path]) -> None:
        refused: Path = files[0][1].parent if files else self.catalog.path
        renamed = 0
        try:
            await maybe_deferred_to_future(threads.deferToThread(sync_data, [temp for temp, _ in files]))
            for temp, path in files:
                os.replace(temp, path)
                renamed += 1
            await maybe_deferred_to_future(threads.deferToThread(fsync_all, {path.parent for _, path in files}))
            refused = self.catalog.path
            if rows:
                self.catalog.save_articles(rows)
        except (OSError, *self.catalog.errors) as exc:
            reason = disk_error(exc)
            if reason is None:
                raise
            _remove(temp for temp, _ in files[renamed:])
            _remove(fresh)  # written, but the catalog could not record them
            stop_crawl(self.crawler, reason, refused)
            raise WriteRefused(reason) from None

    def _forget(self, files: list[tuple[Path, Path]], rows: list[tuple[ArticleRecord, list[MediaRecord]]]) -> None:
        """Stop answering for what this flush recorded (unless a later version is waiting)."""
        still_staged = {path for _, path in self._files}
        for _, path in files:
            if path not in still_staged:
                self._paths.pop(path, None)
        for record, media in rows:
            key = (record.source, record.url)
            if self._articles.get(key) is record:
                del self._articles[key]
            for medium in media:
                if self._media.get((record.source, medium.url)) is medium:
                    del self._media[(record.source, medium.url)]

    def close(self) -> None:
        """Cancel the pending timer (the final `flush` is the caller's)."""
        if self._timer is not None:  # still pending: `_flush_later` clears it before it runs
            self._timer.cancel()  # type: ignore[attr-defined]
            self._timer = None


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _log_unless_refused(failure: Failure) -> None:
    """A timed flush has no caller to raise to: a refusal was already reported by `stop_crawl`."""
    if not failure.check(WriteRefused):
        logger.error("Writing a batch failed: %s", failure.getTraceback())
