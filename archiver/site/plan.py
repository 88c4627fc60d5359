"""The site's data and generated section pages, from the inventory. Pure: no I/O.

Hugo orders pages by the front matter's `date`, the archive time; readers expect the
publication date. Rather than touching the archive's files, the order is computed here and
handed to the theme as data (`data/archive.json`): each article's rank, its page title, URL and
day, the newest articles, and the articles of each month. Months have no content of their own,
so each gets a generated `_index.md` (a Hugo section, which Hugo can paginate).

A source's list is paginated here rather than by Hugo, numbered from the OLDEST article:
page K (`<source>/page/K/`) holds the articles 20·(K−1)+1 … 20·K counted from the oldest,
newest first. New articles then change only the newest page (and the landing page), so an
incremental build renders those and not every page of the list: Hugo's paginator numbers from
the newest item and moves every item down a page. The landing page (`<source>/`) shows the
newest page, together with the one before it when the newest is not full (so it never shows a
handful of items), links to the next older page and lists every page.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from archiver.site.inventory import Entry, SourceInfo

CHINA_TZ = timezone(timedelta(hours=8))
NEWEST = 12
"""Articles on the home page."""
PAGE_SIZE = 20
"""Articles on a page of a list."""
SITE_TITLE = "新闻存档"


@dataclass(frozen=True)
class SitePlan:
    """What the scaffold writes: the data document and the generated pages (path → text)."""

    data: dict[str, Any]
    pages: dict[str, str]


def plan_site(sources: list[SourceInfo], entries: list[Entry]) -> SitePlan:
    ordered = sorted(entries, key=_order_key, reverse=True)
    months: dict[str, list[str]] = {}
    for entry in ordered:
        months.setdefault(_month(entry), []).append(entry.path)
    data = {
        "sources": [_source_data(source, ordered) for source in sources],
        "articles": {entry.path: _article_data(entry, rank) for rank, entry in enumerate(ordered)},
        "newest": [entry.path for entry in ordered[:NEWEST]],
        "months": months,
        "month_list": [{"key": key, "year": key[:4], "month": int(key[5:]), "count": len(paths)}
                       for key, paths in months.items()],
        "total": len(ordered),
    }
    return SitePlan(data=data, pages=_pages(sources, months, ordered))


def _moment(entry: Entry) -> datetime:
    """Publication time in China, else the archive time (local, taken as China time)."""
    if entry.published:
        moment = datetime.fromisoformat(entry.published)
        if moment.tzinfo is not None:
            return moment.astimezone(CHINA_TZ).replace(tzinfo=None)
        return moment
    return datetime.fromisoformat(entry.archived)


def _order_key(entry: Entry) -> tuple[datetime, str]:
    return _moment(entry), entry.path


def _month(entry: Entry) -> str:
    return _moment(entry).strftime("%Y-%m")


def _article_data(entry: Entry, rank: int) -> dict[str, Any]:
    return {"r": rank, "t": entry.title or "", "u": entry.url or "",
            "d": _moment(entry).strftime("%Y-%m-%d"), "p": entry.published is not None}


def _source_data(source: SourceInfo, ordered: list[Entry]) -> dict[str, Any]:
    own = [entry for entry in ordered if entry.source == source.id]
    return {"id": source.id, "name": source.name, "label": source.label, "count": len(own),
            "newest": _moment(own[0]).strftime("%Y-%m-%d") if own else "",
            "oldest": _moment(own[-1]).strftime("%Y-%m-%d") if own else ""}


def _pages(sources: list[SourceInfo], months: dict[str, list[str]], ordered: list[Entry]) -> dict[str, str]:
    """Section pages Hugo cannot make by itself, as JSON front matter (no escaping pitfalls)."""
    pages = {
        "_index.md": _front_matter(title=SITE_TITLE),
        "archive/_index.md": _front_matter(title="按月归档"),
        "search/_index.md": _front_matter(title="搜索"),
    }
    for source in sources:
        pages.update(_source_pages(source, [e.path for e in ordered if e.source == source.id]))
    for key in months:
        pages[f"archive/{key}/_index.md"] = _front_matter(
            title=f"{key[:4]}年{int(key[5:])}月", month=key)
    return pages


def _source_pages(source: SourceInfo, newest_first: list[str]) -> dict[str, str]:
    """The landing page and the numbered pages of a source's list (see the module's docstring)."""
    return _numbered_pages(source.id, source.name, newest_first, label=source.label)


def with_categories(plan: SitePlan, categories: dict[str, tuple[str, ...]]) -> SitePlan:
    """`plan` with the category lists: an overview (`categories/`) and, per category, a landing
    page and numbered pages from the oldest like a source's (`categories/<slug>/page/K/`), so a
    crawl re-renders only the newest pages of the categories that grew. `categories`: each
    article's categories, from its front matter (kept in the build's manifest)."""
    articles = plan.data["articles"]
    members: dict[str, list[str]] = {}
    for path in sorted(articles, key=lambda p: articles[p]["r"]):
        for name in dict.fromkeys(categories.get(path, ())):
            members.setdefault(name, []).append(path)
    terms = sorted(members, key=lambda name: (-len(members[name]), name))
    pages = dict(plan.pages)
    pages["categories/_index.md"] = _front_matter(
        title="分类", terms=[{"name": n, "slug": category_slug(n), "count": len(members[n])} for n in terms])
    for name in terms:
        pages.update(_numbered_pages(f"categories/{category_slug(name)}", name, members[name], label="分类"))
    return SitePlan(data=plan.data, pages=pages)


def category_slug(name: str) -> str:
    """A category's folder: plain ASCII whatever the name (Hugo would rewrite other names and
    a segment's glob must match them), the same for the same name on every build."""
    return "c-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def _numbered_pages(folder: str, name: str, newest_first: list[str], label: str) -> dict[str, str]:
    """A list's landing page (`folder/`) and numbered pages (`folder/page/K/`), from the oldest.
    A page links to its newer neighbour (0: the landing page) and its older one (0: none)."""
    oldest_first = newest_first[::-1]
    chunks = [oldest_first[start:start + PAGE_SIZE][::-1] for start in range(0, len(oldest_first), PAGE_SIZE)]
    count = len(chunks)
    pages = {f"{folder}/page/{number}/_index.md": _front_matter(
        title=f"{name} · 第 {number} 页", page=number, items=chunk,
        newer=number + 1 if number < count else 0, older=number - 1)
        for number, chunk in enumerate(chunks, start=1)}
    shown = min(count, 1 if count < 2 or len(chunks[-1]) == PAGE_SIZE else 2)
    landing = [path for chunk in reversed(chunks[count - shown:]) for path in chunk]
    pages[f"{folder}/_index.md"] = _front_matter(
        title=name, label=label, items=landing, older=count - shown, pages=count)
    return pages


def _front_matter(**values: object) -> str:
    return json.dumps(values, ensure_ascii=False, indent=2) + "\n"


def data_json(plan: SitePlan) -> str:
    """The data document as written: stable bytes for the same archive."""
    return json.dumps(plan.data, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n"
