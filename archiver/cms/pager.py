"""List-page pagers: how many pages a column has and which way their numbers run.

VSB numbers list pages **down**: page 1 is `xw.htm`, page 2 is `xw/<N-1>.htm`, the oldest is
`xw/1.htm`. WebPlus numbers them **up**: `list.htm`, `list2.htm` … `list<N>.htm`. Both pagers
also print the totals (`共300条`, `17/18`, `all_pages`). The crawl itself only follows the
"next" link; these readings tell a person (`archiver probe`) what a backfill will walk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.html import HtmlElement
from archiver.css import select

_NUMBER = re.compile(r"(\d+)\.s?html?$")
_OLD_VSB = re.compile(r"共\s*(\d+)\s*条\s*(\d+)\s*/\s*(\d+)")
_ITEMS = re.compile(r"共\s*(\d+)\s*条")
_PAGE_OF = re.compile(r"(\d+)\s*/\s*(\d+)\s*页")


@dataclass(frozen=True)
class Pager:
    """What a list page's pager says; None where it does not say."""

    current: int | None
    total: int | None
    items: int | None
    numbering: str | None  # "down" (VSB), "up" (WebPlus), or None when unknown

    def describe(self) -> str:
        """One line for people: `page 1 of 33, 300 items, numbered down`."""
        parts = []
        if self.current and self.total:
            parts.append(f"page {self.current} of {self.total}")
        elif self.total:
            parts.append(f"{self.total} pages")
        if self.items:
            parts.append(f"{self.items} items")
        if self.numbering:
            parts.append(f"numbered {self.numbering}")
        return ", ".join(parts) or "no page count shown"


# Texts of pager controls (首页 上页 1 2 3 下页 尾页 …): a link saying one is never an article,
# whatever a list selector matches (a table-era VSB list keeps its pager inside the list table).
PAGER_TEXTS = frozenset(
    "首页 上页 下页 尾页 上一页 下一页 末页 前页 后页 第一页 最后一页 上一頁 下一頁 "
    "first prev previous next last « » ‹ › < > << >>".split()
)


def is_pager_text(text: str) -> bool:
    """Whether a link's text names a pager control or a page number."""
    text = " ".join(text.split()).lower()
    return text in PAGER_TEXTS or text.strip("[]").isdigit()


# The "last page" link of VSB's two pagers, WebPlus's, and others'.
LAST_LINK = '.p_last a[href], .wp_paging a.last[href], a.Next[href]:contains("尾页"), a[href]:contains("尾页")'


def read_pager(doc: HtmlElement, url: str, next_url: str | None) -> Pager:
    """Read the pager of a VSB (`span.p_pages` or `共N条 a/b`) or WebPlus (`ul.wp_paging`) list."""
    current, total, items = _webplus_counts(doc)
    if total is None:
        current, total, items = _vsb_counts(doc)
    last = next((a.get("href") for a in select(doc, LAST_LINK)
                 if not a.get("href", "").startswith("javascript")), None)
    return Pager(current, total, items, _numbering(url, next_url, last, current))


def _webplus_counts(doc: HtmlElement) -> tuple[int | None, int | None, int | None]:
    return (
        _int(doc, ".wp_paging .curr_page"),
        _int(doc, ".wp_paging .all_pages"),
        _int(doc, ".wp_paging em.all_count") or _int(doc, ".wp_paging .all_count"),
    )


def _vsb_counts(doc: HtmlElement) -> tuple[int | None, int | None, int | None]:
    for node in select(doc, "span.p_pages"):
        container = node.getparent() if node.getparent() is not None else node
        numbers = [int(t) for t in (_text(n) for n in select(node, ".p_no, .p_no_d")) if t.isdigit()]
        current = next((int(_text(n)) for n in select(node, ".p_no_d") if _text(n).isdigit()), None)
        text = _text(container)
        page_of = _PAGE_OF.search(text)
        if page_of:
            current, total = int(page_of.group(1)), int(page_of.group(2))
        else:
            total = max(numbers) if numbers else None
        items = _ITEMS.search(text)
        return current, total, int(items.group(1)) if items else None
    for node in doc.iter("td", "div", "span"):
        if node.text and "共" in node.text:
            match = _OLD_VSB.search(_text(node))
            if match:
                return int(match.group(2)), int(match.group(3)), int(match.group(1))
    return None, None, None


def _numbering(url: str, next_url: str | None, last_url: str | None, current: int | None) -> str | None:
    """Down when the last page is number 1 (VSB's `xw/1.htm`) or the next page's number is
    smaller than this one's; up when the next page's number is this one's plus one."""
    last = _NUMBER.search(urlsplit(last_url or "").path)
    if last is not None:
        return "down" if int(last.group(1)) == 1 else "up"
    here = _NUMBER.search(urlsplit(url).path)
    there = _NUMBER.search(urlsplit(next_url or "").path)
    if there is None:
        return None
    page = current or (int(here.group(1)) if here else 1)
    return "up" if int(there.group(1)) == page + 1 else "down"


def _int(doc: HtmlElement, selector: str) -> int | None:
    for node in select(doc, selector):
        text = _text(node)
        if text.isdigit():
            return int(text)
    return None


def _text(node: HtmlElement) -> str:
    return " ".join(node.text_content().split())
