"""Step two of HTML to Markdown: the nodes of `archiver.doctree` become Markdown blocks.

The target is Hugo with its default Markdown settings (goldmark with typographer, linkify,
tables, strikethrough, definition lists, footnotes and heading attributes on; raw HTML off).
Text must come out of Hugo exactly as it was on the page, so everything any of those features
would read as syntax is backslash-escaped (`escape_spans` lists what and why), emphasis is written
only where goldmark will really render it (CommonMark's flanking rules treat CJK punctuation as
punctuation, so `中文**“引号”**中文` would show its asterisks), and nothing that Hugo itself
parses before Markdown (`{{<` shortcodes, `<!--more-->`) can appear in page text.

Each `Block` records where the summary divider may not go: `atoms` are spans that must stay whole
(an escape, a link, an emphasised run) and `splittable=False` keeps a whole block together
(headings, lists, tables, quotes, code, images).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from w3lib.url import safe_url_string

from archiver.doctree import (
    Block as Node,
    Heading,
    Image,
    Inline,
    ListNode,
    Paragraph,
    Preformatted,
    Quote,
    Rule,
    Table,
    inline_text,
)

IMAGE_ALT = "图"
THEMATIC_BREAK = "* * *"
MAX_LIST_NUMBER = 999_999_999  # CommonMark reads at most nine digits as a list number

# Characters escaped wherever they are:
#   \ ` * _ [ ] < > | ~ {  Markdown, GFM tables/strikethrough, heading attributes, `{{<` shortcodes
#   " '                    typographer quotes
#   @                      linkify e-mail addresses
#   & before an entity     character references
#   - before -, . before . typographer dashes and ellipses (and `<!--more-->` in text)
#   : before //, . after www   linkify URLs
_ESCAPE = re.compile(
    r"""[\\`*_\[\]<>|~{"'@]|&(?=#?[0-9A-Za-z]+;)|-(?=-)|\.(?=\.)|:(?=//)|(?<=[wW]{3})\."""
)
_ESCAPE_HEADING = re.compile(_ESCAPE.pattern + "|#")
# Line starts that open a block: ATX heading, quote, list item or thematic break, setext
# underline, definition, ordered list item (`1.` or `1)` before a space or the end of the line).
LINE_START = re.compile(r"[#>+=:-]|\d{1,9}(?=[.)](?:\s|$))")
# What Hugo parses in raw content, even inside code blocks.
_HUGO_SYNTAX = re.compile(r"\{\{[<%]|<!--more-->")
_WS = re.compile(r"\s+")
# Text that shows an address (`个人主页：https://…`, `邮箱：a@b.cn`, `www.…`): a reader reads it.
SHOWS_ADDRESS = re.compile(r"://|@|\bwww\.", re.IGNORECASE)
_BACKTICKS = re.compile(r"`+")
_URL_PARENS = (("(", "%28"), (")", "%29"))


@dataclass(frozen=True)
class Block:
    """One Markdown block of the body.

    `kind` is p, caption, link (a paragraph of links only), img, heading, list, table, quote,
    pre or hr. `text` is the plain text (for datasets and comparisons), one line per paragraph,
    list item, table cell...; `atoms` are (start, end) offsets in `markdown` that must stay whole;
    `splittable` False means the block must stay whole.
    """

    kind: str
    markdown: str
    text: str = ""
    atoms: tuple[tuple[int, int], ...] = ()
    splittable: bool = True


def render_blocks(nodes: list[Node]) -> list[Block]:
    """One Block per top-level node, in order."""
    blocks = []
    alternate = False
    previous: Node | None = None
    for node in nodes:
        alternate = _alternates(previous, node, alternate)
        blocks.append(render_block(node, alternate))
        previous = node
    return blocks


def render_block(node: Node, alternate: bool = False) -> Block:
    """`alternate` picks the other list marker, so two adjacent lists stay two lists."""
    if isinstance(node, Paragraph):
        markdown, atoms = inline_markdown(node.inlines, line_start=True)
        kind = "link" if _link_only(node) else "caption" if node.caption else "p"
        return Block(kind, markdown, inline_text(node.inlines), tuple(atoms), True)
    if isinstance(node, Image):
        return Block("img", _markdown(node), "", (), False)
    return Block(_KINDS[type(node)], _markdown(node, alternate), "\n".join(_lines(node)), (), False)


_KINDS = {
    Heading: "heading",
    ListNode: "list",
    Table: "table",
    Quote: "quote",
    Preformatted: "pre",
    Rule: "hr",
}


def _alternates(previous: Node | None, node: Node, alternate: bool) -> bool:
    """Two lists of one type in a row would merge into one list in Markdown: switch markers."""
    if isinstance(previous, ListNode) and isinstance(node, ListNode):
        if previous.ordered == node.ordered:
            return not alternate
    return False


