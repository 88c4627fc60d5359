"""Backfill benchmarks: throughput against a bare-download ceiling, and memory flatness.

`python -m bench.backfill [--sizes 300,3000,10000] [--runs 3]` backfills replica sites of each
size into fresh folders and reports articles/s, requests/s, CPU and peak RSS per size (medians
over runs), plus the RSS ratio of the largest to the smallest size (flat memory: close to 1).
`--ceiling` also fetches the very same URLs with a bare Scrapy spider at the same concurrency
(downloads only) and reports archiver/bare throughput, run by run and as the median of the runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.harness import FAST, RESULTS, fresh_folder, median, replica, run_archiver, run_measured

CONCURRENCY = 16


def replica_args(images: int | None) -> list[str]:
    return [] if images is None else ["--images", str(images)]


def backfill_once(articles: int, seed: int = 0, images: int | None = None) -> dict:
    """One measured backfill of a fresh replica; returns its numbers and the URLs it fetched."""
    with replica(articles, seed, replica_args(images)) as server:
        folder = fresh_folder(f"backfill{articles}")
        result = run_archiver(
            ["backfill", "hrbeu", *FAST, "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}",
             "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}"],
            folder, server.url,
        )
        if result.returncode != 0:
            raise RuntimeError(f"backfill failed ({result.returncode}): {result.stderr[-2000:]}")
        urls = [line.split()[1] for line in server.requests()]
        files = sum(1 for _ in (folder / "output" / "hrbeu").glob("*.md"))
    return {
        "articles": files,
        "requests": len(urls),
        "seconds": result.seconds,
        "cpu_seconds": result.cpu_seconds,
        "peak_rss_mb": result.peak_rss_mb,
        "peak_rss_tree_mb": result.peak_rss_tree_mb,
        "articles_per_s": files / result.seconds,
        "requests_per_s": len(urls) / result.seconds,
        "urls": urls,
    }


def bare_once(articles: int, urls: list[str], seed: int = 0, images: int | None = None) -> dict:
    """The same URLs fetched by a bare Scrapy spider at the same concurrency: the ceiling."""
    with replica(articles, seed, replica_args(images)) as server:
        folder = fresh_folder(f"bare{articles}")
        url_file = folder / "urls.txt"
        url_file.write_text("\n".join(urls), encoding="utf-8")
        result = run_measured(
            [sys.executable, "-m", "bench.bare_spider", str(url_file), str(CONCURRENCY)],
            folder, http_proxy=server.url,
        )
        if result.returncode != 0:
            raise RuntimeError(f"bare spider failed: {result.stderr[-2000:]}")
        fetched = len(server.requests())
    return {"requests": fetched, "seconds": result.seconds, "cpu_seconds": result.cpu_seconds,
            "peak_rss_mb": result.peak_rss_mb, "requests_per_s": fetched / result.seconds}


def summarise(runs: list[dict]) -> dict:
    keys = ("articles", "requests", "seconds", "cpu_seconds", "peak_rss_mb", "peak_rss_tree_mb", "articles_per_s",
            "requests_per_s")
    return {k: median([r[k] for r in runs]) for k in keys if k in runs[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,3000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ceiling", action="store_true", help="also run the bare-download spider")
    parser.add_argument("--images", type=int, default=None, help="images per article (default: 0-4)")
    parser.add_argument("--json", default=str(RESULTS / "backfill.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    table = {}
    for size in sizes:
        runs, bare = [], []
        for run in range(args.runs):
            measured = backfill_once(size, images=args.images)
            runs.append(measured)
            if args.ceiling:
                bare.append(bare_once(size, measured["urls"], images=args.images))
        row = summarise([{k: v for k, v in r.items() if k != "urls"} for r in runs])
        if bare:
            row["bare"] = summarise(bare)
            row["ratios"] = [r["requests_per_s"] / b["requests_per_s"] for r, b in zip(runs, bare)]
            row["ratio_vs_bare"] = median(row["ratios"])
        table[size] = row
        print(_row(size, row), flush=True)
    smallest, largest = table[min(sizes)], table[max(sizes)]
    flat = largest["peak_rss_mb"] / smallest["peak_rss_mb"]
    flat_tree = largest["peak_rss_tree_mb"] / smallest["peak_rss_tree_mb"]
    print(f"peak RSS {max(sizes)} / {min(sizes)} articles: {flat:.3f} (with its page workers: {flat_tree:.3f})")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"sizes": table, "rss_ratio": flat, "rss_ratio_with_workers": flat_tree},
                                          indent=2) + "\n")
    return 0


def _row(size: int, row: dict) -> str:
    text = (f"{size:>6} articles: {row['articles_per_s']:7.1f} articles/s, {row['requests_per_s']:7.1f} req/s, "
            f"{row['seconds']:6.1f} s, CPU {row['cpu_seconds']:6.1f} s, peak RSS {row['peak_rss_mb']:6.1f} MiB "
            f"({row['peak_rss_tree_mb']:6.1f} with page workers)")
    if "bare" in row:
        runs = ", ".join(f"{ratio:.2f}" for ratio in row["ratios"])
        text += f"; bare {row['bare']['requests_per_s']:7.1f} req/s, ratio {row['ratio_vs_bare']:.2f} (runs: {runs})"
    return text


if __name__ == "__main__":
    sys.exit(main())
