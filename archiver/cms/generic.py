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
    tagged = next((node for node in fragment.iter() if node.get("x")), None)
    found = doc.xpath(tagged.get("x")) if tagged is not None else []
    anchor = found[0] if found and isinstance(found[0], HtmlElement) else doc.find("body")
    for node in fragment.iter():
        node.attrib.pop("x", None)
    if anchor is None:
        return None
    return fragment, anchor


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
