"""Reading a list page without knowing its template: where the article links and the pager are.

`archiver probe` uses this to propose a source. The CMS preset's own selectors are tried first;
when they miss the page's main list (a template class the preset does not know), the list is
found by shape: the container holding the most distinct article-like links (links whose URL
has the CMS's article form, or for other sites on-site links with a title-long text), and a
CSS selector for that container is proposed. The pager is the preset's "next" link, else a link
whose text says "next page" (`下一页`, `下页` …), selected with cssselect's `:contains()`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from archiver.cms.base import Preset
from archiver.cms.pager import Pager, is_pager_text, read_pager
from archiver.css import select
from archiver.urls import link_target

# Link texts of "next page" in Chinese and English pagers, most specific first.
NEXT_TEXTS = ("下一页", "下页", "后页", "下一頁", "Next", "next")
# A title is longer than a menu entry; generic list links need at least this many characters.
MIN_TITLE_CHARS = 6
# A proposed selector may match other containers of the same shape, but not many more links.
MAX_EXTRA_RATIO = 2.0
_CONTAINER_TAGS = frozenset("ul ol dl table tbody div section td".split())
_SAFE_CLASS = re.compile(r"^[A-Za-z_][-A-Za-z0-9_]*$")
_NOT_SCRIPT = ':not([href^="javascript"])'


@dataclass(frozen=True)
class ListReading:
    """What a list page shows and the selectors that read it.

    `items_selector`/`next_selector` are None when the preset's defaults already work, so a
    source needs no `list:` section.
    """

    links: list[str]
    items_selector: str | None
    next_url: str | None
    next_selector: str | None
    pager: Pager


def read_list(doc: HtmlElement, url: str, preset: Preset) -> ListReading:
    """The article links, next page and pager of a list page, with selectors where needed."""
    candidates = article_links(doc, url, preset)
    group = main_group(candidates)
    items_selector = None
    links = _distinct(url, group)
    if preset.list_items:
        from_preset = _distinct(url, [a for a in select(doc, preset.list_items)
                                      if a in set(candidates)])
        if from_preset and _covers(from_preset, links):
            links = from_preset
        else:
            items_selector = selector_for_group(doc, url, group, candidates)
    elif group:
        items_selector = selector_for_group(doc, url, group, candidates)
    next_url, next_selector = find_next(doc, url, preset)
    return ListReading(links, items_selector, next_url, next_selector,
                       read_pager(doc, url, next_url))


def article_links(doc: HtmlElement, url: str, preset: Preset) -> list[HtmlElement]:
    """Links that look like article links: the preset's URL form, or on-site with a title."""
    pattern = re.compile(preset.article_url) if preset.article_url else None
    host = urlsplit(url).hostname
    found = []
    for link in doc.iter("a"):
        href = _href(url, link)
        if not href or href.split("#")[0] == url or is_pager_text(_title(link)):
            continue
        if pattern is not None:
            if pattern.search(href):
                found.append(link)
        elif urlsplit(href).hostname == host and len(_title(link)) >= MIN_TITLE_CHARS:
            found.append(link)
    return found


def main_group(links: list[HtmlElement]) -> list[HtmlElement]:
    """The links of the container holding the most distinct article URLs (ties: first on page).

    Each link belongs to its nearest ancestor that holds at least two distinct article URLs, so
    an item's several links to one article (picture, title, "more") stay one item.
    """
    urls_under: dict[HtmlElement, set[str]] = defaultdict(set)
    for link in links:
        for ancestor in link.iterancestors():
            urls_under[ancestor].add(link.get("href", "").strip())
    groups: dict[HtmlElement, list[HtmlElement]] = {}
    for link in links:
        for ancestor in link.iterancestors():
            if len(urls_under[ancestor]) >= 2:
                groups.setdefault(ancestor, []).append(link)
                break
    if not groups:
        return links[:1]
    return max(groups.values(), key=lambda members: len({m.get("href") for m in members}))


def selector_for_group(
    doc: HtmlElement, url: str, group: list[HtmlElement], candidates: list[HtmlElement]
) -> str | None:
    """A CSS selector for the group's links: its container by class or id, made more specific
    with ancestors until it no longer picks up many article links from elsewhere."""
    if not group:
        return None
    wanted = set(_distinct(url, group))
    container = _common_ancestor(group)
    allowed = set(candidates)
    path: list[str] = []
    node: HtmlElement | None = container
    while node is not None and node.tag != "html":
        step = _css_step(node)
        if step:
            path.insert(0, step)
            selector = " ".join(path) + " a[href]"
            picked = set(_distinct(url, [a for a in select(doc, selector) if a in allowed]))
            if wanted <= picked and len(picked) <= MAX_EXTRA_RATIO * len(wanted):
                return selector
        node = node.getparent()
    return None


def find_next(doc: HtmlElement, url: str, preset: Preset) -> tuple[str | None, str | None]:
    """The next list page's URL, and a selector for it when the preset's does not find it."""
    if preset.next_page:
        for link in select(doc, preset.next_page):
            href = _href(url, link)
            if href:
                return href, None
    for text in NEXT_TEXTS:
        selector = f'a[href]:contains("{text}"){_NOT_SCRIPT}'
        for link in select(doc, selector):
            href = _href(url, link)
            if href:
                return href, selector
            break
    return None, None


def _covers(found: list[str], wanted: list[str]) -> bool:
    """The preset's links are the page's main list: most of it, and not much besides."""
    hits = len(set(found) & set(wanted))
    return hits >= 0.8 * len(wanted) and len(found) <= MAX_EXTRA_RATIO * max(len(wanted), 1)


def _common_ancestor(links: list[HtmlElement]) -> HtmlElement:
    chains = [list(link.iterancestors()) for link in links]
    shared = set(chains[0]).intersection(*map(set, chains[1:]))
    node = next(a for a in chains[0] if a in shared)
    while node.tag not in _CONTAINER_TAGS and node.getparent() is not None:
        node = node.getparent()
    return node


def _css_step(node: HtmlElement) -> str:
    """`tag.class1.class2` or `tag#id` for an element, or "" when it has neither usable."""
    classes = [c for c in (node.get("class") or "").split() if _SAFE_CLASS.match(c)]
    if classes:
        return node.tag + "".join(f".{c}" for c in classes)
    ident = node.get("id") or ""
    if _SAFE_CLASS.match(ident):
        return f"{node.tag}#{ident}"
    return ""


def _href(url: str, link: HtmlElement) -> str:
    return link_target(url, link.get("href"))


def _title(link: HtmlElement) -> str:
    return " ".join((link.text_content() or link.get("title") or "").split())


def _distinct(url: str, links: list[HtmlElement]) -> list[str]:
    return list(dict.fromkeys(href for href in (_href(url, a) for a in links) if href))
