"""Site-slice benchmark: `archiver probe` → crawl with exactly what it printed, on saved slices
of real sites served at their real URLs.

Run `python -m bench.slices` from the project folder. Each folder of `../shared/corpus/sites/`
(`--sites DIR`) is a slice of one host (its list pages and the articles the mirrors kept, at
their paths). For each, the bundled replica server serves it on 127.0.0.1 as an http and https
proxy (a throw-away certificate, trusted through `SSL_CERT_FILE`), then:

1. `archiver probe LIST_URL` must exit 0; its output is saved as `sources.yaml` unchanged;
2. `archiver backfill SOURCE` crawls with it (every list page the pager reaches);
3. counted: list pages fetched (and those the slice holds along the pager), article links
   that the slice holds and that are archived, stubs (an archived article with under
   `STUB_CHARS` characters of text and no image or file), linked articles the slice lacks and
   their recorded failure reasons (every one must be recorded: nothing lost silently).

`tests/test_slices.py` runs the same and asserts the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import yaml

from archiver.catalog import Catalog
from archiver.cms import detect_preset
from archiver.cms.listing import find_next
from archiver.css import select
from archiver.extract import decode_html
from archiver.replica import ReplicaServer
from archiver.replica.server import LoggedRequest
from archiver.replica.slices import SliceSite
from archiver.replica.tls import server_context, write_certificate

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_SITES = PROJECT.parent / "shared" / "corpus" / "sites"
NOW = "2026-12-01 08:00:00.000000"
STUB_CHARS = 20
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO",
        "-s", "ARCHIVER_MEDIA_ENABLED=false"]
# Where each slice's list starts (the slices README): a column's first list page, or for the
# conference site, which has no paginated list, the page that lists its forum articles.
START = {
    "ccfsys2021.zhejianglab.com": "http://ccfsys2021.zhejianglab.com/dhjieshao/ltztc.htm",
    "cs.nankai.edu.cn": "https://cs.nankai.edu.cn/szdw/js.htm",
    "eeis.ustc.edu.cn": "https://eeis.ustc.edu.cn/2648/list.htm",
    "iai.buaa.edu.cn": "https://iai.buaa.edu.cn/szdw/ayjsdsjs.htm",
    "cs.ustc.edu.cn": "https://cs.ustc.edu.cn/js_23235/list.htm",
    "www.njupt.edu.cn": "https://www.njupt.edu.cn/72/list.htm",
    "jwc.njupt.edu.cn": "https://jwc.njupt.edu.cn/1594/list.htm",
}


@dataclass
class SliceResult:
    """What probe and the crawl did on one slice."""

    host: str
    probe_exit: int
    crawl_exit: int | None = None
    list_pages_fetched: list[str] = field(default_factory=list)
    list_pages_held: list[str] = field(default_factory=list)
    held_linked: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    stubs: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    unrecorded: list[str] = field(default_factory=list)
    probe_output: str = ""
    crawl_log: str = ""

    @property
    def held_archived(self) -> list[str]:
        return [url for url in self.held_linked if url in self.archived]


def run_slice(folder: Path, start: str, work: Path) -> SliceResult:
    """Probe, crawl and count one slice (see the module docstring)."""
    site = SliceSite(folder)
    cert, key = write_certificate([site.host], work)
    with ReplicaServer(site, tls=server_context(cert, key)) as server:
        env = _env(server.url, cert)
        probe = _archiver(["probe", start], work, env)
        result = SliceResult(site.host, probe.returncode, probe_output=probe.stdout + probe.stderr)
        if probe.returncode != 0:
            return result
        (work / "sources.yaml").write_text(probe.stdout, encoding="utf-8")
        source = next(iter(yaml.safe_load(probe.stdout)["sources"]))
        server.reset_log()
        crawl = _archiver(["backfill", source, "--report", "report.json", *FAST], work, env)
        result.crawl_exit, result.crawl_log = crawl.returncode, crawl.stderr
        requested = server.requests
    _count(result, site, start, work, source, requested)
    return result


def _count(result: SliceResult, site: SliceSite, start: str, work: Path, source: str,
           requested: list[LoggedRequest]) -> None:
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))["sources"][source]
    result.failed = {f["url"]: f["reason"] for f in report.get("failed", [])}
    list_urls = _pager_chain(site, start)
    result.list_pages_held = list_urls
    fetched = {r.path for r in requested}
    result.list_pages_fetched = [u for u in list_urls if urlsplit(u).path in fetched]
    held = set(site.html_files())
    items = yaml.safe_load((work / "sources.yaml").read_text(encoding="utf-8"))["sources"][source]
    linked = _linked_articles(site, list_urls, items.get("list", {}).get("items"))
    result.held_linked = [u for u in linked if urlsplit(u).path in held]
    with Catalog(work / "output" / ".archiver" / "catalog.sqlite") as catalog:
        rows = catalog.db.execute(
            "SELECT url, path FROM articles WHERE source = ?", (source,)).fetchall()
    result.archived = [url for url, _ in rows]
    result.stubs = [url for url, path in rows if _is_stub(work / "output" / path)]
    result.unrecorded = [u for u in linked if u not in result.archived and u not in result.failed]


def _pager_chain(site: SliceSite, start: str) -> list[str]:
    """The list pages the pager reaches inside the slice, from `start`."""
    chain, url = [], start
    while url and url not in chain:
        response = site.render(urlsplit(url).path)
        if response.status != 200:
            break
        chain.append(url)
        doc = lxml.html.document_fromstring(decode_html(response.body))
        url = find_next(doc, url, detect_preset(doc))[0]
    return chain


def _linked_articles(site: SliceSite, list_urls: list[str], items: str | None) -> list[str]:
    """The article-form links (by the list page's CMS) among the list's items (the selector the
    crawl used: probe's `list.items`, else the preset's), on every list page, in order."""
    found: dict[str, None] = {}
    for url in list_urls:
        body = site.render(urlsplit(url).path).body
        doc = lxml.html.document_fromstring(decode_html(body))
        preset = detect_preset(doc)
        pattern = re.compile(preset.article_url)
        for link in select(doc, items or preset.list_items):
            href = urljoin(url, (link.get("href") or "").strip())
            if urlsplit(href).hostname == site.host and pattern.search(href):
                found[href.split("#")[0]] = None
    return list(found)


def _is_stub(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[-1]
    words = re.sub(r"\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)|<!--more-->|[\s#*>\\-]", "", body)
    has_media = "](" in body.split("转入文章首发地址")[0]
    return len(words) < STUB_CHARS and not has_media


def _env(proxy: str, cert: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.lower().endswith("_proxy") and not k.startswith("ARCHIVER_")}
    keep["PYTHONPATH"] = str(PROJECT) + os.pathsep + keep.get("PYTHONPATH", "")
    return {**keep, "http_proxy": proxy, "https_proxy": proxy, "SSL_CERT_FILE": str(cert),
            "ARCHIVER_NOW": NOW}


def _archiver(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archiver", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slices", description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=Path, default=DEFAULT_SITES)
    args = parser.parse_args(argv)
    print("| slice | probe | list pages fetched / held | held articles archived / linked "
          "| stubs | missing linked: recorded failures |")
    print("|---|---|---|---|---|---|")
    for host, start in START.items():
        with tempfile.TemporaryDirectory() as tmp:
            r = run_slice(args.sites / host, start, Path(tmp))
        reasons = {}
        for reason in r.failed.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        print(f"| {host} | {r.probe_exit} | {len(r.list_pages_fetched)} / {len(r.list_pages_held)} "
              f"| {len(r.held_archived)} / {len(r.held_linked)} | {len(r.stubs)} "
              f"| {len(r.failed)}: {', '.join(f'{k} {v}' for k, v in sorted(reasons.items()))}"
              f"{'; UNRECORDED ' + str(len(r.unrecorded)) if r.unrecorded else ''} |")
        if r.probe_exit:
            print(r.probe_output, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
