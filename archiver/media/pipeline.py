"""`MediaFilesPipeline`: Scrapy's FilesPipeline, downloading an article's media before it is written.

It runs before the Markdown pipeline and leaves its verdict on the item (`ArticleItem.media`,
one catalog row per image, attachment and video), so the Markdown can link local copies and the
catalog records what became of each medium. A medium that cannot be archived never stops the
article: it keeps its original URL, is recorded as failed (reason, attempts, back-off), counted,
and retried by a later run (`MediaRetryItem`, queued by the spider from the catalog) without
fetching the article again.

Hooks overridden, each for one reason:
- `get_media_requests`: the catalog decides what to fetch (`archiver.media.policy`), so an image
  shared by many articles is downloaded once across runs; each request carries the size cap
  (`download_maxsize`, enforced by Scrapy while the body streams) and the article as Referer.
- `media_to_download`: always download what `get_media_requests` asked for (FilesPipeline's own
  check stats a path derived from the URL; ours are derived from the content).
- `media_downloaded`: refuse error pages, empty and wrong-type bodies (`archiver.media.checks`),
  then stage the file under its final name in the run's write batch (`archiver.write_batch`:
  made durable, with the rows of the articles using it, a few dozen articles at a time).
- `media_failed`: turn a download error into a reason code (`truncated`, `too_large`...).
- `file_path`: `<source>/images/<sha256>.<ext>`, `<source>/videos/<sha256>.<ext>`, or
  `<source>/files/<real name>`; a name a browser or Hugo could run or render gets `.bin`
  (`names.inert_name`).
- `item_completed`: the catalog rows; for a retry, also the article file's links.

Stats: `archiver/media/downloaded`, `archiver/media/bytes`, `archiver/media/reused` (already in
the archive), `archiver/media/failed` and `archiver/media/failed/{reason}`, `archiver/media/retried`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FileInfo, FilesPipeline
from scrapy.pipelines.media import FileInfoOrError
from twisted.python.failure import Failure

from archiver.catalog import Catalog, MediaRecord
from archiver.clock import format_timestamp
from archiver.config import Source
from archiver.disk import disk_error, stop_crawl, stopping
from archiver.failures import failure_reason as download_failure_reason
from archiver.items import ArticleItem, MediaRetryItem
from archiver.media.checks import MediaError, check_download, sniff
from archiver.media.found import MediaRef
from archiver.media.links import local_links, relink
from archiver.media.names import alternative_name, attachment_name, disposition_filename, inert_name
from archiver.media.options import MediaSettings
from archiver.media.policy import decide, next_attempt
from archiver.run_context import RunContext, run_context
from archiver.storage import file_digest, remove_stale_temp_files, write_atomic
from archiver.url_guard import UrlRefused

logger = logging.getLogger(__name__)
FOLDERS = {"image": "images", "attachment": "files", "video": "videos"}
META_KEY = "archiver_media"


class _ExpectedFailures(logging.Filter):
    """Scrapy logs every failed media download with a traceback; ours are outcomes the pipeline
    reports itself (one warning, a reason code), so that copy is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, MediaError)


