"""Small pure helpers on parsed pages that the extraction modules share: visible text, the
first match of a selector list, meta tags, document order and what comes before an element."""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml.html import HtmlElement

from archiver.css import select

_WS = re.compile(r"\s+")
# Elements whose start and end delimit a paragraph; an attachment's own paragraph is one of them.
BLOCKS = frozenset("p div li td th dd dt h1 h2 h3 h4 h5 h6 section blockquote center".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Elements whose text a reader never sees.
NOT_TEXT = frozenset("script style noscript head title".split())


def clean_text(text: str) -> str:
    """Collapse every white-space run (ASCII, no-break, ideographic) to one space and strip."""
    return _WS.sub(" ", text).strip()


def meta_values(doc: HtmlElement, name: str) -> list[str]:
    """Contents of `<meta name|property|itemprop=name>` (names compared case-insensitively)."""
    return doc.xpath(
        "//meta[translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')=$n"
        " or @property=$n or @itemprop=$n]/@content",
        n=name.lower(),
    )


def select_all(root: HtmlElement, selectors: Iterable[str]) -> list[HtmlElement]:
    """Every match of every selector, selector by selector."""
    return [node for selector in selectors for node in select(root, selector)]


def first_match(doc: HtmlElement, selectors: tuple[str, ...]) -> HtmlElement | None:
    """The first match of the first selector that matches: presets list them by preference."""
    for selector in selectors:
        found = select(doc, selector)
        if found:
            return found[0]
    return None


def node_text(node: HtmlElement | None) -> str:
    """The element's text as a reader sees it on one line ("" for no element)."""
    return clean_text(node.text_content()) if node is not None else ""


def document_order(root: HtmlElement) -> dict[HtmlElement, int]:
    """Each element's position in document order, to compare "before" and "after"."""
    return {node: index for index, node in enumerate(root.iter())}


def contains(ancestor: HtmlElement, node: HtmlElement) -> bool:
    """Whether `node` is inside `ancestor` (not the element itself)."""
    return any(parent is ancestor for parent in node.iterancestors())


def text_before(doc: HtmlElement, body: HtmlElement) -> str:
    """The page's visible text up to where the body starts: where templates put the info line."""
    parts = []
    head = doc.find("head")
    in_head = set(head.iter()) if head is not None else set()
    around = set(body.iterancestors())
    for node in doc.iter():
        if node is body:
            break
        if node in in_head:
            continue
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        if node.tail and node not in around:
            parts.append(node.tail)
    return clean_text(" ".join(parts))
