"""CSS selection with compiled selectors.

lxml's `element.cssselect(css)` translates the selector to XPath on every call (measured: more
than half of extraction time); presets use a few dozen selectors on every page, so each is
translated once and kept, per thread: an lxml XPath object evaluates one document at a time
(it holds a lock), and a process may extract articles on more than one thread, so a shared one
would make an article wait for a slow selector on another page.
"""

from __future__ import annotations

import threading

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement


MAX_CACHED = 1024
_per_thread = threading.local()


def compiled(selector: str) -> CSSSelector:
    """The selector translated to XPath once per thread (HTML rules: case-insensitive tag names)."""
    cache: dict[str, CSSSelector] | None = getattr(_per_thread, "selectors", None)
    if cache is None or len(cache) >= MAX_CACHED:
        cache = _per_thread.selectors = {}
    found = cache.get(selector)
    if found is None:
        found = cache[selector] = CSSSelector(selector, translator="html")
    return found


def select(node: HtmlElement, selector: str) -> list[HtmlElement]:
    """`node.cssselect(selector)`, without translating the selector again.

    `:contains()` compiles to an XPath extension function that lxml resolves per document, so a
    compiled one fails on the next page (lxml 6: "XPath function '{}lower-case' not found");
    those few selectors (probe's pager text) are translated on each call.
    """
    if ":contains(" in selector:
        return node.cssselect(selector)
    return compiled(selector)(node)
