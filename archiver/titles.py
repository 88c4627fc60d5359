"""The article's title: where templates put it, including templates nobody wrote a selector for.

A cascade of named steps (see `extract_title`): the CMS's meta tag, a preset heading the `<title>`
repeats, a title block that opens the body, the heading above the info line, any element whose
whole text the `<title>` begins with, the first preset heading, and last the `<title>` without its
site suffix. Pure functions on a parsed page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml.html import HtmlElement

from archiver.cms.base import Preset
from archiver.config import ArticleRules
from archiver.css import select
from archiver.dates import find_date
from archiver.nodes import (
    BLOCKS,
    HEADINGS,
    NOT_TEXT,
    clean_text,
    contains,
    document_order,
    first_match,
    meta_values,
    node_text,
    text_before,
)

# "标题-某某大学新闻网", "标题_学院", "标题 | 网站": the site name follows the last separator.
_TITLE_SUFFIX = re.compile(r"\s*(?:-|_|\||—|－)\s*[^-_|—－]*$")
_TITLE_SEPARATOR = re.compile(r"\s*(?:-|_|\||—|－)")
# A `<title>` part that names the site rather than the article: 某某大学, 某某学院, 某某新闻网 …
_INSTITUTION = re.compile(
    r"(?:大学|学院|学校|研究生院|研究院|研究所|中心|实验室|网|系|部|处|办公室|委员会|"
    r"University|College|School|Institute)\s*$",
    re.IGNORECASE,
)
# A title is at least this long and at most this long (in characters).
MIN_TITLE_CHARS = 2
MAX_TITLE_CHARS = 120
# A field line of an info block: a short label and a colon (`来源：`, `播放次数：`).
_FIELD_LABEL = re.compile(r"^[^：:]{1,8}[：:]")
# An info line (date, source, clicks) is at most this long.
INFO_LINE_CHARS = 80


def extract_title(
    doc: HtmlElement, body: HtmlElement, preset: Preset, rules: ArticleRules, content: HtmlElement | None = None
) -> str:
    """Meta tag, then a heading before the body, then the `<title>` without its site suffix.

    Of several headings, the one the `<title>` starts with wins: templates also use `h2`/`.title`
    for column names and banners, but the browser title repeats the article's. Then, in order:
    a title block that opens the body itself (`content`, which loses it); the heading right
    above the info line (`title_before_info_line`: sites whose `<title>` is the same on every
    page); any element before the body whose whole text the `<title>` begins with
    (`title_named_element`: templates nobody wrote a selector for put the heading in a
    `td.titlestyle1234` of an older component, an unclassed `<td>`, an `<h4>` outside the form);
    the first preset heading; and last the `<title>` minus its site suffix, which may have two
    parts (`标题-学院名-大学名`).
    """
    if rules.title:
        return node_text(first_match(doc, (rules.title,)))
    meta = _meta_title(doc, preset)
    if meta:
        return meta
    page_title = node_text(first_match(doc, ("title",)))
    candidates = _headings_before(doc, body, preset)
    for text in candidates:
        if page_title.startswith(text):
            return text
    leading = _leading_title(content, page_title) if content is not None else None
    if leading is not None:
        text = node_text(leading)
        leading.drop_tree()
        return text
    headed = title_before_info_line(doc, body)
    if headed:
        return headed
    named = title_named_element(doc, body, page_title)
    if named:
        return named
    if candidates:
        return candidates[0]
    return strip_site_suffix(page_title)


def _meta_title(doc: HtmlElement, preset: Preset) -> str:
    """The first non-blank value of the preset's title meta tags, or ""."""
    for name in preset.title_meta:
        for value in meta_values(doc, name):
            if clean_text(value):
                return clean_text(value)
    return ""


def _headings_before(doc: HtmlElement, body: HtmlElement, preset: Preset) -> list[str]:
    """Texts of the preset's title elements that come before the body and are outside it."""
    order = document_order(doc)
    body_at = order[body]
    return [
        text
        for selector in preset.title
        for node in select(doc, selector)
        if (text := node_text(node)) and order.get(node, body_at) < body_at and not contains(node, body)
    ]


def title_named_element(doc: HtmlElement, body: HtmlElement, page_title: str) -> str:
    """The text of the element before the body that the `<title>` begins with, followed by
    nothing or a separator (so a menu entry that is only a prefix of the heading loses to it);
    compared case-insensitively, since some templates upper-case the `<title>`. The longest
    match wins, then the one nearest the body."""
    best = ""
    limit = len(page_title)
    for node in _elements_before(doc, body):
        if not page_title.casefold().startswith(clean_text(node.text or "")[:limit].casefold()):
            continue  # its text starts with something else: it cannot be a prefix of the title
        text = node_text(node)
        if len(text) >= len(best) and len(text) >= MIN_TITLE_CHARS and names_title(page_title, text):
            best = text
    return best


def title_before_info_line(doc: HtmlElement, body: HtmlElement) -> str:
    """The heading right above the info line (`时间：2016-06-30 来源：`) that sits right above the
    body: where every template puts the title, whatever element it is (a styled `<p>`)."""
    blocks = [node for node in _elements_before(doc, body)
              if node.tag in BLOCKS and node_text(node)
              and not any(node_text(inner) for inner in node.iter(*BLOCKS) if inner is not node)]
    if len(blocks) < 2:
        return ""
    info, heading = node_text(blocks[-1]), node_text(blocks[-2])
    if len(info) > INFO_LINE_CHARS or find_date(info) is None or find_date(heading) is not None:
        return ""
    if _FIELD_LABEL.match(heading):
        return ""  # another field of the info block (播放次数：…), not a heading
    return heading if MIN_TITLE_CHARS <= len(heading) <= MAX_TITLE_CHARS else ""


def strip_site_suffix(page_title: str) -> str:
    """`标题-学院名-大学名` → `标题`: the last part always, and parts before it while they name an
    institution (`…学院`, `…大学`, `…网` …)."""
    title = _TITLE_SUFFIX.sub("", page_title) or page_title
    while True:
        match = _TITLE_SUFFIX.search(title)
        if match is None or match.start() == 0 or not _INSTITUTION.search(match.group()):
            return title
        title = title[: match.start()]


def names_title(page_title: str, text: str) -> bool:
    """Whether `page_title` is `text`, or `text` followed by a site suffix."""
    head, rest = page_title[: len(text)], page_title[len(text):]
    return head.casefold() == text.casefold() and (not rest or bool(_TITLE_SEPARATOR.match(rest)))


def _elements_before(doc: HtmlElement, body: HtmlElement) -> Iterable[HtmlElement]:
    """Elements of the page's `<body>` that come before `body` and do not contain it."""
    page = doc.find("body")
    around = set(body.iterancestors())
    for node in (page if page is not None else doc).iter():
        if node is body:
            return
        if isinstance(node.tag, str) and node.tag not in NOT_TEXT and node not in around:
            yield node


def _leading_title(content: HtmlElement, page_title: str) -> HtmlElement | None:
    """A title block that opens the body, with no text before it: a heading the `<title>` begins
    with, or any block whose class names it a title (`p.content_title`)."""
    for node in content.iter():
        if node is content or not isinstance(node.tag, str):
            continue
        text = node_text(node)
        if not text:
            continue
        titled = "title" in (node.get("class") or "").lower()
        if titled or (node.tag in HEADINGS and names_title(page_title, text)):
            short = len(text) <= MAX_TITLE_CHARS
            return node if short and not text_before(content, node) else None
        if clean_text(node.text or "") or node.tag in HEADINGS:
            return None  # text comes first
    return None
