"""Cost of the raw WARC capture: a backfill with `warc: pages` against the same with `off`.

`python -m bench.warc [--articles 1000] [--runs 5]` backfills a fresh replica both ways per run
(the order alternating), and reports the crawler's CPU and wall time, the WARC bytes per article,
and how long an offline `archiver rebuild --to` of the captured archive takes. Results in
`bench/results/warc.json`.

On a shared machine one run's CPU time varies by ±10 % with the load of others, more than the
capture costs, so two overheads are given: the median of the run-by-run ratios, and the ratio
of the fastest runs (contention only ever adds CPU time, so the minimum is the least disturbed
measurement of each configuration).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.harness import FAST, NOW, RESULTS, fresh_folder, median, replica, run_archiver, run_measured

TARGET_CPU_OVERHEAD = 0.10


def backfill(articles: int, mode: str, seed: int) -> dict:
    """One measured backfill of a fresh replica with `ARCHIVER_WARC=mode`."""
    with replica(articles, seed) as server:
        folder = fresh_folder(f"warc-{mode}")
        result = run_archiver(["backfill", "hrbeu", *FAST, "-s", f"ARCHIVER_WARC={mode}"], folder, server.url)
    if result.returncode != 0:
        raise RuntimeError(f"backfill failed ({result.returncode}): {result.stderr[-2000:]}")
    warcs = list((folder / "output" / ".archiver" / "warc").rglob("*.warc.gz"))
    return {"folder": folder, "seconds": result.seconds, "cpu_seconds": result.cpu_seconds,
            "warc_bytes": sum(p.stat().st_size for p in warcs),
            "articles": sum(1 for _ in (folder / "output" / "hrbeu").glob("*.md"))}


def rebuild(folder: Path) -> dict:
    """An offline rebuild of a captured backfill into a new folder (no replica running)."""
    result = run_measured([sys.executable, "-m", "archiver", "rebuild", "--to", "rebuilt",
                           "-s", "LOG_LEVEL=WARNING"], folder, ARCHIVER_NOW=NOW)
    if result.returncode != 0:
        raise RuntimeError(f"rebuild failed ({result.returncode}): {result.stderr[-2000:]}")
    return {"seconds": result.seconds, "cpu_seconds": result.cpu_seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", default=str(RESULTS / "warc.json"))
    args = parser.parse_args(argv)
    pairs = []
    for run in range(args.runs):
        order = ("off", "pages") if run % 2 == 0 else ("pages", "off")
        measured = {mode: backfill(args.articles, mode, seed=run) for mode in order}
        measured["rebuild"] = rebuild(measured["pages"]["folder"])
        pairs.append(measured)
        off, pages = measured["off"], measured["pages"]
        print(f"run {run + 1}: off CPU {off['cpu_seconds']:.2f} s / {off['seconds']:.2f} s, pages CPU "
              f"{pages['cpu_seconds']:.2f} s / {pages['seconds']:.2f} s, WARC {pages['warc_bytes']} bytes, "
              f"rebuild {measured['rebuild']['seconds']:.2f} s", flush=True)
    result = {
        "articles": args.articles,
        "runs": args.runs,
        "off": {k: median([p["off"][k] for p in pairs]) for k in ("seconds", "cpu_seconds")},
        "pages": {k: median([p["pages"][k] for p in pairs]) for k in ("seconds", "cpu_seconds", "warc_bytes")},
        "cpu_overhead": median([p["pages"]["cpu_seconds"] / p["off"]["cpu_seconds"] - 1 for p in pairs]),
        "cpu_overhead_of_minimums": min(p["pages"]["cpu_seconds"] for p in pairs)
        / min(p["off"]["cpu_seconds"] for p in pairs) - 1,
        "wall_overhead": median([p["pages"]["seconds"] / p["off"]["seconds"] - 1 for p in pairs]),
        "warc_bytes_per_article": median([p["pages"]["warc_bytes"] / p["pages"]["articles"] for p in pairs]),
        "rebuild": {k: median([p["rebuild"][k] for p in pairs]) for k in ("seconds", "cpu_seconds")},
    }
    print(f"{args.articles} articles: CPU overhead {result['cpu_overhead']:+.1%} (median of runs), "
          f"{result['cpu_overhead_of_minimums']:+.1%} (fastest runs; target < {TARGET_CPU_OVERHEAD:.0%}), wall {result['wall_overhead']:+.1%}, "
          f"{result['warc_bytes_per_article']:.0f} WARC bytes per article, rebuild "
          f"{result['rebuild']['seconds']:.1f} s")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
