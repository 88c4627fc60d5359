"""The shape every CMS preset has: ordered selector lists for each article field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """Selectors for one CMS, each tuple tried in order; the first that matches wins.

    `title_meta`/`date_meta` name `<meta name=…>` tags that carry the field when the template has
    them; `date_regions` are elements whose text holds the publication date (the "info line");
    `body` finds the article body container; `attachment_links` finds attachment anchors anywhere
    in the article area; `strip` removes non-article parts that templates put inside the body.
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
    strip: tuple[str, ...] = ()
