"""Verify benchmark: time and peak RSS of `archiver verify` on large archives.

Run `python -m bench.verify` from the project folder (`--sizes 10000 100000` by default). Each
archive is synthetic but made by the archiver's own code (`bench.export.build_archive`: replica
articles rendered by `render_article`, recorded with `Catalog.save_article`); every image then
gets a file under `images/` and its media row is marked `done` with the file's sha256, as the
media pipeline leaves them. `archiver verify --json` runs as a measured child process (wall
time, CPU time, peak RSS from `os.wait4`), once on the intact archive (exit code 0 expected)
and once after deleting one article file (exit code 1 and exactly that finding expected).
Results are printed and written to `bench/results/verify.json`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from archiver.catalog import Catalog, default_catalog_path
from archiver.replica.site import jpeg_bytes
from bench.export import build_archive
from bench.harness import RESULTS, run_measured


def archive_media(output: Path) -> int:
    """Store every image row's file as the media pipeline would; returns the number of files."""
    with Catalog(default_catalog_path(output)) as catalog, catalog.transaction() as db:
        rows = db.execute("SELECT id, url FROM media WHERE kind = 'image'").fetchall()
        stored: set[str] = set()
        for row_id, url in rows:
            data = jpeg_bytes(url)
            digest = hashlib.sha256(data).hexdigest()
            local_path = f"hrbeu/images/{digest}.jpg"
            if local_path not in stored:
                target = output / local_path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                stored.add(local_path)
            db.execute(
                "UPDATE media SET state = 'done', local_path = ?, sha256 = ?, bytes = ?, "
                "content_type = 'image/jpeg', attempts = 1 WHERE id = ?",
                (local_path, digest, len(data), row_id),
            )
    return len(stored)


def measure(folder: Path) -> dict:
    result = run_measured([sys.executable, "-m", "archiver", "verify", "--json"], cwd=folder)
    document = json.loads(result.stdout)
    return {"exit_code": result.returncode, "seconds": round(result.seconds, 2),
            "cpu_seconds": round(result.cpu_seconds, 2), "peak_rss_mib": round(result.peak_rss_mb, 1),
            "findings": [(f["kind"], f["path"]) for f in document["findings"]],
            "checked": document["sources"]["hrbeu"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.verify", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000],
                        help="archive sizes in articles (default 10000 100000)")
    parser.add_argument("--json", default=str(RESULTS / "verify.json"), help="where to write results")
    args = parser.parse_args(argv)
    rows = []
    ok = True
    print(f"{'articles':>8} {'media':>7}  {'case':<14} {'seconds':>8} {'cpu s':>7} {'peak RSS':>10}  files/s")
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"bench-verify-{size}-"))
        try:
            output = build_archive(folder, size)
            media = archive_media(output)
            victim = sorted((output / "hrbeu").glob("*.md"))[size // 2]
            for case in ("intact", "one file lost"):
                if case == "one file lost":
                    victim.unlink()
                row = {"articles": size, "media": media, "case": case, **measure(folder)}
                expected = ([] if case == "intact"
                            else [["missing_file", victim.relative_to(output).as_posix()]])
                ok = ok and row["findings"] == [tuple(f) for f in expected] and row["exit_code"] == (
                    0 if case == "intact" else 1)
                rows.append(row)
                rate = (size + media) / row["seconds"]
                print(f"{size:>8} {media:>7}  {case:<14} {row['seconds']:>8.2f} {row['cpu_seconds']:>7.2f} "
                      f"{row['peak_rss_mib']:>6.1f} MiB  {rate:>7.0f}", flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"sizes": args.sizes, "runs": rows, "ok": ok}, indent=2) + "\n",
                               encoding="utf-8")
    print(f"written: {args.json}" + ("" if ok else " (UNEXPECTED FINDINGS)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
