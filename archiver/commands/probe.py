"""`archiver probe URL`: look at a news list page and propose its `sources.yaml` entry.

It fetches the list page (plain HTTP through `http_proxy` like any other client), recognises the
CMS, finds the article links and the pager, fetches the first article and extracts it. The
output is a complete sources file: the proposed source, then the first article as YAML comments,
so `archiver probe URL > sources.yaml` is ready to crawl and shows what the crawl will write.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from archiver import __version__
from archiver.cms import PRESETS, detect_preset
from archiver.cms.base import Preset
from archiver.cms.column import column_list_url, is_article_url
from archiver.cms.listing import ListReading, read_list
from archiver.config import ArticleRules
from archiver.extract import ExtractionError, decode_html, extract_article, parse_html
from archiver.normalize import NormalisedArticle, normalise_article
from archiver.article_file.render import yaml_scalar

NAME = "probe"
EXIT_FAILED = 1
USER_AGENT = f"archiver/{__version__} (probe)"
PREVIEW_PARAGRAPHS = 3
# Linked pages that arrive but are not articles before probe gives up on the list's links.
MAX_NOT_ARTICLES = 3
# "通知公告-扬州大学研究生招生网": the site name is the last part of a list page's title.
_TITLE_PARTS = re.compile(r"\s*(?:-|_|\||—|－)\s*")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_HOST_SUFFIXES = (".edu.cn", ".com.cn", ".gov.cn", ".org.cn", ".cn", ".com", ".org", ".net")


class FetchError(Exception):
    """A page could not be fetched; the message names the URL and the cause."""


@dataclass(frozen=True)
class Page:
    url: str
    html: str


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="look at a list page and print a ready-to-use sources.yaml entry",
        description="Fetch a news list page, recognise its CMS, find the article links and the "
        "pager, extract the first article, and print a sources.yaml with the proposed source "
        "(the first article follows as comments). Honours http_proxy.",
    )
    parser.add_argument("url", metavar="URL", help="the first page of a news list (column)")
    parser.add_argument("--id", default=None, help="source id (default: from the host name)")
    parser.add_argument("--name", default=None, help="site name (default: from the page title)")
    parser.add_argument("--label", default=None, help="site label (default: the host name)")
    parser.add_argument("--cms", default="auto", choices=[n for n in PRESETS],
                        help="CMS preset (default auto: recognise it)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--add-to", metavar="FILE", default=None,
                        help="add the source to the sources file FILE (created if missing; "
                        "validated, written atomically) instead of printing it")
    parser.add_argument("--replace", action="store_true",
                        help="with --add-to: replace a source of the same id")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        listing = fetch(args.url, args.timeout)
    except FetchError as exc:
        print(f"archiver: {exc}", file=sys.stderr)
        return EXIT_FAILED
    preset = PRESETS[args.cms]
    if preset.name == "auto":
        preset = detect_preset(listing.html)
    doc = parse_html(listing.html)
    if is_article_url(listing.url, preset):
        print(f"archiver: {article_page_message(listing, preset)}", file=sys.stderr)
        return EXIT_FAILED
    reading = read_list(doc, listing.url, preset)
    if not reading.links:
        print(f"archiver: no article links found on {listing.url} (CMS: {preset.name}); "
              "set list.items by hand", file=sys.stderr)
        return EXIT_FAILED
    article, problem = first_article(reading, preset, args.timeout)
    source_yaml = proposal(args, listing, doc, preset, reading, article) + preview(reading, article, problem)
    if args.add_to and article is not None:
        return _add_to(args, listing, source_yaml)
    sys.stdout.buffer.write(source_yaml.encode("utf-8"))
    sys.stdout.flush()
    if args.add_to:
        print(f"archiver: nothing added to {args.add_to}: no article could be extracted", file=sys.stderr)
    return 0 if article is not None else EXIT_FAILED


def _add_to(args: argparse.Namespace, listing: Page, source_yaml: str) -> int:
    """Add the proposal (everything after its `sources:` line) to the file; print what was done."""
    from archiver.sources_edit import add_source

    entry = source_yaml.split("\n", 1)[1]
    source = args.id or source_id(urlsplit(listing.url).hostname or "")
    print(add_source(Path(args.add_to), source, entry, args.replace))
    return 0


def article_page_message(page: Page, preset: Preset) -> str:
    """What to say when the probed URL is an article: probe wants its column's list."""
    doc = parse_html(page.html)
    column = column_list_url(doc, page.url)
    try:
        title = f" ({extract_article(page.html, page.url, preset).title})"
    except ExtractionError:
        title = ""
    where = f"its column's list is {column}" if column else "probe its column's list page"
    return f"{page.url} is an article page{title}, not a list: {where}"


