"""Page understanding: pure functions from (URL, HTML) to the fields of an article.

Nothing here does I/O or knows about Scrapy, so a saved page is a complete test input and
`archiver extract FILE.html` runs the very code the crawler runs. What is read where is data in
the CMS presets (`archiver.cms`); this module applies them in a fixed order:
recognise the CMS (`cms: auto`) → turn video placeholders into `<video>` → strip template noise →
find the body → take attachments out of it → title, date, images.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html
from lxml.etree import ErrorTypes, ParserError
from lxml.html import HtmlElement, HTMLParser
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

from archiver.cms.base import Preset
from archiver.cms.detect import resolve_preset
from archiver.cms.generic import GenericUnavailable
from archiver.cms.scripts import inline_written_strings
from archiver.cms.viewers import DOCUMENT_ATTR, embed_documents
from archiver.config import ArticleRules
from archiver.dates import find_date, iter_dates
from archiver.css import select
from archiver.urls import FILE_SCHEMES, IMAGE_SCHEMES, absolute, link_target
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
    select_all,
    text_before,
)
from archiver.titles import extract_title, names_title

# Text that only labels an attachment link: 附件【…】已下载 N 次, 附件1：, 相关附件 …
_ATTACHMENT_LABEL = re.compile(
    r"^(?:相关附件|附件下载|附件|下载|已下载|次|点击|[\s\d:：、,，.。;；()（）【】\[\]<>《》—-])*$"
)
_SUDYFILE_TITLE = re.compile(r"""['"]title['"]\s*:\s*['"]([^'"]+)['"]""")
# File types that a link in an article body offers as an attachment rather than as a page.
FILE_EXTENSIONS = frozenset(
    "pdf doc docx xls xlsx ppt pptx wps et dps zip rar 7z txt csv odt ods odp ceb caj".split()
)
# How far before the body (in characters of text) an undeclared date may sit.
DATE_WINDOW = 300
# How many levels `widen_body` may go up from the body container.
MAX_WIDEN = 3
# A page without a body that lists this many article links is a list page.
MIN_LIST_ITEMS = 3
# Share of an outer body container's text a nested copy must hold to be the body instead.
INNER_SHARE = 0.5
# Image attributes that hold the real picture when `src` is a placeholder or missing.
_LAZY_SRC = ("data-src", "data-original", "orisrc")


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


_NON_ASCII = re.compile(rb"[\x80-\xff]+")
# Share of the non-ASCII bytes that must be valid UTF-8 text (runs with 3-byte sequences, i.e.
# CJK) for a page that is not valid UTF-8 to count as mixed rather than GBK: in GBK text a run
# of several characters is valid UTF-8 only by rare accident.
MIXED_UTF8_SHARE = 0.05


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Text of a saved or fetched page, in this order:

    1. a byte-order mark decides;
    2. bytes that are valid UTF-8 are UTF-8, whatever the page declares (mirrors and "save as"
       copies keep a `<meta charset=gb2312>` after re-encoding the file as UTF-8);
    3. a page that is mostly UTF-8 but has stretches that are not (a UTF-8 template around text
       pasted from a GBK source) is read stretch by stretch: each run of non-ASCII bytes between
       two ASCII characters is UTF-8 when valid, else GB18030 (see `decode_mixed`);
    4. otherwise the charset declared in `content_type` or the page, except UTF-8, which the
       bytes have just disproved: GB18030 then, as for a page that declares nothing (GB18030 is
       the superset of GBK and GB2312, what Chinese sites use besides UTF-8).
    """
    if read_bom(data)[0] is not None:
        return html_to_unicode(content_type, data)[1]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return decode_mixed(data)
    for declared in (http_content_type_encoding(content_type), html_body_declared_encoding(data)):
        encoding = resolve_encoding(declared) if declared else None
        if encoding and encoding != "utf-8":
            return to_unicode(data, encoding)
    return to_unicode(data, "gb18030")


def _mostly_utf8(data: bytes) -> bool:
    utf8 = other = 0
    for run in _NON_ASCII.findall(data):
        try:
            run.decode("utf-8")
        except UnicodeDecodeError:
            other += len(run)
            continue
        if max(run) >= 0xE0:  # a 3-byte sequence: CJK and most other text
            utf8 += len(run)
    return utf8 > 0 and utf8 >= MIXED_UTF8_SHARE * (utf8 + other)


def decode_mixed(data: bytes) -> str:
    """Decode each run of non-ASCII bytes on its own: as UTF-8 when it is valid, else as GB18030.

    A run that is valid UTF-8 only in two-byte sequences (Latin, Greek, Cyrillic …) but reads
    as Chinese in GB18030 is taken as GB18030: one or two GBK characters alone between two
    tags (Word wraps single characters in spans) are valid UTF-8 about one time in ten, while
    a lone "é" between tags of a Chinese page is rare. A GB18030 character can end in an
    ASCII-range byte (GBK's second byte may be 0x40–0x7E, a four-byte sequence holds two
    digits), so a GB18030 run is extended to its last whole character. UTF-8 text touching GBK
    text with no ASCII character between them is one run, and read as GB18030.
    """
    out: list[str] = []
    position = 0
    while (match := _NON_ASCII.search(data, position)) is not None:
        out.append(data[position:match.start()].decode("ascii"))
        run = match.group()
        text = _utf8_run(run)
        if text is None:
            end = _gb18030_end(data, match.start(), match.end())
            text = to_unicode(data[match.start():end], "gb18030")
        else:
            end = match.end()
        out.append(text)
        position = end
    out.append(data[position:].decode("ascii"))
    return "".join(out)


def _utf8_run(run: bytes) -> str | None:
    """`run` as UTF-8, or None if it is not UTF-8 or is more likely GBK (see `decode_mixed`)."""
    try:
        text = run.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if max(run) < 0xE0:  # only two-byte sequences
        try:
            gbk = run.decode("gb18030")
        except UnicodeDecodeError:
            return text
        if all(_is_chinese(char) for char in gbk):
            return None
    return text


def _is_chinese(char: str) -> bool:
    """CJK ideographs, CJK punctuation and full-width forms: what GBK text is made of."""
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF


def _gb18030_end(data: bytes, start: int, end: int) -> int:
    """Where the GB18030 characters that start at `start` and cover `start:end` end."""
    i = start
    while i < end:
        if 0x81 <= data[i] <= 0xFE and i + 1 < len(data):
            i += 4 if 0x30 <= data[i + 1] <= 0x39 else 2
        else:
            i += 1
    return min(i, len(data))


def parse_html(html: str | bytes) -> HtmlElement:
    """Parse a whole page; bytes are decoded with `decode_html` first."""
    if isinstance(html, bytes):
        html = decode_html(html)
    # lxml refuses str input that carries an XML encoding declaration.
    html = html.lstrip("\ufeff")
    if html.startswith("<?xml"):
        html = html[html.find("?>") + 2:]
    # Without huge_tree libxml2 silently stops at a text node or attribute over 10 MB (an inline
    # data: image) or at 256 levels of nesting (unclosed <font> tags), and the article would be
    # cut short; with it, the limits are 1 GB and 2,048 levels, and hitting one is an error.
    parser = HTMLParser(huge_tree=True)
    try:
        doc = lxml.html.document_fromstring(html, parser=parser)
    except (ParserError, ValueError) as exc:
        raise ExtractionError("unparsable", f"cannot parse HTML: {exc}") from exc
    for error in parser.error_log:
        if error.type == ErrorTypes.ERR_RESOURCE_LIMIT:
            reason = "too_deep" if "depth" in error.message.lower() else "too_large"
            raise ExtractionError(reason, f"the parser gave up part way: {error.message.strip()}")
    return doc


def extract_article(
    html: str | bytes | HtmlElement,
    url: str,
    preset: Preset,
    rules: ArticleRules | None = None,
) -> ExtractedArticle:
    """Read title, date, body, images and attachments; raise ExtractionError if there is no body.

    A parsed page passed in is modified (noise removed); pass text to keep the caller's tree.
    """
    if isinstance(html, bytes):
        html = decode_html(html)
    doc = html if isinstance(html, HtmlElement) else parse_html(html)
    preset = resolve_preset(preset, html if isinstance(html, str) else doc)
    rules = rules or ArticleRules()
    area = first_match(doc, preset.article_area)
    area = doc if area is None else area
    embed_videos(doc, url, preset)
    embed_documents(doc, url, preset)
    inline_written_strings(doc)
    for selector in preset.strip:
        for node in select(doc, selector):
            node.drop_tree()
    try:
        found = find_body(doc, preset, rules)
    except GenericUnavailable as exc:
        raise ExtractionError("generic_unavailable", str(exc)) from exc
    if found is None:
        raise _no_body(doc, url, preset)
    body, anchor = found
    if body is anchor:
        headings = set(select_all(doc, preset.title))
        body = anchor = widen_body(body, area, node_text(first_match(doc, ("title",))), headings)
    _load_lazy_images(body)
    attachments = extract_attachments(area, body, url, preset)
    remove_attachment_blocks(body, url, attachments, preset)
    title = extract_title(doc, anchor, preset, rules, body)
    if not title:
        raise ExtractionError("no_title", f"no article title found on {url}")
    return ExtractedArticle(
        url=url,
        title=title,
        published=extract_date(doc, area, anchor, preset, rules),
        body=body,
        images=extract_images(body, url),
        attachments=attachments,
        cms=preset.name,
    )


def widen_body(
    body: HtmlElement, area: HtmlElement, page_title: str, headings: set[HtmlElement] | frozenset = frozenset()
) -> HtmlElement:
    """The body container, or the block around it when that block adds only article text.

    Profile templates render fields of the article outside the editor's container: a summary
    paragraph and a "主要研究方向：" label before `vsb_content_100`, the attribute list of a
    WebPlus `simpleArticleAttri` portlet before its `wp_articlecontent`. A parent block is the
    body instead when what it adds comes before the container, links nowhere and holds neither
    the title nor a date (the info line) nor a heading of the preset's (`headings`: `h1`…),
    and nothing with text follows the container (prev/next
    links, a signature block of the template); never beyond the article area.
    """
    if area.tag == "html":
        return body  # no article area known: nothing tells the article's blocks from the page's
    for _ in range(MAX_WIDEN):
        parent = body.getparent()
        if parent is None or body is area or not (parent is area or contains(area, parent)):
            return body
        if not _adds_only_article_text(parent, body, page_title, headings):
            return body
        body = parent
    return body


def _adds_only_article_text(
    parent: HtmlElement, body: HtmlElement, page_title: str, headings: set[HtmlElement] | frozenset
) -> bool:
    siblings = [child for child in parent if isinstance(child.tag, str) and child is not body]
    before = [child for child in siblings if parent.index(child) < parent.index(body)]
    after = [child for child in siblings if child not in before]
    if clean_text(parent.text or "") or any(node_text(child) or clean_text(child.tail or "") for child in after):
        return False
    if any(clean_text(child.tail or "") for child in before):
        return False
    for child in before:
        if child.tag in NOT_TEXT or child.tag == "form":
            return False
        if any(True for _ in child.iter("a")) or find_date(node_text(child)):
            return False
        if any(names_title(page_title, node_text(node)) for node in child.iter(*BLOCKS, *HEADINGS)):
            return False  # a heading naming the article (a value in a field line does not count)
        if any(node.tag == "h1" or node in headings or "tit" in (node.get("class") or "").lower()
               for node in child.iter() if isinstance(node.tag, str)):
            return False  # the page's heading or a title block, whatever the <title> says
    return True


def _no_body(doc: HtmlElement, url: str, preset: Preset) -> ExtractionError:
    """Why a page has no body: it is a list page (a pager link that went astray, a column
    linked as if it were an article), or simply no article."""
    items = len(select(doc, preset.list_items)) if preset.list_items else 0
    if items >= MIN_LIST_ITEMS or (items and preset.next_page and select(doc, preset.next_page)):
        return ExtractionError("list_page", f"{url} is a list page ({items} article links), not an article")
    return ExtractionError("no_body", f"no article body found on {url}")


def find_body(
    doc: HtmlElement, preset: Preset, rules: ArticleRules
) -> tuple[HtmlElement, HtmlElement] | None:
    """The body, and where it sits in `doc` (the same element unless a heuristic cleaned a copy).

    The configured or preset body container holding content comes first, else the preset's
    heuristic. When the template nests the container in a copy of itself (VSB: `v_news_content` inside
    `v_news_content`, the outer one also holding prev/next links), the innermost copy that still
    holds the article is the body: a block pasted into an article from another VSB page brings its
    own small `v_news_content`, which is not the article (see `_holds_article`).
    """
    selectors = (rules.body,) if rules.body else preset.body
    for selector in selectors:
        matches = [node for node in select(doc, selector) if _has_content(node, preset)]
        if matches:
            body = matches[0]
            for node in matches[1:]:
                if contains(body, node) and _holds_article(node, body):
                    body = node
            return body, body
    if preset.body_finder is not None and not rules.body:
        return preset.body_finder(doc)
    return None


def extract_date(
    doc: HtmlElement,
    area: HtmlElement,
    body: HtmlElement,
    preset: Preset,
    rules: ArticleRules,
) -> datetime | None:
    """Publication date (UTC+08:00): meta tag, the info line, else the nearest date before the body."""
    if rules.date:
        return find_date(node_text(first_match(doc, (rules.date,))))
    for name in preset.date_meta:
        for content in meta_values(doc, name):
            found = find_date(content)
            if found:
                return found
    for selector in preset.date_regions:
        for node in select(area, selector):
            if node is body or contains(node, body) or contains(body, node):
                continue
            found = find_date(node_text(node))
            if found:
                return found
    before = text_before(doc, body)[-DATE_WINDOW:]
    dates = list(iter_dates(before))
    return dates[-1] if dates else None


def extract_images(body: HtmlElement, url: str) -> list[str]:
    """Absolute http(s) URLs of the body's images, in document order.

    The same rule as the Markdown's (`archiver.cleanup`), so the image list and the image
    paragraphs always agree; `data:`, `javascript:` and other schemes are not images to fetch.
    """
    images = []
    for img in body.iter("img"):
        src = absolute(url, img.get("src"), IMAGE_SCHEMES)
        if src:
            images.append(src)
    return images


def extract_attachments(
    area: HtmlElement, body: HtmlElement, url: str, preset: Preset
) -> list[Attachment]:
    """Attachments in document order, each URL once: the preset's attachment links (whose URL
    form is a download: VSB `download.jsp`) and documents of viewers in the article area, and
    links in the body whose target or text is a file (`.pdf`, `附件1：申请表.docx`). A link is not
    an attachment for being marked up like one: the WebPlus editor puts `sudyfile-attr` on
    every link, also on a link to another article."""
    found: dict[str, tuple[int, Attachment]] = {}
    order = document_order(area)

    def add(node: HtmlElement, href: str, name: str) -> None:
        """Each URL once, at its first link; named by the first link that has a text (an icon
        link to the file usually comes before the text link)."""
        if not href or not name:
            return
        if href not in found:
            found[href] = (order.get(node, len(order)), Attachment(name=name, href=href))
        elif found[href][1].name == _file_name(href) and node_text(node):
            found[href] = (found[href][0], Attachment(name=node_text(node), href=href))

    for node in area.xpath(f".//a[@{DOCUMENT_ATTR}]"):
        add(node, _absolute(url, node.get("href")), node.get(DOCUMENT_ATTR))
    for link in select_all(area, preset.attachment_links):
        href = _absolute(url, link.get("href"))
        add(link, href, node_text(link) or _sudyfile_title(link) or _file_name(href))
    for link in body.iter("a"):
        href = _absolute(url, link.get("href"))
        if link.get(DOCUMENT_ATTR) is None and (_is_file(href) or _is_file(node_text(link))):
            add(link, href, node_text(link) or _sudyfile_title(link) or _file_name(href))
    return [attachment for _, attachment in sorted(found.values(), key=lambda pair: pair[0])]


def remove_attachment_blocks(
    body: HtmlElement, url: str, attachments: list[Attachment], preset: Preset
) -> None:
    """Take attachments that stand alone out of the body: they are listed in `attachments`.

    An attachment link (or file viewer) goes with its paragraph when the rest of that paragraph
    only labels it (`附件【…】已下载次`), and a label-only paragraph (`附件：`) just before such a
    paragraph goes too. A link inside a sentence stays, as the reader saw it. So does the link
    that stands for a viewer's document: it tells the reader what the article is. A link the site
    disabled (`href="javascript:;"`) whose text is a file name is an attachment that cannot be
    fetched: its paragraph goes too.
    """
    hrefs = {a.href for a in attachments}

    def is_attachment(node: HtmlElement) -> bool:
        if node.tag != "a" or node.get(DOCUMENT_ATTR) is not None:
            return False
        href = _absolute(url, node.get("href"))
        return href in hrefs if href else _is_file(node_text(node))

    for node in [n for n in body.iter("a") if is_attachment(n)]:
        if not contains(body, node):
            continue  # its paragraph went with an earlier link to the same file
        block = _enclosing_block(node, body)
        if block is None:
            node.drop_tree()
            continue
        if not _is_label(_text_without(block, is_attachment)):
            continue
        previous = _previous_block(block)
        if previous is not None and node_text(previous) and _is_label(node_text(previous)):
            previous.drop_tree()
        block.drop_tree()


def embed_videos(doc: HtmlElement, url: str, preset: Preset) -> None:
    """Replace the CMS's video placeholders (filled by JavaScript) with `<video src controls>`.

    The placeholder is a `<script>` on VSB, which the noise filter would remove with the video.
    """
    for selector, attribute in preset.video_embeds:
        for node in select(doc, selector):
            src = _absolute(url, node.get(attribute))
            parent = node.getparent()
            if not src or parent is None:
                continue
            video = lxml.html.Element("video", src=src, controls="controls")
            title = _sudyfile_title(node)
            if title:
                video.set("title", title)
            video.tail = node.tail
            parent.replace(node, video)


def _holds_article(inner: HtmlElement, outer: HtmlElement) -> bool:
    """Whether a copy of the body container nested in another holds the article: at least
    `INNER_SHARE` of the outer one's text, or every picture and document when it has no text."""
    outer_text = len(clean_text(outer.text_content()))
    if outer_text:
        return len(clean_text(inner.text_content())) >= INNER_SHARE * outer_text
    return _media_count(inner) >= _media_count(outer)


