"""An item pipeline for tests that fails on one article, as a bug in a pipeline would; loaded by
the crawl under test through `-s ITEM_PIPELINES=...`."""

from __future__ import annotations

from archiver.items import ArticleItem


class ExplodeOnBoom:
    def process_item(self, item: object) -> object:
        if isinstance(item, ArticleItem) and item.article.url.endswith("/boom.htm"):
            raise RuntimeError("pipeline bug on purpose")
        return item
