"""Step one of HTML to Markdown: reduce an article body to the node types of `archiver.doctree`.

University news bodies are Word/WPS pastes and CMS editor output: nested `<span>`s and `<font>`s,
`<o:p>` and `mso-` styles, `&nbsp;` and U+3000 indents, `<br>` runs used as paragraph breaks,
tables that only lay out a photo and its caption. Every element is handled by the entry for its
tag in `HANDLERS`; the few node types that come out hold only text, emphasis, absolute links and
images, so no markup of the page survives this step.

How each construct is read (the README's "Markdown output" section explains the choices):
- block elements and every `<br>` end a paragraph; white space runs collapse to one space;
- `<b>`/`<strong>`/`font-weight: bold` and `<i>`/`<em>`/`font-style: italic` become emphasis;
- a link keeps its URL when it resolves to http(s), ftp, mailto or tel and is not an anchor on
  the same page; other links (`javascript:`, `data:`, `vbscript:`...) keep only their text;
- images keep an http(s) `src`; `data:` images are dropped (they would bloat the file and
  Hugo's Markdown renderer refuses most of them);
- a table is data (a pipe table) when it has two rows and two columns of text and holds no image
  or nested table; any other table only lays out the page and is unwrapped into blocks; row and
  column spans become empty cells, so every text appears once, where the span starts;
- elements hidden with `display: none` or `hidden`, scripts, styles, forms, media players and
  comments are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree
from lxml.html import HtmlElement

from archiver.doctree import (
    Block,
    Heading,
    Image,
    Inline,
    ListNode,
    Paragraph,
    Preformatted,
    Quote,
    Rule,
    Style,
    Table,
    inline_text,
)
from archiver.urls import IMAGE_SCHEMES, LINK_SCHEMES, absolute

# A centred paragraph right under a photo, at most this long, is the photo's caption.
CAPTION_MAX_CHARS = 120
# Spans beyond this are hostile or broken markup; a wider table is treated as layout.
MAX_SPAN = 50
MAX_COLUMNS = 50
# Lists and quotes nested deeper than this are read as plain blocks, and elements nested deeper
# than MAX_DEPTH as plain text, so that no page can exhaust the interpreter's stack.
MAX_NESTING = 16
MAX_DEPTH = 120

SKIP_TAGS = frozenset(
    "script style noscript template iframe frame frameset object embed applet head title meta "
    "link base button input select textarea option optgroup datalist svg math canvas audio video "
    "source track map area xml".split()
)
BLOCK_TAGS = frozenset(
    "html body p div section article aside header footer main nav address dl dt dd "
    "figure details summary fieldset form legend caption thead tbody tfoot tr td th li".split()
)
HEADING_TAGS = {f"h{level}": level for level in range(1, 7)}
_TAG_STYLES: dict[str, Style] = {
    "b": "strong", "strong": "strong", "i": "em", "em": "em", "cite": "em", "dfn": "em", "var": "em",
}
_NOT_IN_CODE = BLOCK_TAGS | HEADING_TAGS.keys() | {
    "img", "table", "ul", "ol", "blockquote", "pre", "hr", "listing", "xmp", "center", "figcaption"
}
_DEEP_TEXT = etree.XPath(
    "descendant::text()[not(ancestor::*[self::script or self::style or self::noscript"
    " or self::template or self::iframe or self::textarea or self::select or self::svg])]"
)

_WS = re.compile(r"\s+")
# `(?<![-\w])` skips Word's `mso-bidi-font-weight` and friends, which do not style the text.
_DISPLAY_NONE = re.compile(r"(?<![-\w])display\s*:\s*none", re.I)
_FONT_WEIGHT = re.compile(r"(?<![-\w])font-weight\s*:\s*([a-z0-9]+)", re.I)
_FONT_STYLE = re.compile(r"(?<![-\w])font-style\s*:\s*([a-z]+)", re.I)
_TEXT_ALIGN = re.compile(r"(?<![-\w])text-align\s*:\s*([a-z-]+)", re.I)
_BOLD_WEIGHTS = frozenset({"bold", "bolder", "600", "700", "800", "900"})
# Browsers remove these from URLs before resolving them (WHATWG URL standard).
# Non-blank text in a table but outside its cells and caption.
_STRAY_TEXT = (
    "./text()[normalize-space()] | ./*[not(self::caption)]/text()[normalize-space()]"
    " | ./*/tr/text()[normalize-space()] | ./tr/*[not(self::td or self::th)]"
    " | ./*/tr/*[not(self::td or self::th)]"
)


def clean_body(body: HtmlElement, base_url: str) -> list[Block]:
    """The body's blocks in document order; the input tree is not modified."""
    cleaner = _Cleaner(base_url)
    cleaner.children(body)
    cleaner.end_paragraph()
    return cleaner.out


