"""`python -m bench.startup`: how long the CLI takes to start, and a locked run to give up.

Timings belong here, not in tests (a loaded 2-core machine made a 1.0 s test bound fail). Each
figure is the median wall time of `--runs` fresh processes:
- `archiver --help` (only the command registry is imported);
- `archiver extract PAGE` on one saved page (no Scrapy);
- `archiver crawl` on an output folder whose lock another process holds (exit 75).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archiver.lock import OutputLock
from bench.harness import RESULTS, ROOT, median

PAGE = ROOT / "tests" / "fixtures" / "pages" / "vsb_nested_duplicate.html"
CLI = [sys.executable, "-m", "archiver"]


def timed(args: list[str], expect: int, cwd: Path) -> float:
    began = time.perf_counter()
    result = subprocess.run([*CLI, *args], cwd=cwd, capture_output=True)
    seconds = time.perf_counter() - began
    if result.returncode != expect:
        raise RuntimeError(f"{args}: exit {result.returncode}: {result.stderr.decode()[-500:]}")
    return seconds


def measure(runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        lock = OutputLock(folder / "output", "bench: holding the lock")
        lock.acquire()
        try:
            cases = {
                "help": (["--help"], 0),
                "extract": (["extract", str(PAGE), "--url", "http://a.edu.cn/info/1/2.htm"], 0),
                "locked_crawl": (["crawl", "-c", str(ROOT / "sources.yaml"), "-o", "output"], 75),
            }
            return {name: round(median([timed(args, code, folder) for _ in range(runs)]), 3)
                    for name, (args, code) in cases.items()}
        finally:
            lock.release()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", default=str(RESULTS / "startup.json"))
    args = parser.parse_args(argv)
    results = measure(args.runs)
    for name, seconds in results.items():
        print(f"   {name}: {seconds:.3f} s")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
