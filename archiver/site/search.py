"""The search index: Pagefind over the built pages, whole or only the new ones.

A full index is `SITE/search-index/pagefind/`. Indexing every page again after a crawl that
found 20 articles costs as much as the first time (Pagefind has no update mode), so an
incremental build indexes only the new pages into an extra bundle beside it,
`search-index/pagefind-add-<n>/`, and the search page merges the bundles in the browser
(Pagefind's `mergeIndex`); `search-index/pagefind-bundles.js` names them. The index folder is
mounted as static files (so `site serve` searches too) and copied into `public/` after Pagefind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from archiver.site.scaffold import SEARCH_INDEX
from archiver.site.tools import run_tool

MAIN = "pagefind"
BUNDLES_SCRIPT = "pagefind-bundles.js"
_INDEXED = re.compile(r"Indexed (\d+) pages?")
_STAGING = ".search-new"


def index_all(pagefind: Path, site: Path, public: Path) -> int:
    """Index every page into the main bundle, dropping the extra ones; the pages indexed."""
    root = site / SEARCH_INDEX
    for old in [*root.glob(f"{MAIN}*"), *public.glob(f"{MAIN}*")]:  # names follow the content:
        shutil.rmtree(old) if old.is_dir() else old.unlink()  # start from an empty folder
    indexed = _pagefind(pagefind, public, root / MAIN)
    write_bundles_script(site, [])
    _publish(site, public, MAIN)
    return indexed


def index_added(pagefind: Path, site: Path, public: Path, pages: list[Path], name: str) -> int:
    """Index the built pages `pages` (files under `public/`) into the extra bundle `name`."""
    staging = site / _STAGING
    shutil.rmtree(staging, ignore_errors=True)
    for page in pages:  # the same relative paths, so the bundle has the same URLs
        target = staging / page.relative_to(public)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(page, target)
    try:
        indexed = _pagefind(pagefind, staging, site / SEARCH_INDEX / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _publish(site, public, name)
    return indexed


def write_bundles_script(site: Path, names: list[str]) -> None:
    """The extra bundles the search page merges (the site root's relative paths)."""
    text = f"window.ARCHIVER_SEARCH_BUNDLES = {json.dumps(names)};\n"
    (site / SEARCH_INDEX / BUNDLES_SCRIPT).write_text(text, encoding="utf-8")
    _publish(site, site / "public", BUNDLES_SCRIPT)


def _pagefind(pagefind: Path, pages: Path, into: Path) -> int:
    output = run_tool([pagefind, "--site", pages, "--output-path", into], "pagefind")
    found = _INDEXED.search(output)
    return int(found.group(1)) if found else 0


def _publish(site: Path, public: Path, name: str) -> None:
    """Copy one item of the index folder into the built site (Hugo copied the previous ones)."""
    source, target = site / SEARCH_INDEX / name, public / name
    if target.is_dir():
        shutil.rmtree(target)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        public.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
