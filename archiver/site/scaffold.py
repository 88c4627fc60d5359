"""Lay out (or update) the Hugo site around an archive folder.

The site folder holds only what the archiver generates, and nothing of the archive itself:

    SITE/hugo.toml                 mounts OUTPUT's articles as content and its media as static
    SITE/themes/archiver/          the theme shipped in this package (kept in step with it)
    SITE/data/archive.json         order, months and names (`archiver.site.plan`)
    SITE/content/                  generated section pages: home, sources, months, search
    SITE/search-index/             Pagefind's index (`archiver.site.search`), mounted as static
                                   so `hugo server` has it
    SITE/layouts/, SITE/static/    yours: files here override the theme's

Files are rewritten only when their bytes change, so an unchanged archive leaves the site as
it was. `content/` is owned by the archiver: files there that the plan no longer names (a month
or a source that no longer has articles) are removed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from archiver.site.plan import SITE_TITLE, SitePlan, data_json
from archiver.storage import write_atomic

THEME = Path(__file__).parent / "theme"
THEME_NAME = "archiver"
PAGER_SIZE = 20
SEARCH_INDEX = "search-index"
MEDIA_FOLDERS = ("*/images/**", "*/files/**", "*/videos/**")


def hugo_config(output: Path, base_url: str) -> str:
    """The site configuration: Hugo's defaults for Markdown (what the files are checked
    against), the theme, and the archive mounted twice (articles as content, media as static)."""
    out = json.dumps(output.resolve().as_posix(), ensure_ascii=False)
    lines = [
        "# Written by `archiver site build` on every build: edit layouts/ and static/ instead.",
        f"baseURL = {json.dumps(base_url)}",
        f"title = {json.dumps(SITE_TITLE, ensure_ascii=False)}",
        f'theme = "{THEME_NAME}"',
        "relativeURLs = true  # root-relative article links (/hrbeu/images/…) work under any base path",
        "hasCJKLanguage = true",
        'titleCaseStyle = "none"  # category names as written (hrbeu.com.cn, not Hrbeu.com.cn)',
        '# No taxonomies: the category lists are generated content (archiver.site.plan)',
        'disableKinds = ["rss", "sitemap", "robotstxt", "taxonomy", "term"]',
        "",
        "[pagination]",
        f"pagerSize = {PAGER_SIZE}",
        "",
        "[taxonomies]",
        "",
        _mount('"content"', "content"),
        _mount(out, "content", ['"*/*.md"']),
        _mount('"static"', "static"),
        _mount(out, "static", [json.dumps(pattern) for pattern in MEDIA_FOLDERS]),
        _mount(f'"{SEARCH_INDEX}"', "static"),
    ]
    return "\n".join(lines) + "\n"


def _mount(source: str, target: str, files: list[str] | None = None) -> str:
    text = f"[[module.mounts]]\nsource = {source}\ntarget = \"{target}\""
    if files:
        text += f"\nfiles = [{', '.join(files)}]"
    return text + "\n"


def write_site(site: Path, output: Path, base_url: str, plan: SitePlan) -> None:
    """Create or update every generated file of the site."""
    for folder in ("layouts", "static", SEARCH_INDEX):
        (site / folder).mkdir(parents=True, exist_ok=True)
    _put(site / "hugo.toml", hugo_config(output, base_url))
    _put(site / "data" / "archive.json", data_json(plan))
    _sync_theme(site / "themes" / THEME_NAME)
    _sync_content(site / "content", plan.pages)


def _put(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))  # only when the bytes differ


def _sync_theme(target: Path) -> None:
    """Mirror the packaged theme: copy what differs, remove what the package no longer has."""
    wanted = {p.relative_to(THEME): p for p in THEME.rglob("*") if p.is_file()}
    for relative, source in wanted.items():
        write_atomic(target / relative, source.read_bytes())
    _remove_others(target, set(wanted))


def _sync_content(target: Path, pages: dict[str, str]) -> None:
    for relative, text in pages.items():
        _put(target / relative, text)
    _remove_others(target, {Path(p) for p in pages})


def _remove_others(root: Path, keep: set[Path]) -> None:
    """Delete files under `root` not in `keep` (relative paths), then emptied folders."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*"), reverse=True):
        relative = path.relative_to(root)
        if path.is_file() and relative not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def tree_size(root: Path) -> tuple[int, int]:
    """(files, bytes) under `root`."""
    files = size = 0
    for folder, _, names in os.walk(root):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(folder, name))
    return files, size
