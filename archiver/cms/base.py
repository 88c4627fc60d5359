"""The shape every CMS preset has: ordered selector lists for each article field, as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml.html import HtmlElement

# (CSS selector, attribute that holds the file's URL) for elements that embed a file or a video.
Embed = tuple[str, str]


@dataclass(frozen=True)
class Preset:
    """Selectors for one CMS, each tuple tried in order; the first that matches wins.

    - `markers`: lower-case strings in a page's source that only this CMS writes (recognition).
    - `article_url`: regular expression an article URL of this CMS matches (probe, list links).
    - `list_items`, `next_page`: CSS selector groups for list pages, as the spider uses them.
    - `title_meta`/`date_meta`: `<meta name=…>` tags that carry the field when the template has
      them; `title`: headings outside the body; `date_regions`: elements whose text holds the
      publication date (the "info line").
    - `body`: the article body container; `body_finder` finds it by heuristics when no selector
      can (the generic preset), returning the body and the element of the page it stands for
      (the body may be a cleaned copy; title and date are looked for around the original).
    - `article_area`: the part of the page around title, date, body and attachments.
    - `attachment_links`: attachment anchors anywhere in the article area; `file_embeds`: file
      viewers (a PDF player) whose attribute holds the file; `video_embeds`: video placeholders
      that JavaScript replaces with a player, rewritten to `<video src>` in the body.
    - `strip`: non-article parts that templates put inside the body or the area (removed first).
    """

    name: str
    list_items: str
    next_page: str
    title_meta: tuple[str, ...]
    title: tuple[str, ...]
    date_meta: tuple[str, ...]
    date_regions: tuple[str, ...]
    body: tuple[str, ...]
    article_area: tuple[str, ...]
    attachment_links: tuple[str, ...]
    markers: tuple[str, ...] = ()
    article_url: str = ""
    file_embeds: tuple[Embed, ...] = ()
    video_embeds: tuple[Embed, ...] = ()
    strip: tuple[str, ...] = ()
    body_finder: Callable[[HtmlElement], tuple[HtmlElement, HtmlElement] | None] | None = None
