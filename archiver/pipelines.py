"""Item pipelines: normalise the extracted article, render it, write the file, record it.

The file is written (atomically) before the catalog row is committed, so a crash in between
leaves a file the next run simply rewrites; the catalog never points at a file that is not there.
A full or read-only output folder stops the crawl at the first refused write (`archiver.disk`).
The media pipeline (`archiver.media.pipeline`) runs first and leaves on the item what became of
each image, attachment and video; with `image_links: local` the file links the archived copies.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from datetime import datetime
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads

from archiver.catalog import ArticleRecord, Catalog
from archiver.clock import archive_time
from archiver.config import Source
from archiver.disk import disk_error, stop_crawl, stopping
from archiver.items import ArticleItem
from archiver.media.found import linked_records, media_refs
from archiver.media.links import local_links, relink
from archiver.normalize import normalise_article
from archiver.render import format_timestamp, render_article, urlname_for
from archiver.storage import article_path, remove_stale_temp_files, source_dir, write_atomic

logger = logging.getLogger(__name__)
_DATE_LINE = re.compile(rb"^date: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})$", re.M)


class MarkdownPipeline:
    """Writes `OUTPUT/<source>/<urlname>.md` for each article, only when its bytes change.

    A re-fetched article keeps the `date` it was first archived with (from the catalog, or from
    its file when the catalog does not know it), so unchanged content renders to the same bytes
    and changed content is rewritten in place. Stats: `archiver/articles/{new,updated,unchanged}`,
    `archiver/images`, `archiver/bytes_written`.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.output = Path(crawler.settings.get("ARCHIVER_OUTPUT"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MarkdownPipeline:
        return cls(crawler)

    def open_spider(self, spider: object = None) -> None:
        folder = source_dir(self.output, self.crawler.spider.source.id)
        removed = remove_stale_temp_files(folder)
        if removed:
            logger.info("Removed %d temporary files left by an interrupted run in %s", removed, folder)

    async def process_item(self, item: object, spider: object = None) -> object:
        if not isinstance(item, ArticleItem):
            return item  # a media retry: finished by the media pipeline
        if stopping(self.crawler):
            raise DropItem(f"not written, the output folder cannot be written to: {item.article.url}",
                           log_level="DEBUG")
        source: Source = self.crawler.spider.source
        catalog: Catalog = self.crawler.spider.catalog
        article = item.article
        try:
            known = catalog.article(source.id, article.url)
        except catalog.errors as exc:
            if (reason := disk_error(exc)) is None:
                raise
            stop_crawl(self.crawler, reason, catalog.path)  # the catalog's server went away
            raise DropItem(f"not written ({reason}): {article.url}", log_level="DEBUG") from None
        urlname = known.urlname if known else urlname_for(article.url, article.title, source.slug)
        path = article_path(self.output, source.id, urlname)
        now = archive_time()
        archived = _first_archived(known, path) or item.archived or now
        media = item.media if item.media is not None else linked_records(media_refs(article))
        text = render_article(normalise_article(article), source, archived)
        if source.image_links == "local":
            text = relink(text, local_links(media))
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        outcome = "new" if known is None else ("updated" if digest != known.content_hash else "unchanged")
        stamp = format_timestamp(now)
        record = ArticleRecord(
            source=source.id,
            url=article.url,
            urlname=urlname,
            title=article.title,
            published=article.published.isoformat() if article.published else None,
            archived=format_timestamp(archived),
            updated=stamp if outcome == "updated" else (known.updated if known else None),
            checked=stamp,
            content_hash=digest,
            path=path.relative_to(self.output).as_posix(),
            bytes=len(data),
        )
        existed, refused = path.exists(), path
        try:
            # The write and its fsync run in the reactor's thread pool (the disk must not stall
            # downloads); the catalog row is saved after it, on this thread.
            changed = await maybe_deferred_to_future(threads.deferToThread(write_atomic, path, data))
            refused = catalog.path
            catalog.save_article(record, media)
        except (OSError, *catalog.errors) as exc:
            reason = disk_error(exc)
            if reason is None:
                raise
            if not existed:
                # Written, but the catalog could not record it: take it back, so files and
                # catalog still agree; the next run fetches the article again.
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            stop_crawl(self.crawler, reason, refused)
            raise DropItem(f"not written ({reason}): {article.url}", log_level="DEBUG") from None
        stats = self.crawler.stats
        stats.inc_value(f"archiver/articles/{outcome}")
        stats.inc_value("archiver/images", len(article.images))
        if changed:
            stats.inc_value("archiver/bytes_written", len(data))
        logger.info("Article %s: %s -> %s", outcome, article.url, path)
        return item


def _first_archived(known: ArticleRecord | None, path: Path) -> datetime | None:
    """When the article was first archived: the catalog's record, else its existing file's date."""
    if known is not None:
        return datetime.fromisoformat(known.archived)
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        return None
    match = _DATE_LINE.search(head)
    return datetime.fromisoformat(match.group(1).decode()) if match else None
