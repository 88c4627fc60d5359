"""What the last successful build was made from: `SITE/.archiver-site-manifest.json`.

An incremental build renders only the pages whose inputs changed (`archiver.site.changes`), so it
has to know, per article, what its page was built from: the file's bytes (hashed), the data the
theme shows for it (title, original URL, day), its month, and whether its page shows the
source's newest articles and counts (`sidebar`/`authorbox`), which every new article changes.
Everything else the pages read (the theme, the site's own layouts and static files, the
configuration, the source names, the two binaries) is one `frame` hash: when it differs, every
page may differ, and the build is a full one. The generated list pages (`content/`: landing and
numbered pages of the sources, months) are kept as hashes of their front matter (`lists`): a
list page whose articles or links changed is rendered again.

File hashes are kept with the file's size and mtime and reused while those stay the same, so a
build reads only the article files that are new or were rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archiver.article_file.front_matter import read_front_matter
from archiver.article_file.parse import ArticleFileError
from archiver.site.plan import SitePlan

MANIFEST = ".archiver-site-manifest.json"
VERSION = 3
# `authorbox: true` or `sidebar: true` in the front matter: the page shows the source's count
# and newest articles (YAML's other spellings of true, as Hugo reads them).
_BOXED = re.compile(rb"^(?:authorbox|sidebar):[ \t]*(?:true|True|TRUE)[ \t]*$", re.MULTILINE)
_SLUG = re.compile(rb"^slug:[ \t]*['\"]?([^'\"\s]+)['\"]?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class ArticleState:
    """One article as built: `stat` (size, mtime_ns) and `sha` of its file, `page` (hash of
    everything its page shows), `month` (`YYYY-MM`), `boxed` (authorbox or sidebar on),
    `slug` (its page's folder name, from the front matter), `categories` (its front matter's,
    for the category lists)."""

    stat: tuple[int, int]
    sha: str
    page: str
    month: str
    boxed: bool
    slug: str
    categories: tuple[str, ...] = ()


@dataclass
class Manifest:
    """`bundles`: the extra Pagefind bundles made by incremental builds since the last full
    index, oldest first, with the pages each holds; `indexed`: pages in the main index;
    `lists`: generated content page (`hrbeu/page/3/_index.md`) → hash of its text."""

    frame: str
    articles: dict[str, ArticleState]
    lists: dict[str, str] = field(default_factory=dict)
    indexed: int = 0
    bundles: list[dict[str, Any]] = field(default_factory=list)
    serial: int = 0

    def searchable(self) -> int:
        return self.indexed + sum(bundle["pages"] for bundle in self.bundles)


def frame_hash(site: Path, tools: Iterable[Path], plan: SitePlan) -> str:
    """Everything every page may show: the configuration, theme, the site's own layouts and
    static files, the binaries, and the sources' names."""
    digest = hashlib.sha256(f"{VERSION}\n".encode())
    digest.update((site / "hugo.toml").read_bytes())
    for folder in ("themes", "layouts", "static"):
        for path in sorted(p for p in (site / folder).rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    for tool in tools:
        stat = tool.stat()
        digest.update(f"{tool}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    names = [(s["id"], s["name"], s["label"]) for s in plan.data["sources"]]
    digest.update(json.dumps(names, ensure_ascii=False).encode())
    return digest.hexdigest()


def article_states(output: Path, plan: SitePlan, previous: Manifest | None) -> dict[str, ArticleState]:
    """The state of every article of the plan, reading only files whose size or mtime moved."""
    known = previous.articles if previous is not None else {}
    states = {}
    for path, shown in plan.data["articles"].items():
        stat = os.stat(output / path)
        key = (stat.st_size, stat.st_mtime_ns)
        old = known.get(path)
        if old is not None and old.stat == key:
            sha, boxed, slug, categories = old.sha, old.boxed, old.slug, old.categories
        else:
            data = (output / path).read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            head = data.split(b"\n---", 1)[0]
            boxed = _BOXED.search(head) is not None
            found = _SLUG.search(head)
            slug = found.group(1).decode("utf-8", "replace") if found else Path(path).stem
            categories = _categories(head)
        page = hashlib.sha256(json.dumps([sha, shown["t"], shown["u"], shown["d"], shown["p"]],
                                         ensure_ascii=False).encode()).hexdigest()
        states[path] = ArticleState(key, sha, page, shown["d"][:7], boxed, slug, categories)
    return states


def _categories(head: bytes) -> tuple[str, ...]:
    """The `categories` of a file's front matter (`head`: the file up to the closing fence);
    none when it cannot be read (the inventory already warned about such a file)."""
    try:
        return read_front_matter(head.decode("utf-8").removeprefix("---").lstrip("\r\n")).categories
    except (ArticleFileError, UnicodeDecodeError):
        return ()


def list_states(plan: SitePlan) -> dict[str, str]:
    """The hash of every generated content page of the plan."""
    return {path: hashlib.sha256(text.encode()).hexdigest() for path, text in plan.pages.items()}


def load(site: Path) -> Manifest | None:
    """The last build's manifest; None when there is none or it cannot be read (a full build)."""
    try:
        raw = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
        if raw.get("version") != VERSION:
            return None
        articles = {path: ArticleState(tuple(a["stat"]), a["sha"], a["page"], a["month"], a["boxed"], a["slug"],
                                         tuple(a["categories"]))
                    for path, a in raw["articles"].items()}
        return Manifest(raw["frame"], articles, dict(raw["lists"]), raw["indexed"], raw["bundles"], raw["serial"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(site: Path, manifest: Manifest) -> None:
    raw = {"version": VERSION, "frame": manifest.frame, "lists": manifest.lists, "indexed": manifest.indexed,
           "bundles": manifest.bundles, "serial": manifest.serial,
           "articles": {path: asdict(state) for path, state in manifest.articles.items()}}
    (site / MANIFEST).write_text(json.dumps(raw, ensure_ascii=False, separators=(",", ":")) + "\n",
                                 encoding="utf-8")


def discard(site: Path) -> None:
    """Before a build: one that fails half-way leaves `public/` unknown, so the next is full."""
    (site / MANIFEST).unlink(missing_ok=True)
