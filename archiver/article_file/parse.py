"""Reading an archived article file back into its parts: front matter, body, attachments, link.

The inverse of `archiver.article_file.render.render_article`: a file is `---`, the YAML front matter, `---`,
the body Markdown with Hugo's `<!--more-->` divider in it, then (when the article has any) the
attachment list `附件：` with one `- [name](URL)` item per attachment, and the source link
paragraph `[text](URL)` at the very end; blocks are separated by blank lines. The catalog
stores metadata, not bodies, so an export takes the body from here; `--from-files` takes
everything from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archiver.article_file.render import ATTACHMENTS_LABEL, DIVIDER

FENCE = "---\n"
_CLOSING_FENCE = "\n---\n"
# Links as the renderer writes them: text with backslash escapes, and a destination that
# `markdown_url` wrote (no white space, parentheses percent-encoded).
_TEXT = r"(?:[^\\\]\n]|\\.)*"
_DESTINATION = r"[^\s()]*"
# The source link paragraph; an editor's final newline is tolerated.
_SOURCE_LINK = re.compile(rf"\[{_TEXT}\]\((?P<url>{_DESTINATION})\)\n*")
# The attachment list after its label: one `- [name](URL)` line per attachment.
_ITEM = re.compile(rf"- \[(?P<name>{_TEXT})\]\((?P<url>{_DESTINATION})\)")
_PLAIN_ITEM = rf"- \[{_TEXT}\]\({_DESTINATION}\)"
_ITEMS = re.compile(rf"{_PLAIN_ITEM}(?:\n{_PLAIN_ITEM})*")
_LIST_HEAD = f"{ATTACHMENTS_LABEL}\n\n"
# CommonMark: a backslash before ASCII punctuation stands for that character.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


class ArticleFileError(Exception):
    """The file is not an article file as the archiver writes them; the message says why."""


@dataclass(frozen=True)
class ArticleFile:
    """An article file split into its parts.

    `front_matter` is the YAML text between the fences; `markdown` the body as written, without
    the divider, the attachment list and the source link; `attachments` the list's (name, URL)
    pairs; `source_url` the source link's destination. URLs are as written in the file.
    """

    front_matter: str
    markdown: str
    attachments: tuple[tuple[str, str], ...]
    source_url: str


def split_article_file(text: str) -> ArticleFile:
    """Split a file's text; raise ArticleFileError when a part is missing."""
    if not text.startswith(FENCE):
        raise ArticleFileError("does not start with a front matter block ('---')")
    end = text.find(_CLOSING_FENCE, len(FENCE) - 1)
    if end < 0:
        raise ArticleFileError("front matter block is not closed ('---')")
    front_matter = text[len(FENCE):end + 1]
    rest = text[end + len(_CLOSING_FENCE):]
    body, _, last = rest.rpartition("\n\n")
    link = _SOURCE_LINK.fullmatch(last)
    if link is None:
        raise ArticleFileError("does not end with the source link paragraph '[…](URL)'")
    body, attachments = split_attachment_list(body)
    return ArticleFile(front_matter, remove_divider(body), attachments, link.group("url"))


def split_attachment_list(body: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The body without the attachment list that ends it, and the list's (name, URL) pairs.

    The list is the label paragraph `附件：` followed by nothing but `- [name](URL)` lines. A
    page whose own text ended in exactly that shape would be read as an attachment list too;
    the extractor takes such blocks out of bodies, so this does not happen in practice.
    """
    start = body.rfind(_LIST_HEAD)
    if start < 0 or not (start == 0 or body.startswith("\n\n", start - 2)):
        return body, ()
    items = body[start + len(_LIST_HEAD):]
    if not _ITEMS.fullmatch(items):
        return body, ()
    pairs = tuple((_ESCAPED.sub(r"\1", m.group("name")), m.group("url")) for m in _ITEM.finditer(items))
    return body[: max(start - 2, 0)], pairs


def remove_divider(body: str) -> str:
    """The body without the `<!--more-->` summary divider, as `insert_divider` placed it.

    The divider is either mid-body on a line of its own (`…\\n<!--more-->\\n…`, a paragraph
    of its own between two blocks), or the last paragraph of a short body, or the whole of an
    empty one. Page text never contains it (the
    renderer escapes `<`), so its first occurrence is the divider.
    """
    if body == DIVIDER:
        return ""
    if body.endswith("\n\n" + DIVIDER):
        return body[: -len(DIVIDER) - 2]
    return body.replace(f"\n{DIVIDER}\n", "", 1)


def read_article_file(path: str) -> ArticleFile:
    """Read and split one file. Any reason it cannot be used (missing, unreadable, not UTF-8,
    not an article file) is an ArticleFileError.

    `path` is a plain string: a `pathlib.Path` per file interns every file name for good, which
    makes memory grow with the number of files exported.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ArticleFileError("file is missing") from None
    except UnicodeDecodeError as exc:
        raise ArticleFileError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ArticleFileError(f"cannot read: {exc.strerror or exc}") from None
    return split_article_file(text)
