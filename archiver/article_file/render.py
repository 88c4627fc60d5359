"""Rendering: a normalised article and its source settings become the bytes of the Markdown file.

The layout is the sample's, byte for byte: front matter, the body with Hugo's `<!--more-->`
summary divider after the first `summary_chars` characters, and the source link last, with no
newline at the end of the file.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Iterable
from datetime import datetime

import yaml
from slugify import slugify

from archiver.clock import format_timestamp
from archiver.config import Source
from archiver.markdown import LINE_START
from archiver.extract import Attachment
from archiver.normalize import Block, NormalisedArticle, escape_inline, markdown_url

DIVIDER = "<!--more-->"
ATTACHMENTS_LABEL = "附件："
# Plain scalars that YAML 1.1 or 1.2 (PyYAML, Hugo's goccy/go-yaml) could read as numbers.
_NUMBER_LIKE = re.compile(r"[-+.0-9][-+._0-9a-fA-FxXoOpPiInN]*")
_NEEDS_ESCAPE = re.compile("[\\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_NAMED_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def urlname_for(url: str, title: str, rule: str) -> str:
    """The file's name and Hugo slug: the URL's MD5 (sample), or a slug of the title.

    A title slug gets the first 8 hex digits of the URL's MD5 so two articles with the same
    title never overwrite each other.
    """
    digest = hashlib.md5(url.encode("utf-8")).hexdigest()
    if rule == "title":
        slug = slugify(title, max_length=80, word_boundary=True)
        return f"{slug}-{digest[:8]}" if slug else digest
    return digest


@functools.lru_cache(maxsize=1024)
def yaml_scalar(value: str) -> str:
    """A front-matter value that PyYAML and Hugo both read back as exactly `value`.

    Cached: every article of a source repeats its tags and categories, and asking PyYAML's
    emitter was a tenth of a backfill's time on the reactor thread.

    Plain where PyYAML's own emitter would write it plain and it cannot pass for a number in
    either YAML version; otherwise double-quoted with escapes (FORMAT.md gives the evidence).
    """
    plain = yaml.safe_dump({"k": value}, allow_unicode=True, width=math.inf)
    if plain == f"k: {value}\n" and not _NUMBER_LIKE.fullmatch(value):
        return value
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, value) + '"'


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def render_front_matter(source: Source, title: str, urlname: str, archived: datetime) -> str:
    """The YAML front matter block, including both `---` lines."""
    fm = source.front_matter
    names = {"name": source.name, "label": source.label}
    lines = [
        "---",
        f"title: {yaml_scalar(fm.title_format.format(title=title, **names))}",
        f"date: {format_timestamp(archived)}",
        f"urlname: {urlname}",
        f"slug: {urlname}",
        *_yaml_list("tags: ", [t.format(**names) for t in fm.tags]),
        *_yaml_list("categories:", [c.format(**names) for c in fm.categories]),
        f"authorbox: {str(fm.authorbox).lower()}",
        f"sidebar: {str(fm.sidebar).lower()}",
        "---",
    ]
    return "\n".join(lines) + "\n"


def _yaml_list(key_line: str, items: list[str]) -> list[str]:
    if not items:
        return [key_line.rstrip() + " []"]
    return [key_line] + [f"- {yaml_scalar(item)}" for item in items]


def insert_divider(blocks: list[Block], limit: int) -> str:
    """Join the blocks and put `<!--more-->` after `limit` characters, never inside a construct.

    A position inside a link, image, escape, emphasis or unsplittable block moves to the end of
    it; a body no longer than `limit` gets the divider as its last paragraph. `limit` 0 means no
    divider.
    """
    body = "\n\n".join(b.markdown for b in blocks)
    if limit <= 0:
        return body
    position = divider_position(blocks, limit)
    if position >= len(body):
        return f"{body}\n\n{DIVIDER}" if body else DIVIDER
    if body.startswith("\n\n", position):  # between blocks: a paragraph of its own
        return f"{body[:position]}\n\n{DIVIDER}\n\n{body[position + 2:]}"
    return f"{body[:position]}\n{DIVIDER}\n{body[position:]}"


def divider_position(blocks: list[Block], limit: int) -> int:
    """The first offset at or after `limit` in the joined body where the divider may go.

    Inside a paragraph that is: not inside an atom, and not where the rest of the paragraph,
    starting a new line after the divider, would begin a list, heading or quote.
    """
    offset = 0
    for block in blocks:
        end = offset + len(block.markdown)
        if offset < limit < end:
            if not block.splittable:
                return end
            return offset + _split_point(block, limit - offset)
        offset = end + 2
    return limit


def _split_point(block: Block, position: int) -> int:
    text = block.markdown
    while position < len(text):
        inside = [stop for start, stop in block.atoms if start < position < stop]
        if inside:
            position = max(inside)
            continue
        if LINE_START.match(text, position + (text[position] == " ")):
            position += 1
            continue
        break
    return position


def render_article(article: NormalisedArticle, source: Source, archived: datetime) -> str:
    """The whole Markdown file for one article, as text."""
    urlname = urlname_for(article.url, article.title, source.slug)
    parts = [render_front_matter(source, article.title, urlname, archived)]
    parts.append(insert_divider(article.blocks, source.summary_chars))
    files = attachment_list(article.attachments)  # 附件, before the source link
    link = f"[{escape_inline(source.source_link_text)}]({markdown_url(article.url)})"
    return parts[0] + "\n\n".join(p for p in (parts[1], files, link) if p)


def attachment_list(attachments: Iterable[Attachment]) -> str:
    """`附件：` and one list item per attachment, `- [name](URL)`; "" when there is none. With
    `image_links: local` the media pipeline's copies replace the URLs (`archiver.media.links`)."""
    items = [f"- [{escape_inline(a.name)}]({markdown_url(a.href)})" for a in attachments]
    return f"{ATTACHMENTS_LABEL}\n\n" + "\n".join(items) if items else ""