def _media_count(node: HtmlElement) -> int:
    return sum(1 for _ in node.iter("img", "video")) + len(node.xpath(f".//*[@{DOCUMENT_ATTR}]"))


def _has_content(node: HtmlElement, preset: Preset) -> bool:
    """Text, a picture, a video or an embedded file: a PDF-only body is still a body."""
    if clean_text(node.text_content()):
        return True
    return _media_count(node) > 0


def _load_lazy_images(body: HtmlElement) -> None:
    """Give `src` to images that keep their picture in a lazy-loading attribute only."""
    for img in body.iter("img"):
        if (img.get("src") or "").strip():
            continue
        for attribute in _LAZY_SRC:
            if (img.get(attribute) or "").strip():
                img.set("src", img.get(attribute).strip())
                break


def _absolute(url: str, href: str | None) -> str:
    """An attachment's address (`FILE_SCHEMES`: listed, and for http(s) downloaded)."""
    href = (href or "").strip()
    if urlsplit(url).scheme not in ("http", "https") and href and not href.startswith("#") \
            and not urlsplit(href).scheme:
        return href  # no web address known (`archiver extract` of a file): the caller reports it
    return link_target(url, href, FILE_SCHEMES)


def _is_file(href: str) -> bool:
    """Whether a URL, or a link text such as `附件1：申请表.doc`, names a file."""
    path = urlsplit(href).path.lower() if "://" in href else href.strip().lower()
    return "." in path.rsplit("/", 1)[-1] and path.rsplit(".", 1)[-1] in FILE_EXTENSIONS


