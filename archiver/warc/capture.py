"""`WarcCaptureMiddleware`: every HTTP exchange of a crawl, as WARC request + response records.

It sits at priority 950, next to the downloader, so its `process_response` sees each response
as it came off the wire: before HttpCompressionMiddleware (590) decompresses the body (the
recorded `Content-Encoding` stays true), and once per redirect hop (RedirectMiddleware, 600)
and per retry attempt (BackoffRetryMiddleware, 550). robots.txt and media requests pass through
downloader middlewares too.

What is recorded follows the source's `warc` key, else the `ARCHIVER_WARC` setting:
`pages` (robots.txt, list pages, articles: the default; media are already stored by content
hash), `all` (media too) or `off`. Files rotate at `ARCHIVER_WARC_MAX_BYTES`.
Stats: `archiver/warc/records`, `archiver/warc/bytes`, `archiver/warc/files`.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord

from archiver import __version__
from archiver.config import WARC_MODES
from archiver.disk import disk_error, stop_crawl
from archiver.media.pipeline import META_KEY
from archiver.run_context import run_context
from archiver.storage import remove_stale_temp_files
from archiver.warc.files import WARC_VERSION, WarcFile, new_warc_path, seal_open_files, warc_root
from archiver.warc.http import request_head, response_head

logger = logging.getLogger(__name__)


class WarcModeError(ValueError):
    """`warc` / `ARCHIVER_WARC` is not one of pages, all, off."""


def capture_mode(source_value: str | None, setting: object) -> str:
    """The source's own `warc` when it sets one, else the global setting."""
    mode = str(source_value if source_value is not None else setting or "pages").strip().lower()
    if mode not in WARC_MODES:
        raise WarcModeError(f"warc must be one of {', '.join(WARC_MODES)}, got {mode!r}")
    return mode


def wanted(request: Request, mode: str) -> bool:
    """Whether `mode` records this request: media only with `all`, everything else unless `off`."""
    if mode == "off":
        return False
    return mode == "all" or META_KEY not in request.meta


class WarcCaptureMiddleware:
    """Writes `OUTPUT/.archiver/warc/<source>/<UTC time>-<n>.warc.gz` (see `archiver.warc.files`)."""

    def __init__(self, crawler: Crawler, mode: str, folder: Path, max_bytes: int) -> None:
        self.crawler = crawler
        self.mode = mode
        self.folder = folder
        self.max_bytes = max_bytes
        self.builder = RecordBuilder(warc_version=WARC_VERSION)
        self.current: WarcFile | None = None
        self.broken = False  # the disk refused a write: the crawl is stopping

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        context = run_context(crawler)
        source = context.source if context is not None else None
        mode = capture_mode(getattr(source, "warc", None), crawler.settings.get("ARCHIVER_WARC"))
        if mode == "off":
            raise NotConfigured  # quietly: off is a normal choice
        name = source.id if source is not None else crawler.spider.name  # type: ignore[union-attr]
        folder = warc_root(crawler.settings.get("ARCHIVER_OUTPUT")) / name
        middleware = cls(crawler, mode, folder, crawler.settings.getint("ARCHIVER_WARC_MAX_BYTES"))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: object = None) -> None:
        remove_stale_temp_files(self.folder)  # an index write a kill cut short
        sealed = seal_open_files(self.folder)  # each one logged by `seal`
        self.crawler.stats.inc_value("archiver/warc/sealed", len(sealed))

    def spider_closed(self, spider: object = None, reason: str = "") -> None:
        self._close_current()

    def process_response(self, request: Request, response: Response, spider: object = None) -> Response:
        if not self.broken and wanted(request, self.mode):
            self._write(self._exchange(request, response))
        return response

    def _exchange(self, request: Request, response: Response) -> list[ArcWarcRecord]:
        """The response record, then the request record pointing at it (WARC-Concurrent-To)."""
        date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        extra = {"WARC-Date": date}
        if response.ip_address is not None:
            extra["WARC-IP-Address"] = str(response.ip_address)
        body = response.body
        answer = self.builder.create_warc_record(
            response.url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=response_head(response), warc_headers_dict=extra,
        )
        sent = request.body or b""
        question = self.builder.create_warc_record(
            response.url, "request", payload=io.BytesIO(sent), length=len(sent),
            http_headers=request_head(request),
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": answer.rec_headers.get_header("WARC-Record-ID")},
        )
        return [answer, question]

    def _write(self, records: list[ArcWarcRecord]) -> None:
        try:
            if self.current is None:
                self.current = self._open()
            before = self.current.size
            self.current.write(records)
            stats = self.crawler.stats
            stats.inc_value("archiver/warc/records", len(records))
            stats.inc_value("archiver/warc/bytes", self.current.size - before)
            if self.current.size >= self.max_bytes:
                self._close_current()
        except OSError as exc:
            reason = disk_error(exc)
            if reason is None:
                raise
            self.broken = True
            refused: Path = self.folder
            if self.current is not None:
                refused = self.current.temp
                self.current.abandon()  # left open: the next run seals what is whole
                self.current = None
            stop_crawl(self.crawler, reason, refused)

    def _open(self) -> WarcFile:
        warc = WarcFile(new_warc_path(self.folder))
        warc.write([self._warcinfo(warc.path.name)])
        self.crawler.stats.inc_value("archiver/warc/files")
        return warc

    def _warcinfo(self, filename: str) -> ArcWarcRecord:
        context = run_context(self.crawler)
        source = context.source if context is not None else None
        info = {
            "software": f"archiver/{__version__} (Scrapy {scrapy.__version__}, warcio {version('warcio')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iso.org/standard/68004.html",
            "isPartOf": source.id if source is not None else self.folder.name,
            "description": f"{source.name} ({source.label}): {' '.join(source.start_urls)}"
                           if source is not None else "",
            "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": self.crawler.settings.get("USER_AGENT"),
            "archiver-warc-mode": self.mode,
        }
        return self.builder.create_warcinfo_record(filename, info)

    def _close_current(self) -> None:
        if self.current is None:
            return
        current, self.current = self.current, None
        try:
            path = current.close()
        except OSError as exc:
            if (reason := disk_error(exc)) is None:
                raise
            stop_crawl(self.crawler, reason, current.temp)
            return
        logger.info("WARC file written: %s", path)