class _Cleaner:
    """Walks the body in document order, filling `out` with blocks.

    Inline text accumulates in `runs` (the open paragraph) with the current `style` and `href`;
    a block boundary closes the paragraph. Inside a heading or table cell (`inline_only`) a
    boundary is just a space, and images wait in `pending` until the heading or table is done.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.out: list[Block] = []
        self.runs: list[Inline] | None = None
        self.run_centred = False
        self.inline_only = False
        self.pending: list[Block] = []
        self.style: Style = ""
        self.href = ""
        self.centred = False
        self.depth = 0
        self.nesting = 0

    # -- traversal

    def children(self, node: HtmlElement) -> None:
        if self.depth > MAX_DEPTH:
            self.text(" ".join(_DEEP_TEXT(node)))
            return
        self.depth += 1
        if node.text:
            self.text(node.text)
        for child in node:
            self.walk(child)
            if child.tail:
                self.text(child.tail)
        self.depth -= 1

    def walk(self, node: HtmlElement) -> None:
        tag = node.tag
        if not isinstance(tag, str):  # comments, processing instructions, entities
            return
        tag = tag.lower()
        handler = HANDLERS.get(tag, _Cleaner.inline)
        if handler is _Cleaner.skip:
            return
        css, align, tag_style = node.get("style"), node.get("align"), _TAG_STYLES.get(tag)
        if css is None and align is None and tag_style is None:
            if node.get("hidden") is None:
                handler(self, node)
            return
        if node.get("hidden") is not None or (css and _DISPLAY_NONE.search(css)):
            return
        saved = self.style, self.centred
        style = self.style
        if tag_style:  # one level of emphasis: italic inside bold stays bold
            style = "strong" if "strong" in (style, tag_style) else tag_style
        self.style, self.centred = _styled(css or "", align, style, self.centred)
        handler(self, node)
        self.style, self.centred = saved

    def text(self, text: str) -> None:
        runs = self.runs
        if runs is None:
            if text.isspace():  # white space between blocks opens no paragraph
                return
            runs = self.runs = []
            self.run_centred = self.centred
        if runs and runs[-1].style == self.style and runs[-1].href == self.href:
            runs[-1].text += text
        else:
            runs.append(Inline(text, self.style, self.href))

    def boundary(self) -> None:
        if self.inline_only:
            self.text(" ")
        else:
            self.end_paragraph()

    def end_paragraph(self) -> None:
        if self.runs is None or self.inline_only:
            return
        inlines = tidy_inlines(self.runs)
        self.runs = None
        if not inlines:
            return
        caption = (
            self.run_centred
            and bool(self.out)
            and isinstance(self.out[-1], Image)
            and len(inline_text(inlines)) <= CAPTION_MAX_CHARS
        )
        self.out.append(Paragraph(inlines, caption))

    def collect_blocks(self, node: HtmlElement) -> list[Block]:
        """The blocks inside `node`, as a separate list (for list items and quotes)."""
        saved = self.out
        self.out = []
        self.children(node)
        self.end_paragraph()
        blocks, self.out = self.out, saved
        return blocks

    def cell_inline(self, cell: HtmlElement) -> list[Inline]:
        """A table cell's runs, with the emphasis its own `style` gives it."""
        saved = self.style, self.centred
        if cell.get("style"):
            self.style, self.centred = _styled(cell.get("style"), None, self.style, self.centred)
        inlines = self.collect_inline(cell)
        self.style, self.centred = saved
        return inlines

    def collect_inline(self, node: HtmlElement) -> list[Inline]:
        """The text of `node` as one line of runs (headings, table cells)."""
        saved = self.runs, self.inline_only
        self.runs, self.inline_only = [], True
        self.children(node)
        inlines = tidy_inlines(self.runs)
        self.runs, self.inline_only = saved
        return inlines

    # -- handlers, one per kind of element (see HANDLERS)

    def skip(self, node: HtmlElement) -> None:
        """Never article text."""

    def inline(self, node: HtmlElement) -> None:
        """`<span>`, `<font>`, `<o:p>`, `<u>`, `<sup>`... and unknown tags: only the text counts."""
        self.children(node)

    def block(self, node: HtmlElement) -> None:
        self.boundary()
        self.children(node)
        self.boundary()

    def line_break(self, node: HtmlElement) -> None:
        """Chinese news pages use `<br>` (and runs of it) to separate paragraphs."""
        self.boundary()

    def link(self, node: HtmlElement) -> None:
        href = absolute(self.base_url, node.get("href"), LINK_SCHEMES)
        if "#" in href and href.split("#", 1)[0] == self.base_url.split("#", 1)[0]:
            href = ""  # an anchor on this page: it does not exist in the archived copy
        saved, self.href = self.href, href
        self.children(node)
        self.href = saved

    def image(self, node: HtmlElement) -> None:
        src = absolute(self.base_url, node.get("src"), IMAGE_SCHEMES)
        if not src:
            return
        if self.inline_only:  # a heading or cell holds no image: it follows the heading
            self.text(" ")
            self.pending.append(Image(src))
            return
        self.end_paragraph()
        self.out.append(Image(src))

    def heading(self, node: HtmlElement) -> None:
        if self.inline_only:
            self.block(node)
            return
        self.end_paragraph()
        inlines = self.collect_inline(node)
        if inlines:
            self.out.append(Heading(HEADING_TAGS[node.tag.lower()], inlines))
        self.flush_pending()

    def flush_pending(self) -> None:
        self.out.extend(self.pending)
        self.pending = []

    def rule(self, node: HtmlElement) -> None:
        self.boundary()
        if not self.inline_only:
            self.out.append(Rule())

    def quote(self, node: HtmlElement) -> None:
        if self.inline_only or self.nesting >= MAX_NESTING:
            self.block(node)
            return
        self.end_paragraph()
        self.nesting += 1
        children = self.collect_blocks(node)
        self.nesting -= 1
        if children:
            self.out.append(Quote(children))

    def preformatted(self, node: HtmlElement) -> None:
        """Code: text with its line breaks. A `<pre>` holding paragraphs, tables or images is
        just a container (editors wrap whole articles in one) and is read as blocks."""
        if self.inline_only:
            self.block(node)
            return
        if any(child.tag in _NOT_IN_CODE for child in node.iterdescendants()):
            self.block(node)
            return
        self.end_paragraph()
        text = pre_text(node)
        if text:
            self.out.append(Preformatted(text))

    def centred_block(self, node: HtmlElement) -> None:
        """`<center>`, and `<figcaption>` (centred by browsers): captions when under a photo."""
        saved, self.centred = self.centred, True
        self.block(node)
        self.centred = saved

    def list_block(self, node: HtmlElement) -> None:
        """Each `<li>` is an item; stray content (often a nested `<ul>`) joins the item before it."""
        if self.inline_only or self.nesting >= MAX_NESTING:
            self.block(node)
            return
        self.end_paragraph()
        self.nesting += 1
        saved = self.out
        items: list[list[Block]] = [[]]
        self.out = items[0]
        if node.text:
            self.text(node.text)
        for child in node:
            if child.tag == "li":
                self.end_paragraph()
                self.out = []
                items.append(self.out)
            self.walk(child)
            if child.tail:
                self.text(child.tail)
        self.end_paragraph()
        self.out = saved
        self.nesting -= 1
        items = [item for item in items if item]
        if items:
            ordered = node.tag.lower() == "ol"
            self.out.append(ListNode(ordered, items, _start(node.get("start")) if ordered else 1))

    def table(self, node: HtmlElement) -> None:
        rows = None if self.inline_only else self.data_table(node)
        if rows is None:  # layout: the cells are just blocks of the page
            self.block(node)
            return
        self.end_paragraph()
        caption = node.find("caption")
        if caption is not None:
            inlines = self.collect_inline(caption)
            if inlines:
                self.out.append(Paragraph(inlines))
        self.out.append(Table(rows))

    def data_table(self, node: HtmlElement) -> list[list[list[Inline]]] | None:
        """The table as a grid of cell runs, or None when it only lays the page out."""
        if node.find(".//table") is not None or node.find(".//img") is not None:
            return None
        if node.xpath(_STRAY_TEXT):  # text outside the cells: not a grid of data
            return None
        trs = node.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
        if len(trs) < 2:
            return None
        grid: dict[tuple[int, int], list[Inline]] = {}
        taken: set[tuple[int, int]] = set()
        width = 0
        for r, tr in enumerate(trs):
            c = 0
            for cell in tr.iterchildren("td", "th"):
                if _hidden(cell):
                    continue
                while (r, c) in taken:
                    c += 1
                colspan = _span(cell.get("colspan"))
                rowspan = min(_span(cell.get("rowspan")), len(trs) - r)
                grid[(r, c)] = self.cell_inline(cell)
                taken.update((r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan))
                c += colspan
                width = max(width, c)
                if width > MAX_COLUMNS:
                    return None
        rows = [[grid.get((r, c), []) for c in range(width)] for r in range(len(trs))]
        rows = [row for row in rows if any(row)]
        keep = [c for c in range(width) if any(row[c] for row in rows)]
        if len(rows) < 2 or len(keep) < 2:
            return None
        return [[row[c] for c in keep] for row in rows]


