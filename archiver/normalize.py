"""Normalisation: an extracted article body (HTML fragment) becomes a list of Markdown blocks.

Two steps, each in its own module: `archiver.cleanup` reduces the page's HTML to the few node
types of `archiver.doctree` (paragraphs, headings, images, lists, tables, quotes, code, rules),
and `archiver.markdown` writes Markdown that Hugo renders as the page showed it. Nothing of the
page's HTML reaches the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml.html import HtmlElement

from archiver.cleanup import clean_body
from archiver.extract import Attachment, ExtractedArticle
from archiver.markdown import Block, escape_inline, markdown_url, render_blocks
from archiver.media.found import link_players

__all__ = [
    "Block",
    "NormalisedArticle",
    "body_to_blocks",
    "escape_inline",
    "markdown_url",
    "normalise_article",
]


@dataclass
class NormalisedArticle:
    """The article ready to render: the second step of the data flow."""

    url: str
    title: str
    published: datetime | None
    blocks: list[Block] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    cms: str = ""

    @property
    def paragraphs(self) -> list[str]:
        """The text, one entry per paragraph, heading, list item, table cell or code line, as
        datasets and the extraction benchmark want it: no images, no lines of links only."""
        return [
            line for block in self.blocks if block.kind != "link"
            for line in block.text.split("\n") if line
        ]

    @property
    def markdown(self) -> str:
        """The body as written to the file, without divider and source link."""
        return "\n\n".join(b.markdown for b in self.blocks)


def normalise_article(article: ExtractedArticle) -> NormalisedArticle:
    """Turn the extracted body into Markdown blocks; the other fields pass through."""
    return NormalisedArticle(
        url=article.url,
        title=article.title,
        published=article.published,
        blocks=body_to_blocks(article.body, article.url),
        images=article.images,
        attachments=article.attachments,
        cms=article.cms,
    )


def body_to_blocks(body: HtmlElement, base_url: str) -> list[Block]:
    """The body's Markdown blocks in document order (the input tree is not modified)."""
    return render_blocks(clean_body(link_players(body, base_url), base_url))  # videos: archiver.media
