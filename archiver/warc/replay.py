"""Replay: a Scrapy download handler that answers every request from a recorded archive.

`ReplayDownloadHandler` replaces the http/https handlers, so the real spider, middlewares and
pipelines run on what the sites sent when they were crawled, with no network at all: a URL the
archive lacks fails with `NotInWarc` (reason `not_in_warc`) and is never fetched. Answers come
from `OUTPUT/.archiver/warc/*/*.warc.gz` through their CDXJ indexes (the body as transferred,
so HttpCompressionMiddleware decompresses it as it did live), and for media that were not
captured (`warc: pages`) from OUTPUT's stored files, found through its catalog and checked by
SHA-256. Settings: `ARCHIVER_REPLAY_FROM` (the recorded OUTPUT folder), `ARCHIVER_REPLAY_CATALOG`
(its catalog; default `OUTPUT/.archiver/catalog.sqlite`).

Of several captures of one URL the latest that is not an error (status below 400) is replayed,
else the latest: a retried 503 followed by a 200 replays the 200.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from archiver.catalog import default_catalog_path
from archiver.catalog.dialect import is_url
from archiver.catalog.reader import CatalogReader
from archiver.storage import file_digest
from archiver.warc.cdxj import IndexEntry, read_index
from archiver.warc.errors import NotInWarc
from archiver.warc.files import index_path, scan_index, warc_files, warc_root

logger = logging.getLogger(__name__)


class WarcArchive:
    """The response records of every WARC file under a root, looked up by URL."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.best: dict[str, tuple[Path, IndexEntry]] = {}
        folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        for folder in folders:
            for warc in warc_files(folder):
                index = index_path(warc)
                entries = read_index(index) if index.is_file() else list(scan_index(warc, warc.name))
                for entry in sorted(entries, key=lambda e: e.offset):
                    self._offer(folder, entry)

    def _offer(self, folder: Path, entry: IndexEntry) -> None:
        """Later captures replace earlier ones, except that an error never replaces a success."""
        held = self.best.get(entry.url)
        if held is None or _usable(entry) or not _usable(held[1]):
            self.best[entry.url] = (folder / entry.filename, entry)

    def __len__(self) -> int:
        return len(self.best)

    def response(self, url: str) -> Response | None:
        """The recorded response for `url`, headers and body as transferred; None if absent."""
        found = self.best.get(url)
        if found is None:
            return None
        path, entry = found
        with open(path, "rb") as handle:
            handle.seek(entry.offset)
            data = handle.read(entry.length)
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        http = record.http_headers
        headers = Headers([(k, v) for k, v in http.headers])
        body = record.raw_stream.read()
        status = int(http.get_statuscode())
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        return cls(url=url, status=status, headers=headers, body=body, protocol=http.protocol or "HTTP/1.1")


@dataclass(frozen=True)
class StoredMedium:
    path: Path
    sha256: str
    content_type: str | None
    attachment: bool


class MediaStore:
    """Media an archive stored (catalog rows `done`), by URL, read from OUTPUT by hash."""

    def __init__(self, output: Path, catalog: str | Path) -> None:
        self.media: dict[str, StoredMedium] = {}
        if not is_url(catalog) and not Path(catalog).is_file():
            return
        with CatalogReader(catalog) as reader:
            rows = reader.stored_media()
        for url, local_path, sha256, content_type, kind in rows:
            self.media[url] = StoredMedium(output / local_path, sha256, content_type, kind == "attachment")

    def response(self, url: str) -> Response | None:
        """The stored file as a 200 response; an attachment keeps its archived name through
        `Content-Disposition`. None when absent or not the bytes the catalog recorded."""
        medium = self.media.get(url)
        if medium is None or not medium.path.is_file() or file_digest(medium.path)[0] != medium.sha256:
            return None
        body = medium.path.read_bytes()
        headers = Headers({"Content-Type": medium.content_type or "application/octet-stream"})
        if medium.attachment:
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(medium.path.name)}"
        return Response(url=url, status=200, headers=headers, body=body, protocol="HTTP/1.1")


class ReplayDownloadHandler(BaseDownloadHandler):
    """Answers http(s) requests from `ARCHIVER_REPLAY_FROM`'s WARC files and stored media."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        origin = crawler.settings.get("ARCHIVER_REPLAY_FROM")
        if not origin:
            raise NotConfigured("ARCHIVER_REPLAY_FROM is not set: nothing to replay")
        output = Path(origin)
        catalog = crawler.settings.get("ARCHIVER_REPLAY_CATALOG") or default_catalog_path(output)
        self.archive = WarcArchive(warc_root(output))
        self.media = MediaStore(output, catalog)
        logger.info("Replaying %d URLs from %s (%d stored media)", len(self.archive), output,
                    len(self.media.media))

    async def download_request(self, request: Request) -> Response:
        response = self.archive.response(request.url) or self.media.response(request.url)
        stats = self.crawler.stats
        if response is None:
            stats.inc_value("archiver/replay/missing")
            logger.warning("Not in the WARC files, not fetched: %s", request.url)
            raise NotInWarc(f"not in the WARC files (never fetched in a replay): {request.url}")
        stats.inc_value("archiver/replay/responses")
        return response


def _usable(entry: IndexEntry) -> bool:
    return 0 < entry.status < 400