def fetch(url: str, timeout: float) -> Page:
    """GET a page with urllib (which honours http_proxy/https_proxy/no_proxy) and decode it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
            return Page(response.geturl(), decode_html(data, response.headers.get("Content-Type")))
    except urllib.error.HTTPError as exc:
        raise FetchError(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot fetch {url}: {reason}") from exc


def first_article(
    reading: ListReading, preset: Preset, timeout: float
) -> tuple[NormalisedArticle | None, str]:
    """The first list entry that is an article, extracted; else None and why not.

    Entries that cannot be fetched are skipped (a list may link articles the site has removed);
    after `MAX_NOT_ARTICLES` pages that arrive but are not articles, the list is what is wrong.
    """
    problems: list[str] = []
    not_articles = 0
    from archiver.url_policy import url_refusal

    for url in reading.links:
        refusal = url_refusal(url)  # links come from the page: the crawl's URL policy holds
        if refusal is not None:
            problems.append(f"{url}: refused ({refusal[0]}): {refusal[1]}")
            continue
        try:
            page = fetch(url, timeout)
            return normalise_article(extract_article(page.html, url, preset, ArticleRules())), ""
        except FetchError as exc:
            problems.append(f"{url}: {exc}")
        except ExtractionError as exc:
            problems.append(f"{url}: {exc}")
            not_articles += 1
            if not_articles >= MAX_NOT_ARTICLES:
                break
    return None, "; ".join(problems[:PREVIEW_PARAGRAPHS]) + (
        f" (and {len(problems) - PREVIEW_PARAGRAPHS} more)" if len(problems) > PREVIEW_PARAGRAPHS else "")


def proposal(
    args: argparse.Namespace,
    listing: Page,
    doc: HtmlElement,
    preset: Preset,
    reading: ListReading,
    article: NormalisedArticle | None,
) -> str:
    """The sources file: only what the preset cannot know, plus selectors it had to derive."""
    host = urlsplit(listing.url).hostname or ""
    lines = [
        "sources:",
        f"  {args.id or source_id(host)}:",
        f"    name: {yaml_scalar(args.name or site_name(doc) or host)}",
        f"    label: {yaml_scalar(args.label or host)}",
        f"    cms: {preset.name}",
        "    start_urls:",
        f"      - {yaml_scalar(listing.url)}",
    ]
    hosts = list(dict.fromkeys([host, *(urlsplit(u).hostname or "" for u in reading.links)]))
    if article is not None and len(hosts) > 1 and urlsplit(article.url).hostname != host:
        lines += ["    allowed_domains:", *(f"      - {yaml_scalar(h)}" for h in hosts if h)]
    overrides = [("items", reading.items_selector), ("next_page", reading.next_selector)]
    if any(value for _, value in overrides):
        lines.append("    list:")
        lines += [f"      {key}: {yaml_scalar(value)}" for key, value in overrides if value]
    return "\n".join(lines) + "\n"


def preview(reading: ListReading, article: NormalisedArticle | None, problem: str) -> str:
    """What probe found, as YAML comments under the proposal."""
    notes = [
        f"{len(reading.links)} article links on the list page; "
        f"next page: {reading.next_url or 'none found (only this page will be crawled)'}",
        f"pager: {reading.pager.describe()}",
    ]
    if article is None:
        notes.append(f"no article could be extracted: {problem}")
    else:
        published = article.published.isoformat() if article.published else "not found"
        notes += [
            f"first article: {article.url}",
            f"  title: {article.title}",
            f"  published: {published}",
            f"  paragraphs: {len(article.paragraphs)}, images: {len(article.images)}, "
            f"attachments: {len(article.attachments)}",
        ]
        notes += [f"  | {text}" for text in article.paragraphs[:PREVIEW_PARAGRAPHS]]
        notes += [f"  image: {src}" for src in article.images[:PREVIEW_PARAGRAPHS]]
        notes += [f"  attachment: {a.name} <{a.href}>" for a in article.attachments]
    return "".join(f"# {' '.join(note.splitlines())}\n" for note in notes)


def site_name(doc: HtmlElement) -> str:
    """The site name a list page's `<title>` ends with (`通知公告-扬州大学` → `扬州大学`)."""
    parts = [p for p in _TITLE_PARTS.split(" ".join((doc.findtext(".//title") or "").split())) if p]
    return parts[-1] if parts else ""


def source_id(host: str) -> str:
    """`yjszs.yzu.edu.cn` → `yjszs-yzu`: short, and valid as a source id and folder name."""
    host = host.removeprefix("www.")
    for suffix in _HOST_SUFFIXES:
        if host.endswith(suffix) and host != suffix.lstrip("."):
            host = host[: -len(suffix)]
            break
    return _ID_UNSAFE.sub("-", host.replace(".", "-")).strip("-") or "site"
