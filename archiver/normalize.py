"""Normalisation: an article body (HTML fragment) becomes a list of Markdown blocks.

Chinese news bodies are Word/WPS pastes: nested `<span>`s, `&nbsp;` and U+3000 indents, empty
paragraphs, images in their own centred paragraphs. Every block element and every `<br>` ends a
paragraph; white space runs collapse to one space and paragraphs are stripped; text that Markdown
would read as syntax is escaped; nothing of the page's HTML reaches the output.

Each block records the spans the summary divider must not split (a link, an image, an escape),
so the renderer can place `<!--more-->` without breaking Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml.html import HtmlElement

from archiver.extract import Attachment, ExtractedArticle

IMAGE_ALT = "图"

# Elements whose start and end are paragraph boundaries.
BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody "
    "td tfoot th thead tr ul".split()
)
# Elements whose content is never article text.
SKIP_TAGS = frozenset(
    "script style noscript template iframe object embed applet head title meta link button "
    "input select textarea option svg canvas audio video source map area".split()
)
LINK_SCHEMES = ("http://", "https://", "mailto:", "ftp://")

_WS = re.compile(r"\s+")
# Characters that are Markdown syntax anywhere in a line.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Line starts that open a block construct: heading, quote, list item, thematic break.
_LINE_START = re.compile(r"^(#|>|[-+*=]|\d{1,9}(?=[.)]))")
_URL_ESCAPES = ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"))


@dataclass(frozen=True)
class Block:
    """One Markdown block of the body.

    `text` is the plain text (for datasets and comparisons); `atoms` are (start, end) offsets in
    `markdown` that must stay whole; `splittable` False means the block must stay whole.
    """

    kind: str
    markdown: str
    text: str = ""
    atoms: tuple[tuple[int, int], ...] = ()
    splittable: bool = True


@dataclass
class NormalisedArticle:
    """The article ready to render: the second step of the data flow."""

    url: str
    title: str
    published: object
    blocks: list[Block] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    cms: str = ""

    @property
    def paragraphs(self) -> list[str]:
        """Text paragraphs only (no images), as datasets and the extraction benchmark want."""
        return [b.text for b in self.blocks if b.kind == "p" and b.text]

    @property
    def markdown(self) -> str:
        """The body as written to the file, without divider and source link."""
        return "\n\n".join(b.markdown for b in self.blocks)


def normalise_article(article: ExtractedArticle) -> NormalisedArticle:
    """Turn the extracted body into Markdown blocks; the other fields pass through."""
    return NormalisedArticle(
        url=article.url,
        title=article.title,
        published=article.published,
        blocks=body_to_blocks(article.body, article.url),
        images=article.images,
        attachments=article.attachments,
        cms=article.cms,
    )


def body_to_blocks(body: HtmlElement, base_url: str) -> list[Block]:
    """Walk the body fragment in document order and collect its Markdown blocks."""
    walker = _Walker(base_url)
    walker.walk_children(body)
    walker.flush()
    return walker.blocks


class _Walker:
    """Accumulates inline pieces of the current paragraph and emits blocks at boundaries."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.blocks: list[Block] = []
        # Inline pieces: ("text", raw text) or ("atom", markdown, plain text).
        self.pieces: list[tuple[str, ...]] = []

    def walk_children(self, node: HtmlElement) -> None:
        if node.text:
            self.pieces.append(("text", node.text))
        for child in node:
            self.walk(child)
            if child.tail:
                self.pieces.append(("text", child.tail))

    def walk(self, node: HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        tag = tag.lower().split(":")[-1]
        if not tag or tag in SKIP_TAGS:  # comments, processing instructions, scripts
            return
        if tag == "br":
            self.flush()
        elif tag == "img":
            self.image(node)
        elif tag == "a":
            self.link(node)
        elif tag in BLOCK_TAGS:
            self.flush()
            self.walk_children(node)
            self.flush()
        else:
            self.walk_children(node)

    def image(self, node: HtmlElement) -> None:
        src = (node.get("src") or "").strip()
        if not src or src.lower().startswith("data:"):
            return
        self.flush()
        markdown = f"![{IMAGE_ALT}]({markdown_url(urljoin(self.base_url, src))})"
        self.blocks.append(Block("img", markdown, "", ((0, len(markdown)),), False))

    def link(self, node: HtmlElement) -> None:
        href = urljoin(self.base_url, (node.get("href") or "").strip())
        if not href.lower().startswith(LINK_SCHEMES) or any(True for _ in node.iter("img")):
            self.walk_children(node)
            return
        text = _WS.sub(" ", node.text_content()).strip()
        if not text:
            return
        markdown = f"[{escape_inline(text)}]({markdown_url(href)})"
        self.pieces.append(("atom", markdown, text))

    def flush(self) -> None:
        """End the current paragraph: collapse white space, strip, escape, emit if not empty."""
        pieces, self.pieces = self.pieces, []
        parts: list[tuple[str, ...]] = []  # ("text", text) or ("atom", markdown, text)
        for piece in pieces:
            if piece[0] != "text":
                parts.append(piece)
                continue
            text = _WS.sub(" ", piece[1])
            if parts and parts[-1][0] == "text":
                previous = parts[-1][1]
                if previous.endswith(" ") and text.startswith(" "):
                    text = text[1:]
                parts[-1] = ("text", previous + text)
            else:
                parts.append(("text", text))
        if parts and parts[0][0] == "text":
            parts[0] = ("text", parts[0][1].lstrip())
        if parts and parts[-1][0] == "text":
            parts[-1] = ("text", parts[-1][1].rstrip())
        self._emit_paragraph(parts)

    def _emit_paragraph(self, parts: list[tuple[str, ...]]) -> None:
        markdown: list[str] = []
        plain: list[str] = []
        atoms: list[tuple[int, int]] = []
        offset = 0
        for index, part in enumerate(parts):
            if part[0] == "text":
                escaped, escapes = escape_text(part[1], line_start=(index == 0))
                atoms.extend((offset + s, offset + e) for s, e in escapes)
                markdown.append(escaped)
                plain.append(part[1])
                offset += len(escaped)
            else:
                atoms.append((offset, offset + len(part[1])))
                markdown.append(part[1])
                plain.append(part[2])
                offset += len(part[1])
        text = "".join(plain)
        if text.strip():
            self.blocks.append(Block("p", "".join(markdown), text, tuple(atoms), True))


def escape_text(text: str, line_start: bool) -> tuple[str, list[tuple[int, int]]]:
    """Backslash-escape Markdown syntax in plain text; return the text and each escape's span."""
    lead = _LINE_START.match(text) if line_start else None
    # The character that would open a block: the marker itself, or the "." after "1".
    lead_index = -1
    if lead:
        lead_index = len(lead.group(1)) if lead.group(1)[0].isdigit() else 0
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for index, char in enumerate(text):
        if (
            index == lead_index
            or _INLINE_SPECIAL.match(char)
            or (char == "&" and _ENTITY_LIKE.match(text, index))
        ):
            out.append("\\" + char)
            spans.append((position, position + 2))
            position += 2
        else:
            out.append(char)
            position += 1
    return "".join(out), spans


def escape_inline(text: str) -> str:
    """Escape text that sits inside a construct (link text): no line-start rules apply."""
    return escape_text(text, line_start=False)[0]


def markdown_url(url: str) -> str:
    """A URL safe as a Markdown link destination: no spaces or parentheses left bare."""
    for char, code in _URL_ESCAPES:
        url = url.replace(char, code)
    return url
