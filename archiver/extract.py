"""Page understanding: pure functions from (URL, HTML) to the fields of an article.

Nothing here does I/O or knows about Scrapy, so a saved page is a complete test input and
`archiver extract FILE.html` runs the very code the crawler runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from archiver.cms.base import Preset
from archiver.config import ArticleRules
from archiver.dates import find_date

_WS = re.compile(r"\s+")
# "标题-某某大学新闻网", "标题_学院", "标题 | 网站": the site name follows the last separator.
_TITLE_SUFFIX = re.compile(r"\s*(?:-|_|\||—|－)\s*[^-_|—－]*$")


class ExtractionError(Exception):
    """The page is not an article this preset can read; `reason` doubles as a stats key."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Attachment:
    """A downloadable file linked from the article (附件): its visible name and absolute URL."""

    name: str
    href: str


@dataclass
class ExtractedArticle:
    """What a page says, before any clean-up of the body: the first step of the data flow."""

    url: str
    title: str
    published: datetime | None
    body: HtmlElement
    images: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    cms: str = ""


def parse_html(html: str | bytes) -> HtmlElement:
    """Parse a whole page; bytes are decoded by lxml from the page's own declaration."""
    if isinstance(html, str):
        # lxml refuses str input that carries an XML encoding declaration.
        html = html.lstrip("\ufeff")
    try:
        return lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as exc:
        raise ExtractionError("unparsable", f"cannot parse HTML: {exc}") from exc


def extract_article(
    html: str | bytes | HtmlElement,
    url: str,
    preset: Preset,
    rules: ArticleRules | None = None,
) -> ExtractedArticle:
    """Read title, date, body, images and attachments; raise ExtractionError if there is no body."""
    doc = html if isinstance(html, HtmlElement) else parse_html(html)
    rules = rules or ArticleRules()
    for selector in preset.strip:
        for node in doc.cssselect(selector):
            node.drop_tree()
    area = _first(doc, preset.article_area)
    area = doc if area is None else area
    body = _find_body(doc, preset, rules)
    if body is None:
        raise ExtractionError("no_body", f"no article body found on {url}")
    attachments = extract_attachments(area, url, preset)
    title = extract_title(doc, preset, rules)
    if not title:
        raise ExtractionError("no_title", f"no article title found on {url}")
    return ExtractedArticle(
        url=url,
        title=title,
        published=extract_date(doc, area, body, preset, rules),
        body=body,
        images=extract_images(body, url),
        attachments=attachments,
        cms=preset.name,
    )


def extract_title(doc: HtmlElement, preset: Preset, rules: ArticleRules) -> str:
    """Meta tag first, then the article heading; the `<title>` (with its site suffix) last."""
    if rules.title:
        return _text(_first(doc, (rules.title,)))
    for name in preset.title_meta:
        for meta in doc.xpath("//meta[@name=$n]/@content", n=name):
            if meta.strip():
                return clean_text(meta)
    for selector in preset.title:
        for node in doc.cssselect(selector):
            text = _text(node)
            if text:
                return text
    page_title = _text(_first(doc, ("title",)))
    return _TITLE_SUFFIX.sub("", page_title) or page_title


def extract_date(
    doc: HtmlElement,
    area: HtmlElement,
    body: HtmlElement,
    preset: Preset,
    rules: ArticleRules,
) -> datetime | None:
    """Publication date (UTC+08:00) from a meta tag, the info line, or the text before the body."""
    if rules.date:
        return find_date(_text(_first(doc, (rules.date,))))
    for name in preset.date_meta:
        for meta in doc.xpath("//meta[@name=$n]/@content", n=name):
            found = find_date(meta)
            if found:
                return found
    for selector in preset.date_regions:
        for node in area.cssselect(selector):
            if node is body or _contains(node, body):
                continue
            found = find_date(_text(node))
            if found:
                return found
    return find_date(_text_before(area, body))


def extract_images(body: HtmlElement, url: str) -> list[str]:
    """Absolute URLs of the body's images, in document order (`data:` URIs are not kept)."""
    images = []
    for img in body.iter("img"):
        src = (img.get("src") or "").strip()
        if src and not src.lower().startswith("data:"):
            images.append(urljoin(url, src))
    return images


def extract_attachments(area: HtmlElement, url: str, preset: Preset) -> list[Attachment]:
    """Attachment links (附件) in the article area, first occurrence of each URL kept."""
    seen: dict[str, Attachment] = {}
    for selector in preset.attachment_links:
        for link in area.cssselect(selector):
            href = urljoin(url, (link.get("href") or "").strip())
            name = _text(link)
            if href not in seen and name:
                seen[href] = Attachment(name=name, href=href)
    return list(seen.values())


def clean_text(text: str) -> str:
    """Collapse every white-space run (ASCII, no-break, ideographic) to one space and strip."""
    return _WS.sub(" ", text).strip()


def _find_body(doc: HtmlElement, preset: Preset, rules: ArticleRules) -> HtmlElement | None:
    selectors = (rules.body,) if rules.body else preset.body
    for selector in selectors:
        for node in doc.cssselect(selector):
            if _has_content(node):
                return node
    return None


def _has_content(node: HtmlElement) -> bool:
    return bool(clean_text(node.text_content())) or any(True for _ in node.iter("img"))


def _first(doc: HtmlElement, selectors: tuple[str, ...]) -> HtmlElement | None:
    for selector in selectors:
        found = doc.cssselect(selector)
        if found:
            return found[0]
    return None


def _text(node: HtmlElement | None) -> str:
    return clean_text(node.text_content()) if node is not None else ""


def _contains(ancestor: HtmlElement, node: HtmlElement) -> bool:
    return any(parent is ancestor for parent in node.iterancestors())


def _text_before(area: HtmlElement, body: HtmlElement) -> str:
    """The area's text up to where the body starts: where templates put the info line."""
    parts = []
    for node in area.iter():
        if node is body:
            break
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        if node.tail and not _contains(node, body):
            parts.append(node.tail)
    return " ".join(parts)
