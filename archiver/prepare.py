"""From a normalised article to the file's bytes and its catalog row, without any I/O.

`prepare` is the whole decision of what one article becomes: render the file (the body was
normalised by the spider, `ArticleItem.read`), point its media links at the archived copies
(`image_links: local`), and build the catalog record whose `content_hash`, compared with the known record's, says whether the
article is new, updated or unchanged. The Markdown pipeline (`archiver.pipelines`) is the I/O
around it: reading what is known, writing the file, saving the row. So the step can be tested
and reused (`archiver rebuild`, benchmarks) without a crawl.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from archiver.catalog import ArticleRecord, MediaRecord
from archiver.clock import format_timestamp
from archiver.config import Source
from archiver.media.links import local_links, relink
from archiver.normalize import NormalisedArticle
from archiver.article_file.render import render_article, urlname_for
from archiver.storage import article_path


def prepare(
    article: NormalisedArticle,
    known: ArticleRecord | None,
    source: Source,
    *,
    media: list[MediaRecord],
    archived: datetime | None,
    now: datetime,
) -> tuple[ArticleRecord, bytes]:
    """The article's catalog record and file bytes.

    `known` is the catalog's record of the article; without one the article keeps `archived`
    (its existing file's date, or the date a rebuild carries over), else it is archived `now`.
    A known article keeps its file name and first archive date, so unchanged content renders to
    the same bytes.
    """
    urlname = known.urlname if known else urlname_for(article.url, article.title, source.slug)
    first = datetime.fromisoformat(known.archived) if known else (archived or now)
    text = render_article(article, source, first)
    if source.image_links == "local":
        text = relink(text, local_links(media))
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    stamp = format_timestamp(now)
    updated = known is not None and digest != known.content_hash
    record = ArticleRecord(
        source=source.id,
        url=article.url,
        urlname=urlname,
        title=article.title,
        published=article.published.isoformat() if article.published else None,
        archived=format_timestamp(first),
        updated=stamp if updated else (known.updated if known else None),
        checked=stamp,
        content_hash=digest,
        path=article_path("", source.id, urlname).as_posix(),  # relative to the output folder
        bytes=len(data),
    )
    return record, data


def outcome(known: ArticleRecord | None, record: ArticleRecord) -> str:
    """`new`, `updated` or `unchanged`: what archiving `record` did to the article."""
    if known is None:
        return "new"
    return "updated" if record.content_hash != known.content_hash else "unchanged"
