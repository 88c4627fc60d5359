"""Item pipelines: normalise the extracted article, render it, and write the Markdown file."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.crawler import Crawler

from archiver.clock import archive_time
from archiver.items import ArticleItem
from archiver.normalize import normalise_article
from archiver.render import render_article, urlname_for
from archiver.storage import article_path, write_atomic

logger = logging.getLogger(__name__)


class MarkdownPipeline:
    """Writes `OUTPUT/<source>/<urlname>.md` for each article, atomically, only when it changed.

    Stats keys: `archiver/articles/written`, `archiver/articles/unchanged`.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.output = Path(crawler.settings.get("ARCHIVER_OUTPUT"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MarkdownPipeline:
        return cls(crawler)

    def process_item(self, item: ArticleItem, spider: object = None) -> ArticleItem:
        source = self.crawler.spider.source
        normalised = normalise_article(item.article)
        text = render_article(normalised, source, archive_time())
        urlname = urlname_for(item.article.url, item.article.title, source.slug)
        path = article_path(self.output, source.id, urlname)
        changed = write_atomic(path, text.encode("utf-8"))
        outcome = "written" if changed else "unchanged"
        self.crawler.stats.inc_value(f"archiver/articles/{outcome}")
        logger.info("Article %s: %s -> %s", outcome, item.article.url, path)
        return item
