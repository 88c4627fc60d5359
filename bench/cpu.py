"""Per-article CPU cost of extraction + normalisation + rendering, against trafilatura.

`python -m bench.cpu [--pages 200] [--repeat 3]` times, with `time.process_time` (one core, this
process), the archiver's whole page-to-file path on the replica's article pages and on
`../shared/corpus/real` (when present), and `trafilatura.extract(..., output_format="markdown")`
on the very same decoded pages when trafilatura is installed (`pip install -e .[bench]`).
Each page's time is the best of `--repeat` runs; the table shows the median over pages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from archiver.config import parse_config
from archiver.extract import extract_article
from archiver.normalize import normalise_article
from archiver.article_file.render import render_article
from archiver.replica import ReplicaSite
from bench.harness import RESULTS, ROOT, SOURCES_YAML

CORPUS = ROOT.parent / "shared" / "corpus" / "real"
ARCHIVED = datetime(2021, 11, 26, 1, 22, 2, 872027)


def replica_pages(count: int) -> list[tuple[str, str]]:
    """(url, html) of `count` replica article pages, all markup variants included."""
    site = ReplicaSite(articles=count, seed=0)
    pages = []
    for index in range(count):
        url = site.article_url(index)
        pages.append((url, site.render(url.split(site.host, 1)[1]).body.decode("utf-8")))
    return pages


def corpus_pages(folder: Path) -> list[tuple[str, str]]:
    """(url, html) of the corpus's article pages (those with an answer key)."""
    pages = []
    for truth in sorted(folder.glob("*/*.truth.json")):
        key = json.loads(truth.read_text(encoding="utf-8"))
        html = truth.with_name(truth.name.replace(".truth.json", ".html")).read_bytes()
        pages.append((key.get("page_url") or "http://example.edu.cn/", html.decode("utf-8-sig")))
    return pages


def archiver_path(source) -> Callable[[str, str], object]:
    def run(url: str, html: str) -> str:
        article = extract_article(html, url, source.preset, source.article)
        return render_article(normalise_article(article), source, ARCHIVED)
    return run


def trafilatura_path() -> Callable[[str, str], object] | None:
    try:
        import trafilatura
    except ImportError:
        return None
    return lambda url, html: trafilatura.extract(html, url=url, output_format="markdown")


def median_cpu_ms(run: Callable[[str, str], object], pages: list[tuple[str, str]], repeat: int) -> float:
    """Median over pages of the best-of-`repeat` CPU time, in milliseconds."""
    per_page = []
    for url, html in pages:
        best = float("inf")
        for _ in range(repeat):
            started = time.process_time()
            try:
                run(url, html)
            except Exception:  # a page one extractor cannot read still cost its time
                pass
            best = min(best, time.process_time() - started)
        per_page.append(best * 1000)
    return statistics.median(per_page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", default=str(RESULTS / "cpu.json"))
    args = parser.parse_args(argv)
    source = parse_config(SOURCES_YAML, Path("bench.yaml")).sources["hrbeu"]
    sets = {"replica": replica_pages(args.pages)}
    if CORPUS.is_dir():
        sets["corpus/real"] = corpus_pages(CORPUS)
    else:
        print(f"(no corpus at {CORPUS}: skipped)")
    peer = trafilatura_path()
    if peer is None:
        print("(trafilatura not installed: pip install -e .[bench])")
    results = {}
    for name, pages in sets.items():
        row = {"pages": len(pages), "archiver_ms": median_cpu_ms(archiver_path(source), pages, args.repeat)}
        if peer is not None:
            row["trafilatura_ms"] = median_cpu_ms(peer, pages, args.repeat)
            row["speedup"] = row["trafilatura_ms"] / row["archiver_ms"]
        results[name] = row
        text = f"{name:>12}: {row['pages']:4d} pages, archiver {row['archiver_ms']:6.2f} ms/page"
        if peer is not None:
            text += f", trafilatura {row['trafilatura_ms']:6.2f} ms/page, {row['speedup']:.1f}x faster"
        print(text, flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