HANDLERS: dict[str, Callable[[_Cleaner, HtmlElement], None]] = {
    **dict.fromkeys(SKIP_TAGS, _Cleaner.skip),
    **dict.fromkeys(BLOCK_TAGS, _Cleaner.block),
    **dict.fromkeys(HEADING_TAGS, _Cleaner.heading),
    **dict.fromkeys(_TAG_STYLES, _Cleaner.inline),  # their style is set by `walk`
    **dict.fromkeys(("ul", "ol", "menu", "dir"), _Cleaner.list_block),
    "br": _Cleaner.line_break,
    "hr": _Cleaner.rule,
    "img": _Cleaner.image,
    "a": _Cleaner.link,
    "table": _Cleaner.table,
    "blockquote": _Cleaner.quote,
    "pre": _Cleaner.preformatted,
    "listing": _Cleaner.preformatted,
    "xmp": _Cleaner.preformatted,
    "center": _Cleaner.centred_block,
    "figcaption": _Cleaner.centred_block,
}
"""Tag → handler. Tags not listed (span, font, o:p, st1:*, u, sup...) are unwrapped."""


def tidy_inlines(runs: list[Inline]) -> list[Inline]:
    """Collapse white space, merge each link into one run, and move spaces out of links and
    emphasis (Markdown cannot open emphasis before a space)."""
    collapsed: list[Inline] = []
    space_before = True  # a paragraph starts without a space
    for run in runs:
        text = _WS.sub(" ", run.text)
        if space_before and text.startswith(" "):
            text = text[1:]
        if text:
            space_before = text.endswith(" ")
            collapsed.append(Inline(text, run.style, run.href))
    if collapsed and collapsed[-1].text.endswith(" "):
        collapsed[-1].text = collapsed[-1].text[:-1]
    out: list[Inline] = []
    for run in _merge_links(collapsed):
        if run.href:
            out.extend(_split_spaces(run, run.style))
        else:
            out.append(run)
    return _merge_plain(_trim_emphasis(out))