def _markdown(node: Node, alternate: bool = False) -> str:
    if isinstance(node, Paragraph):
        return inline_markdown(node.inlines, line_start=True)[0]
    if isinstance(node, Image):
        return f"![{IMAGE_ALT}]({markdown_url(node.src)})"
    if isinstance(node, Heading):
        text = inline_markdown(node.inlines, line_start=False, heading=True)[0]
        return f"{'#' * node.level} {text}"
    if isinstance(node, ListNode):
        return _list_markdown(node, alternate)
    if isinstance(node, Table):
        return _table_markdown(node)
    if isinstance(node, Quote):
        inner = _blocks_markdown(node.children)
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
    if isinstance(node, Preformatted):
        return _pre_markdown(node.text)
    return THEMATIC_BREAK


def _blocks_markdown(nodes: list[Node], tight: bool = False) -> str:
    """Blocks inside a quote (blank lines between them) or a list item (`tight`)."""
    parts: list[str] = []
    alternate = False
    previous: Node | None = None
    for node in nodes:
        alternate = _alternates(previous, node, alternate)
        if previous is not None:
            parts.append(_item_separator(previous, node, parts[-1]) if tight else "\n\n")
        parts.append(_markdown(node, alternate))
        previous = node
    return "".join(parts)


def _list_markdown(node: ListNode, alternate: bool) -> str:
    items = []
    start = min(node.start, MAX_LIST_NUMBER - len(node.items))
    for number, item in enumerate(node.items, start):
        if node.ordered:
            marker = f"{number}{')' if alternate else '.'}"
        else:
            marker = "*" if alternate else "-"
        indent = " " * (len(marker) + 1)
        first, *rest = _blocks_markdown(item, tight=True).split("\n")
        items.append("\n".join([f"{marker} {first}", *(indent + line if line else "" for line in rest)]))
    return "\n".join(items)


def _item_separator(previous: Node, node: Node, previous_markdown: str) -> str:
    """Between two blocks of a list item, kept tight where the page showed lines.

    Lines of text (a `<br>` inside `<li>`) and images join with a hard line break; a nested
    list follows its item's text on the next line when Markdown lets a list interrupt a
    paragraph (a bullet list, or a numbered one starting at 1). Blank lines would make the
    whole list "loose", which Hugo renders with paragraph spacing.
    """
    lines = (Paragraph, Image)
    if isinstance(previous, lines) and isinstance(node, lines):
        return hard_break(previous_markdown)
    if isinstance(previous, lines) and isinstance(node, ListNode):
        if not node.ordered or node.start == 1:
            return "\n"
    return "\n\n"


def _table_markdown(node: Table) -> str:
    rows = [
        "| " + " | ".join(inline_markdown(cell, line_start=False)[0] for cell in row) + " |"
        for row in node.rows
    ]
    delimiter = "| " + " | ".join("---" for _ in node.rows[0]) + " |"
    return "\n".join([rows[0], delimiter, *rows[1:]])


def _pre_markdown(text: str) -> str:
    """A fenced code block; if the text holds what Hugo would parse even there, escaped lines
    joined by hard line breaks instead (the text survives, the monospace does not)."""
    if _HUGO_SYNTAX.search(text):
        lines = (_WS.sub(" ", line).strip() for line in text.split("\n"))
        escaped = [escape_spans(line, line_start=True)[0] for line in lines if line]
        return "".join(line + hard_break(line) for line in escaped[:-1]) + escaped[-1]
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def hard_break(line: str) -> str:
    """A line break inside a paragraph: a backslash before the newline, or two spaces after a
    line that ends in a backslash (goldmark reads an escaped backslash followed by the
    hard-break backslash as two backslashes and no break)."""
    return "  \n" if line.endswith("\\") else "\\\n"


def _link_only(node: Paragraph) -> bool:
    """A line that is nothing but links (a video or file link, "more" links): not article text.
    A link whose text shows an address (a home page, an e-mail) is read as text: it is."""
    return all(run.href or not run.text.strip() for run in node.inlines) and not any(
        SHOWS_ADDRESS.search(run.text) for run in node.inlines)


def _lines(node: Node) -> list[str]:
    """The node's plain text, one entry per paragraph-like unit (link-only lines are not text)."""
    if isinstance(node, Paragraph):
        return [] if _link_only(node) else [inline_text(node.inlines)]
    if isinstance(node, Heading):
        return [inline_text(node.inlines)]
    if isinstance(node, ListNode):
        return [line for item in node.items for child in item for line in _lines(child)]
    if isinstance(node, Table):
        return [inline_text(cell) for row in node.rows for cell in row if cell]
    if isinstance(node, Quote):
        return [line for child in node.children for line in _lines(child)]
    if isinstance(node, Preformatted):
        lines = (_WS.sub(" ", line).strip() for line in node.text.split("\n"))
        return [line for line in lines if line]
    return []


