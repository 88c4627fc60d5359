"""`archiver extract FILE.html`: read a saved page exactly as a crawl would, without network.

It runs the crawler's extraction and normalisation on the file and prints either the Markdown
file that a crawl would write (default) or, with `--json`, the fields (for checking a new site,
building datasets, or comparing with other extractors).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml.etree import ParserError

from archiver.clock import archive_time
from archiver.cms import PRESETS
from archiver.commands.options import add_config_option
from archiver.commands.errors import UsageError
from archiver.config import Source, load_config
from archiver.extract import ExtractedArticle, ExtractionError, decode_html, extract_article
from archiver.normalize import NormalisedArticle, normalise_article
from archiver.article_file.render import render_article

NAME = "extract"
EXIT_NOT_ARTICLE = 1
STDIN = "-"
# Where pages declare their own address (VSB's `<meta name="Url">` included).
_DECLARED_URL = (
    "//base/@href",
    "//link[@rel='canonical']/@href",
    "//meta[@property='og:url']/@content",
    "//meta[@name='Url' or @name='url']/@content",
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="extract one saved HTML page (no network) and print its Markdown or JSON",
        description="Run the crawler's extraction on a saved page. Prints the Markdown file a "
        "crawl would write, or with --json the fields: title, published, paragraphs, text, "
        "markdown, images, attachments, cms. Exit code 1 when the page has no article.",
    )
    parser.add_argument("file", metavar="FILE.html",
                        help="saved page (UTF-8 with or without BOM, or GBK); - reads standard input")
    parser.add_argument("--url", default=None,
                        help="the page's address, for links, images and the file name "
                        "(default: the page's canonical URL, else the file's path)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--source", default=None, metavar="S",
                       help="read and render with this configured source's settings")
    which.add_argument("--cms", default="auto", choices=[n for n in PRESETS],
                       help="CMS preset when no source is named (default auto: recognise it)")
    add_config_option(parser, "sources file for --source (default $ARCHIVER_CONFIG or ./sources.yaml)")
    parser.add_argument("--json", action="store_true", help="print the fields as one JSON object")
    return parser


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = read_page(args.file)
    html = decode_html(data)
    url = args.url or declared_url(html) or (None if args.file == STDIN else path.resolve().as_uri())
    if url is None:
        raise UsageError("a page read from standard input needs --url (it declares no address)")
    source = load_config(args.config).select([args.source])[0] if args.source else default_source(url, args.cms)
    try:
        extracted = extract_article(html, url, source.preset, source.article)
    except ExtractionError as exc:
        print(f"archiver: {path}: not an article ({exc.reason}): {exc}", file=sys.stderr)
        return EXIT_NOT_ARTICLE
    if urlsplit(url).scheme not in ("http", "https"):
        warn_unresolved(path, extracted)
    article = normalise_article(extracted)
    if args.json:
        out = json.dumps(article_fields(article), ensure_ascii=False, indent=2) + "\n"
    else:
        out = render_article(article, source, archive_time())
    sys.stdout.buffer.write(out.encode("utf-8"))
    sys.stdout.flush()
    return 0


def read_page(name: str) -> bytes:
    """The page's bytes from the file `name`, or from standard input for `-`; a folder or an
    unreadable file is a usage error in those words."""
    if name == STDIN:
        return sys.stdin.buffer.read()
    path = Path(name)
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; extract reads one saved page (a file, or - for stdin)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def article_fields(article: NormalisedArticle) -> dict[str, Any]:
    """The `--json` object: plain values only, dates as ISO 8601 with their +08:00 offset."""
    paragraphs = article.paragraphs
    published = article.published
    return {
        "title": article.title,
        "published": published.isoformat() if published is not None else None,
        "paragraphs": paragraphs,
        "text": "\n\n".join(paragraphs),
        "markdown": article.markdown,
        "images": list(article.images),
        "attachments": [{"name": a.name, "href": a.href} for a in article.attachments],
        "cms": article.cms,
    }


def warn_unresolved(path: Path, article: ExtractedArticle) -> None:
    """Say on stderr which links a page without an address loses: relative images, links and
    attachments cannot be made absolute, so the output leaves them out (images, attachments) or
    keeps only their text (links)."""
    images = sum(1 for img in article.body.iter("img") if _relative(img.get("src")))
    links = sum(1 for a in article.body.iter("a") if _relative(a.get("href")))
    web = [a for a in article.attachments if urlsplit(a.href).scheme in ("http", "https")]
    links += len(article.attachments) - len(web)
    article.attachments = web
    if images or links:
        print(f"archiver: warning: {path} does not say its address (no <base>, canonical, og:url "
              f"or Url meta): {images} relative images and {links} relative links cannot be "
              "resolved and are left out; pass --url", file=sys.stderr)


def _relative(reference: str | None) -> bool:
    reference = (reference or "").strip()
    return bool(reference) and not urlsplit(reference).scheme and not reference.startswith("#")


def declared_url(html: str) -> str | None:
    """The absolute http(s) address the page gives for itself, if any."""
    try:
        doc = lxml.html.document_fromstring(html.lstrip("\ufeff"))
    except (ParserError, ValueError):
        return None
    for query in _DECLARED_URL:
        for value in doc.xpath(query):
            value = value.strip()
            if urlsplit(value).scheme in ("http", "https") and urlsplit(value).hostname:
                return value
    return None


def default_source(url: str, cms: str) -> Source:
    """A source for a page no configured source is named for: the site's host as name and label."""
    host = urlsplit(url).hostname or "local"
    return Source(id="extract", name=host, label=host, start_urls=(url,), cms=cms)
