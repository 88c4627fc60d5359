"""Plain text from an article's body Markdown, as a dataset wants it.

The files hold Markdown that is escaped and structured for Hugo (`archiver.markdown`): a period
after a number is `1\\.`, a quote is `\\"`, tables, lists, headings, quotes and code blocks have
their Markdown forms. Reading that back correctly is CommonMark parsing (escapes, entities, code
spans, emphasis flanking, nested containers, GFM tables with `\\|` in cells), so it is done by
markdown-it-py, a complete CommonMark implementation, with the GFM table and strikethrough
rules that Hugo also has on. What is kept is what a reader sees as text:

- one *unit* per paragraph, heading, list-item paragraph, table cell (header row included) and
  non-blank line of a code block (white-space runs collapsed there); a line break inside a
  paragraph, soft or hard, also starts a new unit; units are separated by one blank line, so
  `text.split("\\n\\n")` gives them back and no unit is empty or holds a newline;
- links become their text, images are dropped (an image-only paragraph disappears), emphasis and
  strikethrough marks and backslash escapes are removed, entities are decoded;
- a paragraph line that is nothing but links (a file or video link, "more" links) is not text,
  as in `NormalisedArticle.paragraphs`, unless a link's text shows an address (a home page, an
  e-mail: `archiver.markdown.SHOWS_ADDRESS`); in a heading or table cell it is;
- raw HTML is dropped, as Hugo (with its default `unsafe = false`) drops it; thematic breaks
  have no text.

For a body that the archiver wrote this is exactly `NormalisedArticle.paragraphs` joined by
blank lines (the tests check it on every construct fixture and on generated documents).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from archiver.markdown import SHOWS_ADDRESS

_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_WS = re.compile(r"\s+")
_EDGE_BLANKS = " \t"
# Inline tokens whose content is visible text; line breaks end a unit; the rest (emphasis and
# link delimiters, images, raw HTML) contribute nothing.
_TEXT_TOKENS = frozenset({"text", "code_inline"})
_BREAK_TOKENS = frozenset({"softbreak", "hardbreak"})
_CODE_BLOCKS = frozenset({"fence", "code_block"})


def parse_markdown(markdown: str) -> list[Token]:
    """The token stream of a body (parse once, then take text and images from it)."""
    return _PARSER.parse(markdown)


def markdown_to_text(markdown: str) -> str:
    """The body's plain text: its units (see the module docstring) joined by blank lines."""
    return tokens_to_text(parse_markdown(markdown))


def tokens_to_text(tokens: Sequence[Token]) -> str:
    return "\n\n".join(_units(tokens))


def _units(tokens: Sequence[Token]) -> Iterator[str]:
    opened = ""
    for token in tokens:
        if token.type == "inline":
            yield from _inline_units(token.children or [], keep_links=opened != "paragraph_open")
        elif token.type in _CODE_BLOCKS:
            for line in token.content.split("\n"):
                collapsed = _WS.sub(" ", line).strip()
                if collapsed:
                    yield collapsed
        opened = token.type


def _inline_units(children: Sequence[Token], keep_links: bool) -> Iterator[str]:
    """The lines of one paragraph, heading or cell; `keep_links` False drops lines of links
    only (every piece of their text is inside a link)."""
    current: list[str] = []
    outside_links = False
    depth = 0
    for child in [*children, Token("softbreak", "", 0)]:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        elif child.type in _TEXT_TOKENS:
            current.append(child.content)
            outside_links = outside_links or (depth == 0 and not child.content.isspace()) \
                or bool(SHOWS_ADDRESS.search(child.content))
        elif child.type in _BREAK_TOKENS:
            unit = "".join(current).strip(_EDGE_BLANKS)
            if unit and (keep_links or outside_links):
                yield unit
            current, outside_links = [], False


def image_urls(tokens: Sequence[Token]) -> list[str]:
    """Destinations of the body's images, in document order (as written in the file)."""
    return [
        str(child.attrs.get("src", ""))
        for token in tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type == "image"
    ]
