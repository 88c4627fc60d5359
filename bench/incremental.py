"""What a scheduled crawl costs: requests made after 0 and after 7 new articles.

`python -m bench.incremental [--articles 3000]` backfills a replica, then runs
`archiver crawl --recheck-days 0` against it unchanged and again after 7 articles were published
(the replica restarted with 7 more articles: same seed, so the old ones are identical), counting
requests in the replica server's own log.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.harness import FAST, RESULTS, fresh_folder, replica, run_archiver


def count(lines: list[str], kind: str) -> int:
    marker = {"list": "/xw", "article": "/info/", "robots": "/robots.txt"}[kind]
    return sum(1 for line in lines if marker in line.split()[1])


def measure(articles: int) -> dict:
    folder = fresh_folder("incremental")
    with replica(articles) as server:
        backfill = run_archiver(["backfill", "hrbeu", *FAST], folder, server.url)
        if backfill.returncode:
            raise RuntimeError(backfill.stderr[-2000:])
        server.reset_log()
        nothing_new = run_archiver(["crawl", "--recheck-days", "0", *FAST], folder, server.url)
        quiet = server.requests()
    with replica(articles + 7) as server:
        seven_new = run_archiver(["crawl", "--recheck-days", "0", *FAST], folder, server.url)
        busy = server.requests()
    for run in (nothing_new, seven_new):
        if run.returncode:
            raise RuntimeError(run.stderr[-2000:])
    return {
        "after_0_new": {"requests": len(quiet), "list_pages": count(quiet, "list"),
                        "articles": count(quiet, "article"), "seconds": nothing_new.seconds},
        "after_7_new": {"requests": len(busy), "list_pages": count(busy, "list"),
                        "articles": count(busy, "article"), "seconds": seven_new.seconds},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--json", default=str(RESULTS / "incremental.json"))
    args = parser.parse_args(argv)
    result = measure(args.articles)
    for name, row in result.items():
        print(f"{name}: {row['requests']} requests ({row['list_pages']} list pages, "
              f"{row['articles']} articles), {row['seconds']:.2f} s")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
