"""`archiver site build` and `archiver site serve`: one short sequence each.

build: read the archive → plan the site → write the scaffold → Hugo → Pagefind → copy the index
into the built site. serve: the same build (so search works), then Hugo's own server in place
of this process.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archiver.config import Source
from archiver.site.inventory import read_inventory
from archiver.site.plan import plan_site
from archiver.site.scaffold import SEARCH_INDEX, copy_search_index, tree_size, write_site
from archiver.site.state import fingerprint, forget, remember, up_to_date
from archiver.site.tools import SiteError, hugo_binary, pagefind_binary, run_tool

Warn = Callable[[str], None]
_INDEXED = re.compile(r"Indexed (\d+) pages?")


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

    def line(self) -> str:
        if self.skipped:
            return (f"site: up to date ({self.articles} articles from {self.sources} sources, "
                    f"nothing changed since the last build); {self.seconds['plan']:.1f}s")
        steps = ", ".join(f"{name} {secs:.1f}s" for name, secs in self.seconds.items())
        return (f"site: {self.articles} articles from {self.sources} sources, {self.indexed} "
                f"pages searchable, {self.files} files ({self.bytes / 1048576:.1f} MiB); {steps}")


def build_site(request: SiteRequest, warn: Warn) -> BuildResult:
    seconds: dict[str, float] = {}
    clock = time.monotonic()
    if not request.output.is_dir():
        raise SiteError(f"{request.output}: no archive folder here (run a crawl first, or pass --output)")
    sources, entries = read_inventory(request.output, request.catalog, request.configured or {}, warn)
    if not entries:
        raise SiteError(f"{request.output}: no article files in any source folder: nothing to show")
    site = request.site.resolve()  # Hugo reads --destination relative to --source
    write_site(site, request.output, request.base_url, plan_site(sources, entries))
    hugo, pagefind = hugo_binary(), pagefind_binary()
    current = fingerprint(site, request.output.resolve(), (hugo, pagefind))
    seconds["plan"], clock = time.monotonic() - clock, time.monotonic()
    public = site / "public"
    if not request.force and up_to_date(site, current):
        files, size = tree_size(public)
        return BuildResult(len(entries), len(sources), 0, files, size, seconds, skipped=True)
    forget(site)
    run_tool([hugo, "--source", site, "--destination", public,
              "--cleanDestinationDir", "--logLevel", "warn"], "hugo")
    seconds["hugo"], clock = time.monotonic() - clock, time.monotonic()
    indexed = _index(pagefind, site, public)
    seconds["pagefind"] = time.monotonic() - clock
    remember(site, current)
    files, size = tree_size(public)
    return BuildResult(len(entries), len(sources), indexed, files, size, seconds)


def _index(pagefind: Path, site: Path, public: Path) -> int:
    """Pagefind over the built pages; the index goes beside the site (see `scaffold`). Pagefind
    names index files by content and leaves old ones behind, so it starts from an empty folder."""
    index = site / SEARCH_INDEX / "pagefind"
    shutil.rmtree(index, ignore_errors=True)
    output = run_tool([pagefind, "--site", public, "--output-path", index], "pagefind")
    copy_search_index(site, public)
    found = _INDEXED.search(output)
    return int(found.group(1)) if found else 0


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
