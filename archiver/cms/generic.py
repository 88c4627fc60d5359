"""Generic preset: news pages of any other system, read with meta tags and readability-lxml.

The body heuristic is readability-lxml's, chosen by measurement on the real-page corpus with the
VSB/WebPlus presets switched off (`python -m bench.corpus --extractors
archiver-generic,gne,trafilatura,readability`): it kept the whole body of every page (mean
char-level F1 0.998, worst 0.966) where GNE lost Word-pasted bodies and the PDF-only page (mean
0.882, worst 0) and trafilatura kept navigation and footers (mean 0.826, worst 0). It is an
optional dependency (`pip install archiver[generic]`): VSB and WebPlus sites never need it.
Title and date come from meta tags, headings before the body and the nearest date before it,
as for the CMS presets.
"""

from __future__ import annotations

import copy

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from archiver.cms.base import Preset
from archiver.dates import find_date

INSTALL_HINT = "the generic extractor needs readability-lxml: pip install 'archiver[generic]'"


class GenericUnavailable(RuntimeError):
    """readability-lxml is not installed, so pages of an unknown CMS cannot be read."""


def readability_body(doc: HtmlElement) -> tuple[HtmlElement, HtmlElement] | None:
    """readability-lxml's cleaned main content, and the element of `doc` it was taken from.

    readability works on a copy (it rewrites the tree it scores); its `xpath` option tags every
    node with its path in that copy, which is also its path in `doc`.
    """
    try:
        from readability import Document
        from readability.readability import Unparseable
    except ImportError as exc:
        raise GenericUnavailable(INSTALL_HINT) from exc
    try:
        summary = Document(copy.deepcopy(doc), xpath=True).summary(html_partial=True)
        fragment = lxml.html.fragment_fromstring(summary)
    except (Unparseable, ParserError, ValueError):
        return None
    trim_page_furniture(fragment)
    # Where the article starts in `doc`: its first text block (title and date come before it).
    first = [node for node in _text_blocks(fragment) if node.get("x")][:1]
    tagged = first[0] if first else next((node for node in fragment.iter() if node.get("x")), None)
    found = doc.xpath(tagged.get("x")) if tagged is not None else []
    anchor = found[0] if found and isinstance(found[0], HtmlElement) else doc.find("body")
    for node in fragment.iter():
        node.attrib.pop("x", None)
    if anchor is None:
        return None
    return fragment, anchor


# How many text blocks at the top of readability's content may be page furniture.
HEADER_BLOCKS = 4
# An info line ("时间：2016-06-30 11:03:42 来源：") is short.
INFO_LINE_CHARS = 80
# Lines after the article that link to its neighbours or act on the page.
_FOOTER_START = ("上一篇", "下一篇", "上一条", "下一条", "返回", "打印", "关闭")
_BLOCKS = frozenset("p div li td h1 h2 h3 h4 h5 h6 section center".split())


def trim_page_furniture(fragment: HtmlElement) -> None:
    """Take what readability keeps around the article out of its content: a breadcrumb, the
    heading and the info line at the top (when the top blocks end with a date line, everything
    up to it is the page's header, not the article), and 上一篇/下一篇 lines at the end."""
    blocks = _text_blocks(fragment)
    for index, block in enumerate(blocks[:HEADER_BLOCKS]):
        text = _text(block)
        if len(text) <= INFO_LINE_CHARS and find_date(text) and index + 1 < len(blocks):
            for header in blocks[: index + 1]:
                header.drop_tree()
            blocks = blocks[index + 1:]
            break
    for block in reversed(blocks):
        if not _text(block).startswith(_FOOTER_START):
            break
        block.drop_tree()


def _text_blocks(root: HtmlElement) -> list[HtmlElement]:
    """Blocks with text of their own, in document order (a block holding other text blocks is
    not one)."""
    found = []
    for node in root.iter(*_BLOCKS):
        if node is root or not _text(node):
            continue
        if any(_text(inner) for inner in node.iter(*_BLOCKS) if inner is not node):
            continue
        found.append(node)
    return found


def _text(node: HtmlElement) -> str:
    return " ".join(node.text_content().split())


# Other sites' pagers have no common classes, but their "next page" link says so.
NEXT_PAGE_BY_TEXT = ", ".join(
    f'a[href]:contains("{text}"):not([href^="javascript"])' for text in ("下一页", "下页", "后页")
)

GENERIC = Preset(
    name="generic",
    list_items="",  # no common list template: sources with cms generic must set list.items
    next_page=NEXT_PAGE_BY_TEXT,
    title_meta=("og:title", "ArticleTitle", "twitter:title"),
    title=("h1", ".title", "h2", "h3"),
    date_meta=("article:published_time", "PubDate", "publishdate", "pubdate", "datePublished"),
    date_regions=(),
    body=(),
    article_area=(),
    attachment_links=(),
    strip=("script", "style", "noscript"),
    body_finder=readability_body,
)
