"""Reading one fetched article page: the whole decision chain from the response's bytes to an
`ArticleItem` or the reason it is not one, as a pure function (no I/O, no Scrapy).

Pure and picklable both ways, so `archiver.page_workers` can run it in a worker process: the
parsing, extraction and normalisation of a page then cost the crawl's reactor thread nothing,
and a page whose selector runs away can be stopped by killing its worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archiver.cms.base import Preset
from archiver.config import ArticleRules
from archiver.extract import ExtractionError, decode_html, extract_article
from archiver.items import ArticleItem
from archiver.refusals import refuse_article, refuse_extraction, refuse_response


@dataclass(frozen=True)
class Unread:
    """Why a page gave no article; `reason` is the failure reason (a stats key too)."""

    reason: str
    message: str


@dataclass(frozen=True)
class ArticlePage:
    """A fetched article page and what reading it needs: the requested `url` names the article,
    `final_url` and `redirect_urls` tell a login redirect. The source's preset travels by value,
    so a worker process reads with the preset the crawl resolved."""

    body: bytes
    content_type: str | None
    url: str
    final_url: str
    redirect_urls: Sequence[str]
    source_id: str
    preset: Preset
    rules: ArticleRules


def read_article_page(page: ArticlePage) -> ArticleItem | Unread:
    """The page's item, or why not: an empty page or login redirect, a page this preset cannot
    read (a login form if it has a password field), or a login form read as an article.

    The page is decoded by `decode_html`, not Scrapy: a GBK page declared as UTF-8, or a UTF-8
    page with GBK paragraphs, must give the same text as its clean UTF-8 twin.
    """
    refusal = refuse_response(page.final_url, page.redirect_urls, page.body)
    if refusal is not None:
        return Unread(refusal.reason, refusal.message)
    html = decode_html(page.body, page.content_type)
    try:
        article = extract_article(html, page.url, page.preset, page.rules)
    except ExtractionError as exc:
        refusal = refuse_extraction(page.body, exc.reason)
        return Unread(exc.reason, str(exc)) if refusal is None else Unread(refusal.reason, refusal.message)
    refusal = refuse_article(article.body)
    if refusal is not None:
        return Unread(refusal.reason, refusal.message)
    return ArticleItem.read(page.source_id, article)
