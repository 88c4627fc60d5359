"""The items the spider hands to the pipelines.

`ArticleItem`: an article page, understood but not yet normalised or rendered; the media
pipeline adds the fate of its images, attachments and videos (`media`) before it is written.
`MediaRetryItem`: failed media of an article already archived, to download again without
fetching the article (queued from the catalog by the spider).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archiver.catalog import MediaRecord
from archiver.extract import ExtractedArticle


@dataclass
class ArticleItem:
    """One article page; `media` stays None when media downloading is off. `archived`, set by
    `archiver rebuild`, is the time the article was first archived, for an output that does not
    know it yet (otherwise the archive time is now)."""

    source: str
    article: ExtractedArticle
    media: list[MediaRecord] | None = None
    archived: datetime | None = None


@dataclass
class MediaRetryItem:
    """Failed media rows of one archived article, to try again."""

    source: str
    article_url: str
    media: list[MediaRecord] = field(default_factory=list)
