"""Politeness benchmark: the request rate one host sees from a crawl with default settings.

Run `python -m bench.politeness` from the project folder (`--articles 40 --sources 1 3`). The
replica site is served in this process, timing every request it answers; the crawler runs as a
child process with the project's default settings (AutoThrottle, DOWNLOAD_DELAY, per-host
slot), once with one source and once with N sources that are columns of the same host (each
its own copy of the shipped `hrbeu` source), with and without a robots.txt `Crawl-delay`.
Printed and written to `bench/results/politeness.json`: requests, seconds, mean rate, the
median gap between requests and the busiest second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time

from archiver.replica import ReplicaServer, ReplicaSite
from archiver.replica.site import Response
from bench.harness import RESULTS, SOURCES_YAML, fresh_folder, run_archiver


class TimedSite:
    """A ReplicaSite that notes when each request arrived (and can ask for a Crawl-delay)."""

    def __init__(self, site: ReplicaSite, crawl_delay: float | None) -> None:
        self.site, self.host, self.crawl_delay = site, site.host, crawl_delay
        self.times: list[float] = []
        self._lock = threading.Lock()

    def render(self, target: str) -> Response:
        with self._lock:
            self.times.append(time.monotonic())
        if target == "/robots.txt" and self.crawl_delay:
            return Response(200, {"Content-Type": "text/plain"},
                            f"User-agent: *\nCrawl-delay: {self.crawl_delay:g}\n".encode())
        return self.site.render(target)


def sources_yaml(count: int) -> str:
    """`count` sources that are the same host's list (ids hrbeu, hrbeu1, ...)."""
    block = SOURCES_YAML.split("sources:\n", 1)[1]
    return "sources:\n" + "".join(block.replace("  hrbeu:", f"  hrbeu{i or ''}:", 1) for i in range(count))


def measure(articles: int, sources: int, crawl_delay: float | None) -> dict:
    site = TimedSite(ReplicaSite(articles=articles, seed=3), crawl_delay)
    folder = fresh_folder("politeness")
    (folder / "sources.yaml").write_text(sources_yaml(sources), encoding="utf-8")
    with ReplicaServer(site) as server:
        run = run_archiver(["crawl", "--recheck-days", "0", "-s", "ARCHIVER_PROGRESS=off"], folder, server.url)
    if run.returncode != 0:
        raise RuntimeError(f"crawl failed ({run.returncode}): {run.stderr[-2000:]}")
    times = site.times
    gaps = [b - a for a, b in zip(times, times[1:])]
    span = times[-1] - times[0]
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    return {"sources": sources, "crawl_delay": crawl_delay, "requests": len(times), "seconds": round(span, 2),
            "rate_per_s": round(len(times) / span, 2) if span else None,
            "median_gap_s": round(statistics.median(gaps), 3), "busiest_second": busiest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--sources", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--crawl-delay", type=float, default=2.0)
    args = parser.parse_args(argv)
    rows = [measure(args.articles, n, delay) for delay in (None, args.crawl_delay) for n in args.sources]
    for row in rows:
        print(json.dumps(row))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "politeness.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
