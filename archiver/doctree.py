"""The normal form of an article body: the few node types every page is reduced to.

`archiver.cleanup` turns arbitrary CMS HTML (Word pastes, layout tables, nested spans) into these
nodes; `archiver.markdown` turns the nodes into Markdown. Keeping the set this small is what makes
the Markdown side simple and verifiable: there is no HTML left to leak, and each node type has
exactly one Markdown form.

Invariants `cleanup` guarantees (and `markdown` relies on):
- text runs hold no white-space runs longer than one ASCII space, and an inline list never starts
  or ends with a space;
- an emphasised run or a link never starts or ends with a space, and a link's runs share one style;
- URLs are absolute `http(s)`/`ftp`/`mailto`/`tel` (links) or `http(s)` (images);
- empty paragraphs, list items, rows, columns and containers are gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

Style = Literal["", "em", "strong"]


@dataclass
class Inline:
    """A run of text with one style, inside a link when `href` is set."""

    text: str
    style: Style = ""
    href: str = ""


@dataclass
class Paragraph:
    """A paragraph; `caption` marks the short centred line under a photo."""

    inlines: list[Inline]
    caption: bool = False


@dataclass
class Heading:
    level: int
    inlines: list[Inline]


@dataclass
class Image:
    src: str


@dataclass
class ListNode:
    """An ordered or bullet list; each item is a list of blocks (paragraphs, nested lists...)."""

    ordered: bool
    items: list[list[Block]]
    start: int = 1


@dataclass
class Table:
    """A data table as a rectangular grid; the first row is the header row."""

    rows: list[list[list[Inline]]]


@dataclass
class Quote:
    children: list[Block] = field(default_factory=list)


@dataclass
class Preformatted:
    """`<pre>` text with its line breaks and indentation."""

    text: str


@dataclass
class Rule:
    """A thematic break (`<hr>`)."""


Block = Union[Paragraph, Heading, Image, ListNode, Table, Quote, Preformatted, Rule]


def inline_text(inlines: list[Inline]) -> str:
    """The plain text of a run list, as a reader sees it."""
    return "".join(run.text for run in inlines)
