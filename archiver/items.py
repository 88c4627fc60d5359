"""The item the spider hands to the pipelines: an extracted article and the source it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from archiver.extract import ExtractedArticle


@dataclass
class ArticleItem:
    """One article page, understood but not yet normalised or rendered."""

    source: str
    article: ExtractedArticle
