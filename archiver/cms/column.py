"""An article page's column: recognising that a probed page is an article, not a list, and
finding the list it belongs to, so `archiver probe` can say where to point it instead.

WebPlus encodes the column in the article URL (`/2026/0527/c72a302753/page.htm` is article
302753 of column 72, whose list is `/72/list.htm`). VSB does not (`/info/1018/2227.htm`: 1018 is
an internal id), but its templates print the column in the breadcrumb (`当前位置：首页 > 通知公告`),
whose last link is the column's list.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from lxml.html import HtmlElement

from archiver.cms.base import Preset
from archiver.urls import resolve

_WEBPLUS_ARTICLE = re.compile(r"/c(\d+)a\d+/pagem?\.(?:htm|html|psp|jsp)$")
_CRUMB_CLASS = re.compile(r"crumb|position|location|dqwz|weizhi|lujing|daohang|path", re.IGNORECASE)
_CRUMB_TEXT = ("当前位置", "您的位置", "你的位置", "所在位置", "当前位置：")
_HOME_TEXTS = frozenset({"首页", "网站首页", "主页", "home", "Home"})


def is_article_url(url: str, preset: Preset) -> bool:
    """Whether `url` has the preset's article form (`/info/N/N.htm`, `/cNaN/page.htm`)."""
    return bool(preset.article_url) and re.search(preset.article_url, url) is not None


def column_list_url(doc: HtmlElement, url: str) -> str | None:
    """The list page of the column an article belongs to, if the page or its URL says."""
    parts = urlsplit(url)
    match = _WEBPLUS_ARTICLE.search(parts.path)
    if match:
        return urlunsplit((parts.scheme, parts.netloc, f"/{match.group(1)}/list.htm", "", ""))
    crumb = _breadcrumb(doc)
    if crumb is None:
        return None
    links = [a for a in crumb.iter("a") if (a.get("href") or "").strip()
             and not a.get("href", "").startswith("javascript")
             and " ".join(a.text_content().split()) not in _HOME_TEXTS]
    return resolve(url, links[-1].get("href")) if links else None


def _breadcrumb(doc: HtmlElement) -> HtmlElement | None:
    for node in doc.iter():
        if not isinstance(node.tag, str) or node.tag in ("html", "body", "head"):
            continue
        marked = _CRUMB_CLASS.search(f"{node.get('class') or ''} {node.get('id') or ''}")
        if marked or any(text in (node.text or "") for text in _CRUMB_TEXT):
            if any(True for _ in node.iter("a")):
                return node
            parent = node.getparent()
            if parent is not None and any(True for _ in parent.iter("a")) and len(parent) <= 12:
                return parent
    return None
