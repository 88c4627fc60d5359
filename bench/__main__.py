"""`python -m bench`: the whole benchmark suite, one table, also written as JSON.

Runs, each in fresh folders against the bundled replica site on 127.0.0.1:
1. backfill throughput (1,000 and 5,000 articles) and the same URLs fetched by a bare Scrapy
   spider at the same concurrency (the ceiling); the ratio is measured run by run;
2. per-article CPU of extraction + normalisation + rendering against trafilatura;
3. peak RSS of backfills of 300, 3,000 and 10,000 articles;
4. requests of an incremental crawl after 0 and 7 new articles;
5. export time and peak RSS (when `bench/export.py` is present);
6. CLI start-up: `archiver --help`, `archiver extract` on one page, a run refused by the lock.
Medians over `--runs` runs. `--quick` uses smaller sizes for a smoke test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path

from bench import backfill, cpu, incremental, startup
from bench.harness import RESULTS, median


def machine() -> str:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores {cpu_model}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", default=str(RESULTS / "bench.json"))
    args = parser.parse_args(argv)
    throughput_sizes = (200, 500) if args.quick else (1000, 5000)
    rss_sizes = (100, 300, 1000) if args.quick else (300, 3000, 10000)
    report: dict = {"machine": machine(), "runs": args.runs}
    print(f"machine: {report['machine']}\n")

    print("1. backfill throughput (median of runs; ratio = archiver req/s / bare req/s, same run)")
    report["throughput"] = {}
    for size in throughput_sizes:
        runs, ratios = [], []
        for _ in range(args.runs):
            measured = backfill.backfill_once(size, images=3)
            bare = backfill.bare_once(size, measured["urls"], images=3)
            runs.append(measured)
            ratios.append(measured["requests_per_s"] / bare["requests_per_s"])
        row = {"articles_per_s": median([r["articles_per_s"] for r in runs]),
               "requests_per_s": median([r["requests_per_s"] for r in runs]),
               "requests": median([r["requests"] for r in runs]),
               "ratio_vs_bare": median(ratios), "ratios": ratios}
        report["throughput"][size] = row
        print(f"   {size:>6} articles: {row['articles_per_s']:7.1f} articles/s, "
              f"{row['requests_per_s']:7.1f} req/s ({row['requests']:.0f} requests), "
              f"{row['ratio_vs_bare']:.2f} of the bare-download ceiling "
              f"(runs: {', '.join(f'{r:.2f}' for r in ratios)})")

    print("\n2. per-article CPU, extraction + normalisation + rendering (median ms/page, one core)")
    cpu.main(["--json", str(RESULTS / "cpu.json")])
    report["cpu"] = json.loads((RESULTS / "cpu.json").read_text())

    print("\n3. peak RSS of a backfill")
    report["rss"] = {}
    for size in rss_sizes:
        report["rss"][size] = median([backfill.backfill_once(size)["peak_rss_mb"] for _ in range(args.runs)])
        print(f"   {size:>6} articles: {report['rss'][size]:6.1f} MiB")
    ratio = report["rss"][rss_sizes[-1]] / report["rss"][rss_sizes[0]]
    report["rss_ratio"] = ratio
    print(f"   {rss_sizes[-1]} / {rss_sizes[0]}: {ratio:.3f}")

    print("\n4. incremental crawl requests")
    report["incremental"] = incremental.measure(300 if args.quick else 3000)
    for name, row in report["incremental"].items():
        print(f"   {name}: {row['requests']} requests ({row['list_pages']} list pages, {row['articles']} articles)")

    if importlib.util.find_spec("bench.export"):
        print("\n5. export")
        from bench import export
        export.main(["--sizes", "1000" if args.quick else "10000", "--json", str(RESULTS / "export.json")])
        report["export"] = json.loads((RESULTS / "export.json").read_text())
    print("\n6. CLI start-up (median wall time of fresh processes)")
    startup.main(["--json", str(RESULTS / "startup.json")])
    report["startup"] = json.loads((RESULTS / "startup.json").read_text())
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