def _merge_links(runs: list[Inline]) -> list[Inline]:
    """One run per link; a link whose parts differ in style gets no style."""
    merged: list[Inline] = []
    for run in runs:
        last = merged[-1] if merged else None
        if last is not None and run.href and last.href == run.href:
            style = last.style if last.style == run.style else ""
            merged[-1] = Inline(last.text + run.text, style, run.href)
        else:
            merged.append(run)
    return merged


def _split_spaces(run: Inline, space_style: Style) -> list[Inline]:
    """`run` without its edge spaces, which become runs of their own with `space_style`."""
    core = run.text.strip(" ")
    parts = []
    if run.text.startswith(" "):
        parts.append(Inline(" ", space_style))
    if core:
        parts.append(Inline(core, run.style, run.href))
    if run.text.endswith(" ") and core:
        parts.append(Inline(" ", space_style))
    return parts


def _trim_emphasis(runs: list[Inline]) -> list[Inline]:
    """Move a space at either edge of an emphasised group of runs to just outside it."""
    out: list[Inline] = []
    i = 0
    while i < len(runs):
        style = runs[i].style
        j = i + 1
        while j < len(runs) and runs[j].style == style:
            j += 1
        group = runs[i:j]
        if style:
            head = _split_spaces(group[0], "") if group[0].text.startswith(" ") else [group[0]]
            group = head + group[1:]
            if group and group[-1].text.endswith(" "):
                group = group[:-1] + _split_spaces(group[-1], "")
        out.extend(group)
        i = j
    return out