def inline_markdown(
    inlines: list[Inline], line_start: bool, heading: bool = False
) -> tuple[str, list[tuple[int, int]]]:
    """Markdown for a run list, and the spans the summary divider must not split.

    Runs with the same style form one emphasis group. A group is written with `**`/`*` only if
    goldmark will open and close it there, and not right after another group's closing
    delimiter (`**a***b*` is ambiguous); otherwise its text is written plain.
    """
    groups: list[tuple[str, str, list[tuple[int, int]]]] = []
    for style, runs in _style_groups(inlines):
        groups.append((style, *_runs_markdown(runs, line_start and not groups, heading)))
    out: list[str] = []
    atoms: list[tuple[int, int]] = []
    length = 0
    after_delimiter = False
    for index, (style, inner, inner_atoms) in enumerate(groups):
        delimiter = "**" if style == "strong" else "*" if style == "em" else ""
        if delimiter and not after_delimiter:
            before = out[-1][-1] if out else ""
            after = groups[index + 1][1][0] if index + 1 < len(groups) else ""
            if _can_open(before, inner[0]) and _can_close(inner[-1], after):
                piece = f"{delimiter}{inner}{delimiter}"
                atoms.append((length, length + len(piece)))
                out.append(piece)
                length += len(piece)
                after_delimiter = True
                continue
        atoms.extend((length + start, length + end) for start, end in inner_atoms)
        out.append(inner)
        length += len(inner)
        after_delimiter = False
    return "".join(out), atoms


def _style_groups(inlines: list[Inline]) -> list[tuple[str, list[Inline]]]:
    groups: list[tuple[str, list[Inline]]] = []
    for run in inlines:
        if groups and groups[-1][0] == run.style:
            groups[-1][1].append(run)
        else:
            groups.append((run.style, [run]))
    return groups


def _runs_markdown(
    runs: list[Inline], line_start: bool, heading: bool
) -> tuple[str, list[tuple[int, int]]]:
    parts: list[str] = []
    atoms: list[tuple[int, int]] = []
    length = 0
    for run in runs:
        if run.href:
            text = escape_spans(run.text, line_start=False, heading=heading)[0]
            piece = f"[{text}]({markdown_url(run.href)})"
            atoms.append((length, length + len(piece)))
        else:
            piece, spans = escape_spans(run.text, line_start and length == 0, heading)
            atoms.extend((length + start, length + end) for start, end in spans)
        parts.append(piece)
        length += len(piece)
    return "".join(parts), atoms


def _is_space(char: str) -> bool:
    return not char or char.isspace()


def _is_punctuation(char: str) -> bool:
    """CommonMark 0.31 punctuation: Unicode P* and S* (goldmark agrees: ©, ￥, 【 all count)."""
    return unicodedata.category(char)[0] in "PS"


def _can_open(before: str, first: str) -> bool:
    """A left-flanking delimiter run (CommonMark 6.2) between `before` and `first`."""
    if _is_space(first):
        return False
    return not _is_punctuation(first) or _is_space(before) or _is_punctuation(before)


def _can_close(last: str, after: str) -> bool:
    """A right-flanking delimiter run between `last` and `after`."""
    if _is_space(last):
        return False
    return not _is_punctuation(last) or _is_space(after) or _is_punctuation(after)


def escape_spans(
    text: str, line_start: bool, heading: bool = False
) -> tuple[str, list[tuple[int, int]]]:
    """Backslash-escape what Markdown or Hugo would read as syntax; return the text and the
    span of each escape. `line_start` also escapes a block marker at the start; `heading`
    escapes every `#` (a trailing `#` run would close the heading)."""
    regex = _ESCAPE_HEADING if heading else _ESCAPE
    positions = [match.start() for match in regex.finditer(text)]
    if line_start:
        lead = LINE_START.match(text)
        if lead:
            index = lead.end() if lead.group()[0].isdigit() else 0
            if index not in positions:
                positions.append(index)
                positions.sort()
    if not positions:
        return text, []
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    previous = 0
    length = 0
    for position in positions:
        chunk = text[previous:position]
        out.append(chunk)
        out.append("\\" + text[position])
        length += len(chunk)
        spans.append((length, length + 2))
        length += 2
        previous = position + 1
    out.append(text[previous:])
    return "".join(out), spans


def escape_inline(text: str) -> str:
    """Escape text that sits inside a construct (link text): no line-start rules apply."""
    return escape_spans(text, line_start=False)[0]


def markdown_url(url: str) -> str:
    """A URL safe as a Markdown link destination: percent-encoded where browsers would encode
    it, and with no space, parenthesis, `<`, `>` or `{` left bare."""
    url = safe_url_string(url)
    for char, code in _URL_PARENS:
        url = url.replace(char, code)
    return url
