"""Which pages a build must render, from the last build's manifest and the archive now. Pure.

Hugo's command line renders every page of a site on every run; its segments
(`--renderSegments`, Hugo ≥ 0.124) render only the pages a filter names and leave the other files
of `public/` as they are. A page must be rendered again when anything it shows changed:

- an article page: its file or its data (title, URL, day); pages with `sidebar` or `authorbox`
  show their source's newest articles and count and every source's month counts, so all of
  them whenever an article came or changed;
- the lists: a source's landing page and those of its (or a category's) numbered pages whose
  generated front matter (articles, links) changed (`archiver.site.plan` numbers them from the
  oldest, so new articles change only the newest), every page of a source or category with
  a changed article (the items show its title and day); every page of the months that gained
  or changed an article (Hugo's pagination, newest first, moves every item of a list that grew
  down by one); the home page, the month overview and the search page (totals).

A build is full (everything rendered, `public/` cleaned) when there is no manifest, the frame
(theme, configuration, names, binaries) changed, or an article file or a generated list page
went away (its page and its entries in lists and in the search index must go too). The search index gets an extra Pagefind
bundle of the new pages only, merged in the browser, unless an article changed (its old entry
would stay in the index), or the extra bundles hold more than `EXTRA_SHARE` of the pages or
number more than `MAX_BUNDLES`: then Pagefind indexes everything again into one bundle.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from archiver.site.manifest import ArticleState, Manifest
from archiver.site.plan import category_slug

SEGMENT = "archiver-changed"
MAX_BUNDLES = 8
EXTRA_SHARE = 0.10
# Article paths Hugo's logical path keeps as they are and a glob matches literally.
_PLAIN = re.compile(r"[a-z0-9_-]+/[a-z0-9_-]+\.md")
_PLAIN_SOURCE = re.compile(r"[a-z0-9_-]+")


@dataclass(frozen=True)
class Changes:
    """`full`: render everything (`reason` says why). Otherwise the article paths whose pages
    change (`pages`), the sources whose list changes, those with boxed pages, the months whose
    list changes, the categories (folder slugs) of changed articles, the generated list pages
    that changed (`lists`, content paths), the new articles (`added`), and whether search
    needs a full index."""

    full: bool
    reason: str = ""
    pages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    boxed_sources: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    search_full: bool = False


def find_changes(previous: Manifest | None, frame: str, now: dict[str, ArticleState],
                 lists: dict[str, str]) -> Changes:
    reason = _full_build_reason(previous, frame, now, lists)
    if reason or previous is None:
        return Changes(full=True, reason=reason)
    added, changed = _added_and_changed(previous.articles, now)
    touched = added + changed
    months = {now[p].month for p in touched} | {previous.articles[p].month for p in changed}
    boxed = {_source(p) for p, state in now.items() if state.boxed} if touched else set()
    return Changes(full=False, pages=tuple(touched), sources=tuple(sorted({_source(p) for p in touched})),
                   boxed_sources=tuple(sorted(boxed)), months=tuple(sorted(months)),
                   categories=_categories(changed, previous.articles, now),
                   lists=_changed_lists(previous.lists, lists), added=tuple(added),
                   search_full=bool(changed) or _compact(previous, len(added), len(now)))


def _categories(changed: list[str], before: dict[str, ArticleState],
                now: dict[str, ArticleState]) -> tuple[str, ...]:
    """The folder slugs of the categories the changed articles were or are in."""
    return tuple(sorted({category_slug(name) for path in changed
                         for name in before[path].categories + now[path].categories}))


def _changed_lists(before: dict[str, str], now: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted(path for path, sha in now.items() if before.get(path) != sha))


def _full_build_reason(previous: Manifest | None, frame: str, now: dict[str, ArticleState],
                       lists: dict[str, str]) -> str:
    """Why everything must be built again; empty when an incremental build will do."""
    if previous is None:
        return "first build"
    if previous.frame != frame:
        return "theme, configuration, names or tools changed"
    if set(previous.articles) - set(now):
        return "articles were removed"
    if set(previous.lists) - set(lists):
        return "list pages were removed"
    if not all(_PLAIN_SOURCE.fullmatch(_source(path)) for path in now):
        return "a source folder name Hugo would normalise"
    return ""


def _added_and_changed(before: dict[str, ArticleState],
                       now: dict[str, ArticleState]) -> tuple[list[str], list[str]]:
    added = sorted(set(now) - set(before))
    return added, sorted(p for p in now if p in before and before[p].page != now[p].page)


def _source(path: str) -> str:
    return path.split("/", 1)[0]


def _compact(previous: Manifest, added: int, total: int) -> bool:
    """Whether the new pages should go into a full index rather than one more extra bundle."""
    if not added:
        return False
    extra = sum(bundle["pages"] for bundle in previous.bundles) + added
    return len(previous.bundles) + 1 > MAX_BUNDLES or extra > EXTRA_SHARE * total


def segment_config(changes: Changes) -> str:
    """A Hugo configuration file adding the segment `SEGMENT`: the pages `changes` names.
    Paths are Hugo's logical paths (`/hrbeu/<name>` for `hrbeu/<name>.md`); an article whose
    file name Hugo would normalise has all of its source's pages rendered instead."""
    paths = _list_paths(changes)
    whole = set(changes.boxed_sources)
    for page in changes.pages:
        if _PLAIN.fullmatch(page):
            paths.add(f"/{page[:-3]}")
        else:
            whole.add(page.split("/", 1)[0])
    lines = [f"[segments.{SEGMENT}]",
             f"[[segments.{SEGMENT}.includes]]", 'kind = "home"',
             f"[[segments.{SEGMENT}.includes]]", f"path = {_glob(paths)}"]
    if whole:
        lines += [f"[[segments.{SEGMENT}.includes]]", 'kind = "page"', f"path = {_glob({f'/{s}/**' for s in whole})}"]
    return "\n".join(lines) + "\n"


def _list_paths(changes: Changes) -> set[str]:
    """The lists to render: sources' landing pages, the generated list pages that changed,
    every page of a source or category with a rewritten article, the months, the overviews."""
    paths = {"/archive", "/search"} | {f"/{source}" for source in changes.sources}
    paths |= {f"/archive/{month}" for month in changes.months}
    paths |= {"/" + page.removesuffix("/_index.md") for page in changes.lists if page != "_index.md"}
    paths |= {f"/categories/{slug}{tail}" for slug in changes.categories for tail in ("", "/page/**")}
    return paths | {f"/{_source(page)}/page/**" for page in changes.pages if page not in changes.added}


def _glob(paths: set[str]) -> str:
    return json.dumps("{" + ",".join(sorted(paths)) + "}", ensure_ascii=False)
