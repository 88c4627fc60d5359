"""Document viewers: article bodies that are only a document shown by a player.

Some articles have no text at all: the CMS shows a document in a viewer, and the viewer is all
the body holds. Left as they are, such pages are refused (no body) or archived empty, because
the viewer is a script, a Flash `<embed>` or a `<div>` that JavaScript fills. Each kind is
rewritten here, before the body is looked for, into what it shows:

- VSB's page-image viewer, `<script>var vsb_pdf_image_data=["/__local/…/1.jpg", …];
  showVsbpdfIframe("/__local/….pdf", …)</script>`: the page images as `<img>`, and the PDF;
- VSB's FlexPaper viewer, `<embed … flashvars="SwfFile=/__local/….swf&…">` (or the attribute
  itself, or an `<object>`'s `<param>`): the converted document it shows;
- a preset's file viewer (WebPlus `div.wp_pdf_player[pdfsrc]`): the file.

The document becomes a link paragraph `[文档：name](URL)` where the viewer was, marked with
`DOCUMENT_ATTR`, so the article's summary says it is a document, and the extractor lists the file
as an attachment. The functions are pure: they change the tree they are given, nothing else.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml.html import HtmlElement

from archiver.cms.base import Preset
from archiver.css import select
from archiver.urls import link_target

# Attribute that marks the link standing for a viewer's document (its value: the name).
DOCUMENT_ATTR = "data-archiver-document"
DOCUMENT_LABEL = "文档"
_IMAGE_DATA = re.compile(r"vsb_pdf_image_data\s*=\s*(\[[^\]]*\])")
_PDF_CALL = re.compile(r"""showVsbpdfIframe\(\s*['"]([^'"]+)['"]""")
_SWF_FILE = re.compile(r"(?:^|[?&\s;])swffile=([^&\s'\"]+)", re.IGNORECASE)
_SUDYFILE_TITLE = re.compile(r"""['"]title['"]\s*:\s*['"]([^'"]+)['"]""")


def embed_documents(doc: HtmlElement, url: str, preset: Preset) -> None:
    """Replace every document viewer in `doc` with its document link (and page images)."""
    for script in list(doc.iter("script")):
        _replace_image_viewer(script, url)
    for node in list(doc.iter("embed", "object")):
        if node.getparent() is not None:
            _replace_flash_viewer(node, url)
    for selector, attribute in preset.file_embeds:
        for node in select(doc, selector):
            href = _absolute(url, node.get(attribute))
            if href:
                name = _sudyfile_title(node) or _file_name(href)
                _replace(node, _document(href, name))


def _replace_image_viewer(script: HtmlElement, url: str) -> None:
    text = script.text or ""
    data = _IMAGE_DATA.search(text)
    if data is None or script.getparent() is None:
        return
    try:
        pages = json.loads(data.group(1).replace("'", '"'))
    except ValueError:
        pages = []
    images = [_absolute(url, page) for page in pages if isinstance(page, str)]
    pdf = _PDF_CALL.search(text)
    href = _absolute(url, pdf.group(1)) if pdf else ""
    viewer = _document(href, _file_name(href)) if href else lxml.html.Element("div")
    for src in filter(None, images):
        viewer.append(lxml.html.Element("img", src=src))
    _replace(script, viewer)


def _replace_flash_viewer(node: HtmlElement, url: str) -> None:
    href = _absolute(url, _swf_file(node))
    if href:
        _replace(node, _document(href, _file_name(href)))


def _swf_file(node: HtmlElement) -> str:
    """The `SwfFile` a FlexPaper viewer shows: its own attribute, or inside `flashvars`, `src`
    or a `<param>` value (`SwfFile=/__local/….swf&Scale=0.6…`)."""
    for name, value in node.items():
        if name.lower() == "swffile":
            return unquote(value)
    values = [value for _, value in node.items()]
    values += [param.get("value") or "" for param in node.iter("param")]
    for value in values:
        match = _SWF_FILE.search(value)
        if match:
            return unquote(match.group(1))
    return ""


def _document(href: str, name: str) -> HtmlElement:
    """`<div><p><a href data-archiver-document=name>文档：name</a></p></div>`."""
    wrapper = lxml.html.Element("div")
    paragraph = lxml.html.Element("p")
    link = lxml.html.Element("a", href=href)
    wrapper.append(paragraph)
    paragraph.append(link)
    link.set(DOCUMENT_ATTR, name)
    link.text = f"{DOCUMENT_LABEL}：{name}"
    return wrapper


def _replace(node: HtmlElement, replacement: HtmlElement) -> None:
    """Put `replacement` where `node` was. Void `<embed>`: libxml2 nests what follows it
    inside it, so its children are kept after the replacement."""
    parent = node.getparent()
    if parent is None:
        return
    replacement.tail = node.tail
    children = list(node) if node.tag == "embed" else []
    parent.replace(node, replacement)
    at = parent.index(replacement)
    for offset, child in enumerate(children, 1):
        parent.insert(at + offset, child)


def _absolute(url: str, href: str | None) -> str:
    return link_target(url, href)


def _file_name(href: str) -> str:
    return unquote(urlsplit(href).path.rsplit("/", 1)[-1])


def _sudyfile_title(node: HtmlElement) -> str:
    match = _SUDYFILE_TITLE.search(node.get("sudyfile-attr") or "")
    return " ".join(match.group(1).split()) if match else ""
