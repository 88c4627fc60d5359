"""What `archiver site build` costs: a cold build, a rebuild with nothing new, a rebuild after
a crawl found 20 new articles (incremental: only the changed pages rendered, only the new ones
indexed), and a full rebuild of that same archive (`--force`) to compare it with; time per step
and the built site's size.

`python -m bench.site [--articles 10000]` backfills the replica (with `image_links: local`, so
the site serves its own images and attachments), then builds the site three times, each build
a child process (`archiver site build`, which runs Hugo and Pagefind as its own children).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

from bench.harness import FAST, RESULTS, fresh_folder, replica, run_archiver, run_measured

NEW_ARTICLES = 20
_STEP = re.compile(r"(plan|hugo|pagefind) ([\d.]+)s")


def build(folder: Path, *extra: str) -> dict:
    measured = run_measured([sys.executable, "-m", "archiver", "site", "build", "--to", "site", *extra], folder)
    if measured.returncode:
        raise RuntimeError(measured.stderr[-2000:])
    steps = {name: float(secs) for name, secs in _STEP.findall(measured.stdout)}
    # CPU: `wait4` of the child counts its waited-for children too (Hugo, Pagefind); on a shared
    # machine it is steadier than wall time.
    return {"seconds": round(measured.seconds, 2), "cpu_seconds": round(measured.cpu_seconds, 2),
            "steps": steps, "summary": measured.stdout.splitlines()[0]}


def site_size(public: Path) -> dict:
    """Bytes and files of the built site, split into pages, archived media and search index."""
    parts = {"pages": [0, 0], "media": [0, 0], "search_index": [0, 0], "other": [0, 0]}
    for path in public.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(public).parts
        kind = ("search_index" if relative[0] == "pagefind" else
                "media" if len(relative) > 2 and relative[1] in ("images", "files", "videos") else
                "pages" if path.suffix == ".html" else "other")
        parts[kind][0] += 1
        parts[kind][1] += path.stat().st_size
    return {kind: {"files": files, "mib": round(size / 1048576, 1)} for kind, (files, size) in parts.items()}


def site_files(public: Path) -> dict[str, str]:
    """Path → SHA-256 of every built file outside the search index (whose names follow its
    content, and which an incremental build keeps in several bundles)."""
    return {path.relative_to(public).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in public.rglob("*")
            if path.is_file() and not path.relative_to(public).parts[0].startswith("pagefind")}


def crawled_archive(articles: int) -> Path:
    folder = fresh_folder("site")
    with (folder / "sources.yaml").open("a", encoding="utf-8") as config:
        config.write("    image_links: local\n")
    with replica(articles) as server:
        crawled = run_archiver(["backfill", "hrbeu", *FAST], folder, server.url)
        if crawled.returncode:
            raise RuntimeError(crawled.stderr[-2000:])
    return folder


def measure(articles: int, folder: Path | None = None) -> dict:
    """`folder`: a previous run's folder with the same article count, to skip the backfill."""
    if folder is None:
        folder = crawled_archive(articles)
    else:
        shutil.rmtree(folder / "site", ignore_errors=True)
    cold = build(folder)
    size = site_size(folder / "site" / "public")
    unchanged = build(folder)
    with replica(articles + NEW_ARTICLES) as server:
        crawled = run_archiver(["crawl", "--recheck-days", "0", *FAST], folder, server.url)
        if crawled.returncode:
            raise RuntimeError(crawled.stderr[-2000:])
    after_new = build(folder)
    incremental = site_files(folder / "site" / "public")
    full = build(folder, "--force")
    full["same_files_as_incremental"] = site_files(folder / "site" / "public") == incremental
    return {"articles": articles, "cold": cold, "unchanged": unchanged,
            f"after_{NEW_ARTICLES}_new": after_new, f"after_{NEW_ARTICLES}_new_full": full,
            "size": size, "folder": str(folder)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--json", default=str(RESULTS / "site.json"))
    parser.add_argument("--folder", type=Path, default=None,
                        help="reuse the backfilled archive of an earlier run (its site is rebuilt from scratch)")
    args = parser.parse_args(argv)
    result = measure(args.articles, args.folder)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
