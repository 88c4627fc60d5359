"""CSS selection with compiled selectors.

lxml's `element.cssselect(css)` translates the selector to XPath on every call (measured: more
than half of extraction time); presets use a few dozen selectors on every page, so each is
translated once and kept.
"""

from __future__ import annotations

from functools import lru_cache

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement


@lru_cache(maxsize=1024)
def compiled(selector: str) -> CSSSelector:
    """The selector translated to XPath once (HTML rules: case-insensitive tag names)."""
    return CSSSelector(selector, translator="html")


def select(node: HtmlElement, selector: str) -> list[HtmlElement]:
    """`node.cssselect(selector)`, without translating the selector again.

    `:contains()` compiles to an XPath extension function that lxml resolves per document, so a
    compiled one fails on the next page (lxml 6: "XPath function '{}lower-case' not found");
    those few selectors (probe's pager text) are translated on each call.
    """
    if ":contains(" in selector:
        return node.cssselect(selector)
    return compiled(selector)(node)
