"""The site's data and generated section pages, from the inventory. Pure: no I/O.

Hugo orders pages by the front matter's `date`, the archive time; readers expect the
publication date. Rather than touching the archive's files, the order is computed here and
handed to the theme as data (`data/archive.json`): each article's rank, its page title, URL and
day, the newest articles, and the articles of each month. Months have no content of their own,
so each gets a generated `_index.md` (a Hugo section, which Hugo can paginate).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from archiver.site.inventory import Entry, SourceInfo

CHINA_TZ = timezone(timedelta(hours=8))
NEWEST = 12
"""Articles on the home page."""
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
    return SitePlan(data=data, pages=_pages(sources, months))


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


def _pages(sources: list[SourceInfo], months: dict[str, list[str]]) -> dict[str, str]:
    """Section pages Hugo cannot make by itself, as JSON front matter (no escaping pitfalls)."""
    pages = {
        "_index.md": _front_matter(title=SITE_TITLE),
        "archive/_index.md": _front_matter(title="按月归档"),
        "search/_index.md": _front_matter(title="搜索"),
    }
    for source in sources:
        pages[f"{source.id}/_index.md"] = _front_matter(title=source.name, label=source.label)
    for key in months:
        pages[f"archive/{key}/_index.md"] = _front_matter(
            title=f"{key[:4]}年{int(key[5:])}月", month=key)
    return pages


def _front_matter(**values: str) -> str:
    return json.dumps(values, ensure_ascii=False, indent=2) + "\n"


def data_json(plan: SitePlan) -> str:
    """The data document as written: stable bytes for the same archive."""
    return json.dumps(plan.data, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n"