class MediaFilesPipeline(FilesPipeline):
    """Downloads images, attachments (and opted-in videos) into `OUTPUT/<source>/...`."""

    def __init__(self, store_uri: str, *, crawler: Crawler, options: MediaSettings) -> None:
        super().__init__(store_uri, crawler=crawler)
        self.options = options
        self.output = Path(store_uri)
        # Per item being processed: its media rows so far, and which of them are downloads
        # (row index, medium, attempts so far, request fingerprint).
        self._pending: dict[int, tuple[list[MediaRecord], list[tuple[int, MediaRef, int, bytes]]]] = {}
        # Downloads in flight: how many items wait for each, and those already credited to one.
        self._users: Counter[bytes] = Counter()
        self._credited: set[bytes] = set()
        self._quiet = _ExpectedFailures()
        logging.getLogger("scrapy.pipelines.media").addFilter(self._quiet)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MediaFilesPipeline:
        options = MediaSettings.from_settings(crawler.settings)
        if not options.enabled:
            raise NotConfigured("ARCHIVER_MEDIA_ENABLED is off: media are linked, not downloaded")
        return cls(crawler.settings["ARCHIVER_OUTPUT"], crawler=crawler, options=options)

    def open_spider(self, spider: Any = None) -> None:
        super().open_spider()
        for folder in FOLDERS.values():
            removed = remove_stale_temp_files(self.output / self.source.id / folder)
            if removed:
                logger.info("Removed %d temporary files left by an interrupted run in %s", removed, folder)

    @property
    def source(self) -> Source:
        return self._context.source

    @property
    def catalog(self) -> Catalog:
        return self._context.catalog

    @property
    def _context(self) -> RunContext:
        context = run_context(self.crawler)
        if context is None:
            raise NotConfigured("the media pipeline runs with the news spider (archiver.run_context)")
        return context

    # -- what to fetch

    def get_media_requests(self, item: Any, info: Any) -> list[Request]:
        if isinstance(item, ArticleItem):
            refs, article_url, limit = item.refs, item.article.url, self.options.max_attempts
        elif isinstance(item, MediaRetryItem):
            # Chosen by the catalog as due (or all, on demand): no back-off applies here.
            refs = [MediaRef(m.kind, m.position, m.url, m.name) for m in item.media]
            article_url, limit = item.article_url, None
            self.crawler.stats.inc_value("archiver/media/retried", len(refs))
        else:
            return []
        now = self._context.stamp()
        records: list[MediaRecord] = []
        downloads: list[tuple[int, MediaRef, int, bytes]] = []
        requests = []
        writes = self._context.writes
        wanted_urls = [ref.url for ref in refs if self._wanted(ref)]
        known_media = writes.known_media(self.source.id, wanted_urls) if wanted_urls else {}
        for ref in refs:
            wanted = self._wanted(ref)
            known = known_media.get(ref.url) if wanted else None
            exists = bool(known and known.state == "done" and known.local_path
                          and writes.has_file(self.output / known.local_path))
            decision = decide(ref, known, download=wanted, file_exists=exists, now=now, max_attempts=limit)
            if decision.record is not None:
                records.append(decision.record)
                if decision.record.state == "done":
                    self.crawler.stats.inc_value("archiver/media/reused")
                continue
            request = self._request(ref, article_url)
            fingerprint = self._fingerprinter.fingerprint(request)
            self._users[fingerprint] += 1
            downloads.append((len(records), ref, decision.attempts, fingerprint))
            records.append(MediaRecord(ref.kind, ref.position, ref.url, name=ref.name))
            requests.append(request)
        self._pending[id(item)] = (records, downloads)
        return requests

    def _wanted(self, ref: MediaRef) -> bool:
        """Whether this run downloads the medium (videos only for sources that opt in)."""
        return ref.downloadable and (ref.kind != "video" or self.source.download_videos)

    def _request(self, ref: MediaRef, article_url: str) -> Request:
        cap = self.options.video_max_bytes if ref.kind == "video" else self.options.max_bytes
        return Request(
            ref.url,
            callback=NO_CALLBACK,
            headers={"Referer": article_url},  # sites that refuse hot-linked images want one
            meta={
                META_KEY: ref,
                "download_maxsize": cap,
                "download_fail_on_dataloss": True,
                "allow_offsite": True,  # images often live on another host of the university
            },
        )

    def media_to_download(self, request: Request, info: Any, *, item: Any = None) -> None:
        """Download it: `get_media_requests` already skipped what the archive has (FilesPipeline
        would stat a path derived from the URL; ours come from the content)."""
        return None

    # -- one download

    def media_downloaded(self, response: Response, request: Request, info: Any, *,
                         item: Any = None) -> FileInfo:
        ref: MediaRef = request.meta[META_KEY]
        try:
            found = check_download(ref.kind, response.status, response.body, response.flags)
        except MediaError as exc:
            raise self._failed(request, exc) from None
        body = response.body
        digest = hashlib.sha256(body).hexdigest()
        request.meta["archiver_sha256"] = digest
        path = self._unclaimed(self.file_path(request, response=response, info=info, item=item), digest, len(body))
        # Staged: it appears under its name, durably, when the run's write batch is flushed,
        # before the row of any article that uses it (`archiver.write_batch`).
        self._context.writes.stage_file(self.output / path, body, digest)
        declared = response.headers.get(b"Content-Type", b"").decode("latin-1").split(";")[0].strip()
        self.crawler.stats.inc_value("archiver/media/downloaded")
        self.crawler.stats.inc_value("archiver/media/bytes", len(body))
        logger.debug("Media downloaded: %s -> %s", request.url, path)
        return {  # type: ignore[typeddict-unknown-key]
            "url": request.url, "path": path, "checksum": digest, "status": "downloaded",
            "bytes": len(body), "content_type": found.content_type or declared or None,
        }

    def media_failed(self, failure: Failure, request: Request, info: Any) -> None:
        """Also called with `media_downloaded`'s own refusal, already counted: passed on as is."""
        if failure.check(MediaError):
            raise failure.value
        reason = failure_reason(failure)
        if reason == "too_large":
            setting = "ARCHIVER_MEDIA_VIDEO_MAX_BYTES" if request.meta[META_KEY].kind == "video" else "ARCHIVER_MEDIA_MAX_BYTES"
            message = f"larger than {request.meta['download_maxsize']} bytes ({setting}); download cut off"
        elif reason == "truncated":
            message = "the connection closed before the whole body (Content-Length) arrived"
        else:
            message = failure.getErrorMessage()
        raise self._failed(request, MediaError(reason, message)) from None

    def _failed(self, request: Request, exc: MediaError) -> MediaError:
        self.crawler.stats.inc_value("archiver/media/failed")
        self.crawler.stats.inc_value(f"archiver/media/failed/{exc.reason}")
        logger.warning("Media failed (%s): %s (in %s): %s", exc.reason, request.url,
                       request.headers.get(b"Referer", b"").decode("latin-1"), exc)
        return exc

    def file_path(self, request: Request, response: Response | None = None, info: Any = None, *,
                  item: Any = None) -> str:
        """Where a download goes, relative to the output folder; named by content, so it needs
        the response (`media_to_download` never asks before downloading)."""
        if response is None:
            raise ValueError("archiver media are named by their content: file_path needs the response")
        ref: MediaRef = request.meta[META_KEY]
        folder = f"{self.source.id}/{FOLDERS[ref.kind]}"
        found = sniff(response.body)
        if ref.kind == "attachment":
            disposition = disposition_filename(response.headers.get(b"Content-Disposition"))
            # After a redirect (download.jsp → /upload/…/name.pdf) the final URL names the file.
            name = attachment_name(disposition, response.url, ref.name, found.extension)
            return f"{folder}/{inert_name(name, response.body)}"
        digest = request.meta.get("archiver_sha256") or hashlib.sha256(response.body).hexdigest()
        extension = found.extension or Path(request.url.split("?", 1)[0]).suffix.lower()[:9]
        return f"{folder}/{inert_name(digest + extension, response.body)}"

    def _unclaimed(self, path: str, digest: str, size: int) -> str:
        """`path`, or another name when a different file already has it, or is about to
        (attachments only: content-named files cannot collide)."""
        target = self.output / path
        writes = self._context.writes
        if writes.is_staged(target):
            taken_by_other = writes.staged_digest(target) != digest
        else:
            taken_by_other = target.exists() and not _same_file(target, digest, size)
        if not taken_by_other:
            return path
        folder, _, name = path.rpartition("/")
        return f"{folder}/{alternative_name(name, digest)}"

    # -- the item's verdict

    def item_completed(self, results: list[FileInfoOrError], item: Any, info: Any) -> Any:
        pending = self._pending.pop(id(item), None)
        if pending is None:
            return item
        records, downloads = pending
        now = self._context.clock()
        for (index, ref, attempts, fingerprint), (ok, value) in zip(downloads, results):
            shared = fingerprint in self._credited  # another article already had this download
            if ok and not shared:
                self._credited.add(fingerprint)
            self._release(fingerprint, info)
            if ok:
                if shared:
                    self.crawler.stats.inc_value("archiver/media/reused")
                records[index] = replace(
                    records[index], state="done", local_path=value["path"], sha256=value["checksum"],
                    bytes=value["bytes"], content_type=value["content_type"], attempts=attempts + 1,
                )
                continue
            error = value.value if isinstance(value, Failure) else value
            reason = error.reason if isinstance(error, MediaError) else failure_reason(value)
            retry_at = next_attempt(now, attempts + 1, self.options.retry_delay, self.options.max_attempts)
            records[index] = replace(
                records[index], state="failed", attempts=attempts + 1,
                last_error=f"{reason}: {error}", next_attempt=format_timestamp(retry_at) if retry_at else None,
            )
        if isinstance(item, ArticleItem):
            item.media = records
        elif isinstance(item, MediaRetryItem):
            self._finish_retry(item, records)
        return item

    def _release(self, fingerprint: bytes, info: Any) -> None:
        """One item less waits for a download; when none does, forget it.

        Scrapy's media pipeline caches every result for the whole run, which grows with a long
        backfill; by the time the last article sharing a download has it, the run's write batch
        has it too (the Markdown pipeline queues its row right after this one), so later
        articles find it there, or in the catalog, and the cache entry can go.
        """
        self._users[fingerprint] -= 1
        if self._users[fingerprint] <= 0:
            del self._users[fingerprint]
            self._credited.discard(fingerprint)
            info.downloaded.pop(fingerprint, None)

    def _finish_retry(self, item: MediaRetryItem, records: list[MediaRecord]) -> None:
        """Store the retried media; with local links, point the article file at new copies."""
        if stopping(self.crawler):
            return  # a refused write stopped the crawl: the rows stay as they were, due for retry
        content_hash = size = None
        links = local_links(records) if self.source.image_links == "local" else {}
        known = self.catalog.article(self.source.id, item.article_url)
        if links and known is not None:
            path = self.output / known.path
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                logger.warning("Cannot relink %s: %s", path, exc)
            else:
                data = relink(text, links).encode("utf-8")
                try:
                    if write_atomic(path, data):
                        content_hash, size = hashlib.sha256(data).hexdigest(), len(data)
                        logger.info("Article relinked to archived media: %s", path)
                except OSError as exc:
                    if (reason := disk_error(exc)) is None:
                        raise
                    stop_crawl(self.crawler, reason, path)
                    return  # the media stay failed in the catalog, retried by the next run
        try:
            self.catalog.update_media(self.source.id, item.article_url, records, content_hash, size)
        except self.catalog.errors as exc:
            if (reason := disk_error(exc)) is None:
                raise
            stop_crawl(self.crawler, reason, self.catalog.path)

    def close_spider(self, spider: Any = None) -> None:
        logging.getLogger("scrapy.pipelines.media").removeFilter(self._quiet)


def failure_reason(failure: Failure) -> str:
    """A reason code for a failed download, shared with the stats keys: a medium robots.txt
    (or another downloader middleware) refused is `filtered`, one the URL policy refused has the
    policy's reason (`scheme`, `internal_address` …); the rest as for pages."""
    if failure.check(UrlRefused):
        return failure.value.reason
    if failure.check(IgnoreRequest):
        return "filtered"
    return download_failure_reason(failure)


def _same_file(path: Path, digest: str, size: int) -> bool:
    return path.stat().st_size == size and file_digest(path)[0] == digest