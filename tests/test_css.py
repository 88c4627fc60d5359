"""Compiled CSS selectors behave like lxml's own `cssselect`, page after page."""

from __future__ import annotations

import lxml.html

from archiver.css import select


def test_compiled_selectors_work_across_documents():
    pages = [lxml.html.fromstring(f'<div><p class="a"><a href="../{n}.htm">尾页</a></p></div>') for n in range(3)]
    for page in pages:
        assert select(page, "p.a > a[href]") == page.cssselect("p.a > a[href]")
        # :contains() compiles to a per-document extension function: still right on every page.
        assert select(page, 'a[href]:contains("尾页")') == page.cssselect('a[href]:contains("尾页")')
