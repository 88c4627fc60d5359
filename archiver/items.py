"""The items the spider hands to the pipelines: plain data, no parsed page (a test pickles one).

`ArticleItem`: an article page, read and normalised, with every medium it links (images,
attachments, videos) found while its page was still parsed; the media pipeline adds the fate of
each (`media`) before the Markdown pipeline renders and writes it.
`MediaRetryItem`: failed media of an article already archived, to download again without
fetching the article (queued from the catalog by the spider).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archiver.catalog import MediaRecord
from archiver.extract import ExtractedArticle
from archiver.media.found import MediaRef, media_refs
from archiver.normalize import NormalisedArticle, normalise_article


@dataclass
class ArticleItem:
    """One article page; `media` stays None when media downloading is off. `archived`, set by
    `archiver rebuild`, is the time the article was first archived, for an output that does not
    know it yet (otherwise the archive time is now)."""

    source: str
    article: NormalisedArticle
    refs: list[MediaRef] = field(default_factory=list)
    media: list[MediaRecord] | None = None
    archived: datetime | None = None

    @classmethod
    def read(cls, source: str, extracted: ExtractedArticle) -> ArticleItem:
        """The item of an extracted page: its body normalised and its media found while the
        parsed page is at hand, so the tree goes no further than the spider."""
        return cls(source, normalise_article(extracted), media_refs(extracted))


@dataclass
class MediaRetryItem:
    """Failed media rows of one archived article, to try again."""

    source: str
    article_url: str
    media: list[MediaRecord] = field(default_factory=list)
