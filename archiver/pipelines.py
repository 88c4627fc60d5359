"""Item pipelines: normalise the extracted article, render it, write the file, record it.

The file is staged and its row queued in the run's write batch (`archiver.write_batch`), which
makes files durable before it commits their rows, so a crash in between leaves a file the next run
simply rewrites; the catalog never points at a file that is not there.
A full or read-only output folder stops the crawl at the first refused write (`archiver.disk`).
The media pipeline (`archiver.media.pipeline`) runs first and leaves on the item what became of
each image, attachment and video; with `image_links: local` the file links the archived copies.
"""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import datetime
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from archiver.catalog import ArticleRecord, MediaRecord
from archiver.disk import disk_error, stop_crawl, stopping
from archiver.items import ArticleItem
from archiver.media.policy import linked_records
from archiver.prepare import outcome, prepare
from archiver.article_file.render import urlname_for
from archiver.run_context import RunContext, run_context
from archiver.storage import article_path, remove_stale_temp_files, same_bytes, source_dir
from archiver.write_batch import WriteRefused

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
        folder = source_dir(self.output, self._context.source.id)
        removed = remove_stale_temp_files(folder)
        if removed:
            logger.info("Removed %d temporary files left by an interrupted run in %s", removed, folder)

    @property
    def _context(self) -> RunContext:
        context = run_context(self.crawler)
        if context is None:
            raise NotConfigured("the Markdown pipeline runs with the news spider (archiver.run_context)")
        return context

    async def process_item(self, item: object, spider: object = None) -> object:
        if not isinstance(item, ArticleItem):
            return item  # a media retry: finished by the media pipeline
        if stopping(self.crawler):
            raise DropItem(f"not written, the output folder cannot be written to: {item.article.url}",
                           log_level="DEBUG")
        context = self._context
        article = item.article
        try:
            known = context.writes.article(context.source.id, article.url)
        except context.catalog.errors as exc:
            if (reason := disk_error(exc)) is None:
                raise
            stop_crawl(self.crawler, reason, context.catalog.path)  # the catalog's server went away
            raise DropItem(f"not written ({reason}): {article.url}", log_level="DEBUG") from None
        media = item.media if item.media is not None else linked_records(item.refs)
        archived = item.archived
        if known is None:
            urlname = urlname_for(article.url, article.title, context.source.slug)
            archived = _file_date(article_path(self.output, context.source.id, urlname)) or archived
        record, data = prepare(article, known, context.source, media=media, archived=archived,
                               now=context.clock())
        changed = await self._store(record, data, media, article.url)
        kind = outcome(known, record)
        stats = self.crawler.stats
        stats.inc_value(f"archiver/articles/{kind}")
        stats.inc_value("archiver/images", len(article.images))
        if changed:
            stats.inc_value("archiver/bytes_written", len(data))
        logger.info("Article %s: %s -> %s", kind, article.url, self.output / record.path)
        return item

    async def _store(self, record: ArticleRecord, data: bytes, media: list[MediaRecord], url: str) -> bool:
        """Stage the file (unless it already holds these bytes) and queue its row; whether the
        file's bytes changed. A refused write stops the crawl (`archiver.write_batch`, which
        reports it through `archiver.disk`) and drops the item."""
        path = self.output / record.path
        changed = not same_bytes(path, data)
        try:
            await self._context.writes.add_article(record, media, path, data if changed else None)
        except WriteRefused as exc:
            raise DropItem(f"not written ({exc}): {url}", log_level="DEBUG") from None
        return changed

    async def close_spider(self, spider: object = None) -> None:
        """Publish and record what the batch still holds before the run is closed."""
        writes = self._context.writes
        writes.close()
        with contextlib.suppress(WriteRefused):
            await writes.flush()


def _file_date(path: Path) -> datetime | None:
    """The `date` of an article file the catalog does not know (a lost or replaced catalog): the
    article keeps the date it was first archived with."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        return None
    match = _DATE_LINE.search(head)
    return datetime.fromisoformat(match.group(1).decode()) if match else None