def _merge_plain(runs: list[Inline]) -> list[Inline]:
    merged: list[Inline] = []
    for run in runs:
        if not run.text:
            continue
        last = merged[-1] if merged else None
        if last is not None and not run.href and not last.href and last.style == run.style:
            last.text += run.text
        else:
            merged.append(run)
    return merged


def pre_text(node: HtmlElement) -> str:
    """The text of a `<pre>` with its line breaks; the newline right after `<pre>` and blank
    lines at either end are not content."""
    parts: list[str] = []
    _collect_pre(node, parts)
    text = "".join(parts).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _collect_pre(node: HtmlElement, parts: list[str]) -> None:
    if node.text:
        parts.append(node.text)
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        elif tag and tag not in SKIP_TAGS and not _hidden(child):
            _collect_pre(child, parts)
        if child.tail:
            parts.append(child.tail)


def _styled(css: str, align: str | None, style: Style, centred: bool) -> tuple[Style, bool]:
    """The emphasis and centring an element's `style`/`align` attributes give its content."""
    weight = _FONT_WEIGHT.search(css)
    if weight:
        style = "strong" if weight.group(1).lower() in _BOLD_WEIGHTS else ""
    italic = _FONT_STYLE.search(css)
    if italic and style != "strong":
        style = "em" if italic.group(1).lower() in ("italic", "oblique") else ""
    aligned = _TEXT_ALIGN.search(css)
    alignment = aligned.group(1) if aligned else align
    if alignment:
        centred = alignment.strip().lower() == "center"
    return style, centred


def _hidden(node: HtmlElement) -> bool:
    css = node.get("style")
    return node.get("hidden") is not None or bool(css and _DISPLAY_NONE.search(css))


def _span(value: str | None) -> int:
    digits = re.match(r"\s*(\d+)", value or "")
    return min(max(int(digits.group(1)), 1), MAX_SPAN) if digits else 1


def _start(value: str | None) -> int:
    digits = re.match(r"\s*(\d{1,9})\s*$", value or "")
    return int(digits.group(1)) if digits else 1
