"""Export benchmark: time and peak RSS of `archiver export` per format, for two archive sizes.

Run `python -m bench.export` from the project folder (`--sizes 2000 20000` by default). Each
archive is synthetic but made by the archiver's own code, without crawling: the replica site's
truth for article i (title, publication time, paragraphs, images, attachments) is rendered by
`archiver.article_file.render.render_article` into its file and recorded with `Catalog.save_article`, so the
files and rows are what a crawl of the replica would leave. Each export runs as a child process
(`python -m archiver export … --to FILE`); wall time and peak RSS come from `os.wait4`.
Also measured: `jsonl --from-files` (the archive without its catalog).

The streaming claim is checked at the end: for every format, peak RSS at the largest size must
stay within 20% of the smallest (exit code 1 otherwise). Results are printed as a table and
written to `bench/results/export.json`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from archiver.catalog import ArticleRecord, Catalog, MediaRecord, default_catalog_path
from archiver.config import Source, parse_config
from archiver.doctree import Block as Node
from archiver.doctree import Image, Inline, Paragraph
from archiver.markdown import render_blocks
from archiver.normalize import NormalisedArticle
from archiver.clock import format_timestamp
from archiver.article_file.render import render_article, urlname_for
from archiver.replica import ReplicaSite
from archiver.storage import article_path
from bench.harness import RESULTS, SOURCES_YAML, run_measured

RSS_TOLERANCE = 1.20
RUNS: tuple[tuple[str, list[str]], ...] = (
    ("jsonl", []), ("csv", []), ("parquet", []), ("jsonl", ["--from-files"]),
)
ARCHIVED = datetime(2021, 11, 26, 1, 22, 2, 872027)


def hrbeu_source() -> Source:
    return parse_config(SOURCES_YAML, Path("bench")).sources["hrbeu"]


def add_article(
    catalog: Catalog,
    output: Path,
    source: Source,
    url: str,
    title: str,
    published: datetime | None,
    paragraphs: list[str],
    images: Sequence[str] = (),
    attachments: Sequence[tuple[str, str]] = (),
    archived: datetime = ARCHIVED,
    updated: datetime | None = None,
) -> Path:
    """Write one article's file exactly as the pipeline would and record it in the catalog.

    Images go after the paragraphs, as their own blocks. Returns the file's path.
    """
    nodes: list[Node] = [Paragraph([Inline(text)]) for text in paragraphs]
    nodes += [Image(src) for src in images]
    article = NormalisedArticle(url=url, title=title, published=published, blocks=render_blocks(nodes))
    data = render_article(article, source, archived).encode("utf-8")
    urlname = urlname_for(url, title, source.slug)
    path = article_path(output, source.id, urlname)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    record = ArticleRecord(
        source=source.id, url=url, urlname=urlname, title=title,
        published=published.isoformat() if published else None,
        archived=format_timestamp(archived),
        updated=format_timestamp(updated) if updated else None,
        checked=format_timestamp(updated or archived),
        content_hash=hashlib.sha256(data).hexdigest(),
        path=path.relative_to(output).as_posix(), bytes=len(data),
    )
    media = [MediaRecord("image", i, src) for i, src in enumerate(images)] + [
        MediaRecord("attachment", i, href, name=name) for i, (name, href) in enumerate(attachments)
    ]
    catalog.save_article(record, media)
    return path


def build_archive(folder: Path, articles: int, seed: int = 0) -> Path:
    """An archive of `articles` replica articles in `folder/output`; returns the output path."""
    output = folder / "output"
    source = hrbeu_source()
    site = ReplicaSite(articles=articles, seed=seed)
    with Catalog(default_catalog_path(output)) as catalog:
        catalog.db.execute("PRAGMA synchronous = OFF")  # a throw-away archive: no fsync per row
        for index in range(articles):
            truth = site.article(index)
            add_article(catalog, output, source, truth.url, truth.title, truth.published,
                        truth.paragraphs, truth.images, truth.attachments,
                        archived=ARCHIVED + timedelta(seconds=index))
    (folder / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    return output


def measure(folder: Path, fmt: str, extra: list[str]) -> dict:
    target = folder / f"export.{fmt}"
    result = run_measured(
        [sys.executable, "-m", "archiver", "export", "--format", fmt, "--to", str(target), *extra],
        cwd=folder,
    )
    if result.returncode != 0:
        raise RuntimeError(f"export {fmt} {extra} failed ({result.returncode}): {result.stderr[-2000:]}")
    return {
        "format": fmt + (" " + " ".join(extra) if extra else ""),
        "seconds": round(result.seconds, 2),
        "cpu_seconds": round(result.cpu_seconds, 2),
        "peak_rss_mib": round(result.peak_rss_mb, 1),
        "bytes": target.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000],
                        help="archive sizes in articles (default 2000 20000)")
    parser.add_argument("--json", default=str(RESULTS / "export.json"), help="where to write results")
    parser.add_argument("--keep", action="store_true", help="keep the generated archives")
    args = parser.parse_args(argv)
    rows: list[dict] = []
    print(f"{'articles':>8}  {'format':<20} {'seconds':>8} {'cpu s':>7} {'peak RSS':>10} {'size':>10}")
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"bench-export-{size}-"))
        try:
            build_archive(folder, size)
            for fmt, extra in RUNS:
                row = {"articles": size, **measure(folder, fmt, extra)}
                rows.append(row)
                print(f"{size:>8}  {row['format']:<20} {row['seconds']:>8.2f} {row['cpu_seconds']:>7.2f} "
                      f"{row['peak_rss_mib']:>6.1f} MiB {row['bytes'] / 2**20:>6.1f} MiB", flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
    report = {"sizes": args.sizes, "runs": rows, "rss_ratio": {}}
    smallest, largest = min(args.sizes), max(args.sizes)
    ok = True
    for fmt in dict.fromkeys(row["format"] for row in rows):
        rss = {row["articles"]: row["peak_rss_mib"] for row in rows if row["format"] == fmt}
        ratio = rss[largest] / rss[smallest]
        report["rss_ratio"][fmt] = round(ratio, 3)
        ok = ok and ratio <= RSS_TOLERANCE
        if largest != smallest:
            print(f"peak RSS {fmt}: {largest} / {smallest} articles = {ratio:.3f}"
                  f" ({'within' if ratio <= RSS_TOLERANCE else 'NOT within'} {RSS_TOLERANCE - 1:.0%})")
    report["within_tolerance"] = ok
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
