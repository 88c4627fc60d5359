"""Whether a site build would change anything.

Even an incremental build (`archiver.site.changes`) has Hugo read every file of the site, which
takes seconds for a large archive. So a build whose inputs are exactly those of the last
successful build is skipped: the fingerprint is the (path, size, mtime) of every article
and media file, every file of the site folder that Hugo reads, and the two binaries. The
scaffold rewrites its files only when their bytes change, so their mtimes are stable.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

STATE_FILE = ".archiver-site-build"
# Written by the build itself (or Hugo's caches), not read by it.
_SITE_OUTPUTS = frozenset({"public", "resources", "search-index", STATE_FILE, ".hugo_build.lock"})


def fingerprint(site: Path, output: Path, tools: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for root in (output, site):
        for path, stat in _walk(root, top_skip=_SITE_OUTPUTS if root == site else frozenset()):
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    for tool in tools:
        stat = tool.stat()
        digest.update(f"{tool}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _walk(root: Path, top_skip: frozenset[str]) -> Iterable[tuple[str, os.stat_result]]:
    """Files under `root` in a stable order, leaving out hidden names (the catalog folder,
    temporary files of interrupted writes) and, at the top, `top_skip`."""
    for folder, dirs, names in os.walk(root):
        top = folder == str(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (top and d in top_skip))
        for name in sorted(names):
            if not name.startswith(".") and not (top and name in top_skip):
                path = os.path.join(folder, name)
                yield path, os.stat(path)


def up_to_date(site: Path, current: str) -> bool:
    state = site / STATE_FILE
    return (site / "public" / "index.html").is_file() and state.is_file() and \
        state.read_text(encoding="utf-8").strip() == current


def remember(site: Path, current: str) -> None:
    (site / STATE_FILE).write_text(current + "\n", encoding="utf-8")


def forget(site: Path) -> None:
    """Before a build: a build that fails half-way must not look up to date afterwards."""
    (site / STATE_FILE).unlink(missing_ok=True)
