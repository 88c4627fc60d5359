"""`archiver demo`: crawl the bundled replica of a VSB news site, end to end, on 127.0.0.1.

The replica is served by a real HTTP server in this process and reached as an HTTP proxy, so the
articles keep their real-looking URLs (`http://gongxue.cn/info/…`) and the output is the same on
every run with the same ARCHIVER_NOW.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from archiver.commands.common import add_crawl_options, check_output_folder, execute
from archiver.config import ListRules, Source
from archiver.plan import CrawlPlan
from archiver.replica import ReplicaServer, ReplicaSite

NAME = "demo"
# Local server: no need for politeness delays.
FAST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="crawl the bundled replica site into the output folder",
        description="Start the bundled replica of a VSB news site on 127.0.0.1, crawl it into "
        "OUTPUT/demo/, print where the files are, and stop the server.",
    )
    parser.add_argument("--articles", type=int, default=50, help="articles on the replica (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="replica content seed (default 0)")
    add_crawl_options(parser)
    return parser


def demo_source(host: str) -> Source:
    """The replica as a configured source, as a site owner would write it in sources.yaml."""
    return Source(
        id="demo",
        name="演示大学",
        label="demo.example",
        start_urls=(f"http://{host}/xw.htm",),
        allowed_domains=(host,),
        list=ListRules(items="div.list-right-tt.txt-elise > a", next_page="span.p_next a"),
    )


def run(args: argparse.Namespace) -> int:
    if args.articles < 1:
        print("archiver: error: --articles must be at least 1", file=sys.stderr)
        return 2
    check_output_folder(args.output)  # before the replica starts, not after
    site = ReplicaSite(articles=args.articles, seed=args.seed)
    with ReplicaServer(site) as server:
        print(f"Replica site with {args.articles} articles at {server.url} "
              f"(serving http://{site.host}/ as a proxy)", file=sys.stderr)
        os.environ["http_proxy"] = server.url
        for name in ("no_proxy", "NO_PROXY"):
            os.environ.pop(name, None)
        source = demo_source(site.host)
        code = execute(args, NAME, [source], CrawlPlan(mode="backfill"), FAST_SETTINGS)
    folder = Path(args.output) / source.id
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    print(f"{len(files)} Markdown files in {folder.resolve()}")
    if files:
        print(f"For example: {files[0].resolve()}")
    return code