def _file_name(href: str) -> str:
    return urlsplit(href).path.rsplit("/", 1)[-1]


def _sudyfile_title(node: HtmlElement) -> str:
    match = _SUDYFILE_TITLE.search(node.get("sudyfile-attr") or "")
    return clean_text(match.group(1)) if match else ""


def _is_label(text: str) -> bool:
    return bool(_ATTACHMENT_LABEL.match(text))


def _text_without(block: HtmlElement, is_attachment: Callable[[HtmlElement], bool]) -> str:
    """The block's text with the attachment links' own text left out."""
    text = node_text(block)
    for node in block.iter():
        if is_attachment(node):
            text = text.replace(node_text(node), "", 1)
    return clean_text(text)


def _enclosing_block(node: HtmlElement, body: HtmlElement) -> HtmlElement | None:
    for ancestor in (node, *node.iterancestors()):
        if ancestor is body:
            return None
        if isinstance(ancestor.tag, str) and ancestor.tag in BLOCKS:
            return ancestor
    return None


def _previous_block(block: HtmlElement) -> HtmlElement | None:
    """The nearest preceding sibling that is not an empty paragraph, if it is a block."""
    sibling = block.getprevious()
    while sibling is not None and isinstance(sibling.tag, str) and not node_text(sibling) \
            and not any(True for _ in sibling.iter("img", "video")) \
            and not (sibling.tail or "").strip():
        sibling = sibling.getprevious()
    if sibling is None or not isinstance(sibling.tag, str) or sibling.tag not in BLOCKS:
        return None
    if (sibling.tail or "").strip():
        return None
    return sibling


