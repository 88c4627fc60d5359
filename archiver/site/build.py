"""`archiver site build` and `archiver site serve`: one short sequence each.

build: read the archive → plan the site → write the scaffold → Hugo → Pagefind → copy the index
into the built site. serve: the same build (so search works), then Hugo's own server in place
of this process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archiver.config import Source
from archiver.site import manifest, search
from archiver.site.changes import SEGMENT, Changes, find_changes, segment_config
from archiver.site.inventory import Entry, SourceInfo, read_inventory
from archiver.site.plan import SitePlan, plan_site, with_categories
from archiver.site.scaffold import tree_size, write_site
from archiver.site.state import fingerprint, forget, remember, up_to_date
from archiver.site.tools import SiteError, hugo_binary, pagefind_binary, run_tool

Warn = Callable[[str], None]
SEGMENTS_FILE = ".archiver-segments.toml"


@dataclass(frozen=True)
class SiteRequest:
    """Where the archive is, where the site goes, and the address it will be served at."""

    output: Path
    site: Path
    base_url: str = "/"
    catalog: Path | None = None
    configured: dict[str, Source] | None = None
    force: bool = False


@dataclass(frozen=True)
class BuildResult:
    articles: int
    sources: int
    indexed: int
    files: int
    bytes: int
    seconds: dict[str, float]
    skipped: bool = False
    incremental: str = ""

    def line(self) -> str:
        if self.skipped:
            return (f"site: up to date ({self.articles} articles from {self.sources} sources, "
                    f"nothing changed since the last build); {self.seconds['plan']:.1f}s")
        steps = ", ".join(f"{name} {secs:.1f}s" for name, secs in self.seconds.items())
        how = f"; {self.incremental}" if self.incremental else ""
        return (f"site: {self.articles} articles from {self.sources} sources, {self.indexed} "
                f"pages searchable, {self.files} files ({self.bytes / 1048576:.1f} MiB){how}; {steps}")


def build_site(request: SiteRequest, warn: Warn) -> BuildResult:
    seconds: dict[str, float] = {}
    clock = time.monotonic()
    if not request.output.is_dir():
        raise SiteError(f"{request.output}: no archive folder here (run a crawl first, or pass --output)")
    sources, entries = read_inventory(request.output, request.catalog, request.configured or {}, warn)
    if not entries:
        raise SiteError(f"{request.output}: no article files in any source folder: nothing to show")
    site = request.site.resolve()  # Hugo reads --destination relative to --source
    public = site / "public"
    previous = None if request.force or not (public / "index.html").is_file() else manifest.load(site)
    plan, now = _plan(request.output.resolve(), sources, entries, previous)
    write_site(site, request.output, request.base_url, plan)
    hugo, pagefind = hugo_binary(), pagefind_binary()
    current = fingerprint(site, request.output.resolve(), (hugo, pagefind))
    if not request.force and up_to_date(site, current):
        seconds["plan"] = time.monotonic() - clock
        files, size = tree_size(public)
        return BuildResult(len(entries), len(sources), 0, files, size, seconds, skipped=True)
    frame = manifest.frame_hash(site, (hugo, pagefind), plan)
    lists = manifest.list_states(plan)
    changes = find_changes(previous, frame, now, lists)
    forget(site)
    manifest.discard(site)
    seconds["plan"], clock = time.monotonic() - clock, time.monotonic()
    _render(hugo, site, public, changes)
    seconds["hugo"], clock = time.monotonic() - clock, time.monotonic()
    built = manifest.Manifest(frame, now, lists, serial=previous.serial if previous else 0)
    searched = _index(pagefind, site, public, changes, previous, built)
    seconds["pagefind"] = time.monotonic() - clock
    manifest.save(site, built)
    remember(site, current)
    files, size = tree_size(public)
    how = "" if changes.full else f"incremental: {len(changes.pages)} article pages changed, {searched}"
    return BuildResult(len(entries), len(sources), built.searchable(), files, size, seconds, incremental=how)


def _plan(output: Path, sources: list[SourceInfo], entries: list[Entry],
          previous: manifest.Manifest | None) -> tuple[SitePlan, dict[str, manifest.ArticleState]]:
    """The site's plan and every article's state: the category lists need the articles'
    categories, which only their files have (read again only when a file changed)."""
    plan = plan_site(sources, entries)
    now = manifest.article_states(output, plan, previous)
    return with_categories(plan, {path: state.categories for path, state in now.items()}), now


def _render(hugo: Path, site: Path, public: Path, changes: Changes) -> None:
    """Hugo: every page into a clean `public/`, or only the changed ones (a segment)."""
    argv: list[str | os.PathLike[str]] = [hugo, "--source", site, "--destination", public, "--logLevel", "warn"]
    if changes.full:
        run_tool([*argv, "--cleanDestinationDir"], "hugo")
        return
    segments = site / SEGMENTS_FILE
    segments.write_text(segment_config(changes), encoding="utf-8")
    try:
        run_tool([*argv, "--config", f"{site / 'hugo.toml'},{segments}", "--renderSegments", SEGMENT], "hugo")
    finally:
        segments.unlink()


def _index(pagefind: Path, site: Path, public: Path, changes: Changes, previous: manifest.Manifest | None,
           built: manifest.Manifest) -> str:
    """Pagefind: the new pages into one more extra bundle when `changes` allows and their
    pages are where their slugs say, else every page again; recorded in `built`. Says which."""
    if previous is not None and not changes.full and not changes.search_full:
        built.indexed, built.bundles, built.serial = previous.indexed, previous.bundles, previous.serial
        if not changes.added:
            return "search index unchanged"
        pages = [public / path.split("/", 1)[0] / built.articles[path].slug / "index.html" for path in changes.added]
        if all(page.is_file() for page in pages):
            built.serial += 1
            name = f"{search.MAIN}-add-{built.serial}"
            built.bundles = [*built.bundles, {"name": name, "pages": search.index_added(pagefind, site, public, pages, name)}]
            search.write_bundles_script(site, [bundle["name"] for bundle in built.bundles])
            return f"{built.bundles[-1]['pages']} added to the search index"
    built.indexed, built.bundles = search.index_all(pagefind, site, public), []
    return "search index built again"


def serve_argv(site: Path, port: int | None) -> list[str]:
    """Hugo's development server on 127.0.0.1, rendering to memory (the built `public/` stays
    as `site build` made it). Without a port Hugo takes 1313, or a free one when 1313 is busy."""
    argv = [str(hugo_binary()), "server", "--source", str(site.resolve()), "--bind", "127.0.0.1",
            "--baseURL", "http://127.0.0.1/", "--renderToMemory", "--disableFastRender"]
    return argv + (["--port", str(port)] if port is not None else [])


def serve(site: Path, port: int | None) -> None:
    """Replace this process with Hugo's server, so stopping it stops the server."""
    argv = serve_argv(site, port)
    os.execv(argv[0], argv)
