"""Raw capture (WARC), replay and `archiver rebuild`: real crawls of the replica, then rebuilds
with the replica stopped and a tripwire proxy that fails the test on any network use."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html
from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders

from archiver.catalog import Catalog
from archiver.config import ConfigError, parse_config
from archiver.replica import ReplicaServer, ReplicaSite
from archiver.replica.faults import FaultySite
from archiver.replica.site import Response
from archiver.warc.cdxj import read_index, url_key
from archiver.warc.files import WarcFile, index_path, seal, whole_members_length
from archiver.warc.rebuild import what_changed
from conftest import FAST, HRBEU_YAML, SAMPLE_NOW, StaticSite, clean_env, run_archiver

WARCIO = str(Path(sys.executable).parent / "warcio")
LATER = "2030-05-06 07:08:09.101112"  # the rebuild's clock: articles must keep their own
ARTICLES = 30  # seed 2: images in most, attachments in three (23, 24, 26)


class GzipSite:
    """The replica, its HTML pages sent with `Content-Encoding: gzip` (as many servers do)."""

    def __init__(self, site: ReplicaSite) -> None:
        self.site = site
        self.host = site.host

    def render(self, target: str) -> Response:
        response = self.site.render(target)
        if response.status != 200 or not response.headers["Content-Type"].startswith("text/html"):
            return response
        return response._replace(headers={**response.headers, "Content-Encoding": "gzip"},
                                 body=gzip.compress(response.body, mtime=0))


def warc_dir(folder: Path) -> Path:
    return folder / "output" / ".archiver" / "warc" / "hrbeu"


def responses(folder: Path) -> list[tuple[str, int, dict[str, str], bytes]]:
    """(URL, status, HTTP headers, payload as stored) of every response record, in file order."""
    found = []
    for path in sorted(warc_dir(folder).glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    http = record.http_headers
                    found.append((record.rec_headers.get_header("WARC-Target-URI"), int(http.get_statuscode()),
                                  dict(http.headers), record.raw_stream.read()))
    return found


def tree(root: Path, pattern: str) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob(pattern)) if p.is_file()}


def media_hashes(root: Path) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in tree(root, "*").items()
            if not name.endswith(".md")}


def catalog_rows(output: Path) -> dict[str, sqlite3.Row]:
    db = sqlite3.connect(output / ".archiver" / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    try:
        return {row["url"]: row for row in db.execute("SELECT * FROM articles")}
    finally:
        db.close()


def rebuild_offline(folder: Path, *args: str, program: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """`archiver rebuild ARGS` with every http(s) request routed to a tripwire proxy, which
    must see none; the replica is already stopped."""
    tripwire = StaticSite("tripwire.invalid")
    with ReplicaServer(tripwire) as guard:
        command = program or [sys.executable, "-m", "archiver"]
        result = subprocess.run(
            [*command, "rebuild", *args, "-s", "LOG_LEVEL=INFO"], cwd=folder, capture_output=True, text=True,
            timeout=300, env=clean_env(ARCHIVER_NOW=LATER, http_proxy=guard.url, https_proxy=guard.url),
        )
        assert guard.requests == [], f"the rebuild used the network: {guard.requests}"
    return result


def warcio_check(path: Path) -> None:
    result = subprocess.run([WARCIO, "check", "-v", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# -- a crawl of a gzip-encoding replica, then an offline rebuild


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("crawled")
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    site = GzipSite(ReplicaSite(articles=ARTICLES, seed=2))
    with ReplicaServer(site) as server:
        result = run_archiver(["backfill", "hrbeu", *FAST], folder, proxy=server.url)
        log = server.requests
    assert result.returncode == 0, result.stderr[-3000:]
    return {"folder": folder, "site": site, "log": log}


def test_every_article_has_a_200_record_with_the_bytes_as_transferred(crawled):
    folder, site = crawled["folder"], crawled["site"]
    records = {url: (status, headers, body) for url, status, headers, body in responses(folder)}
    articles = catalog_rows(folder / "output")
    assert len(articles) == ARTICLES
    for url in articles:
        status, headers, body = records[url]
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert body == site.render(urlsplit(url).path).body  # compressed, as the server sent it
        assert gzip.decompress(body).startswith(b"<!DOCTYPE html>")
    assert records["http://gongxue.cn/robots.txt"][0] == 200
    assert records["http://gongxue.cn/xw.htm"][0] == 200
    # warc: pages (the default): media are stored by content hash, not captured
    assert not any("/__local/" in url or "download.jsp" in url for url in records)


def test_warcio_checks_and_indexes_every_file(crawled):
    files = sorted(warc_dir(crawled["folder"]).glob("*.warc.gz"))
    assert files and not list(warc_dir(crawled["folder"]).glob(".*.open"))
    for path in files:
        warcio_check(path)
        listed = subprocess.run([WARCIO, "index", "-f", "warc-type,warc-target-uri,http:status", str(path)],
                                capture_output=True, text=True, check=True).stdout.splitlines()
        assert sum('"warc-type": "response"' in line for line in listed) == len(read_index(index_path(path)))
    with files[0].open("rb") as first:
        info = next(iter(ArchiveIterator(first)))
        text = info.content_stream().read().decode()
    assert info.rec_type == "warcinfo" and "software: archiver/" in text and "isPartOf: hrbeu" in text


def test_request_records_name_what_was_asked(crawled):
    with open(sorted(warc_dir(crawled["folder"]).glob("*.warc.gz"))[0], "rb") as handle:
        requests = [r for r in ArchiveIterator(handle) if r.rec_type == "request"]
    article = next(r for r in requests if "/info/" in r.rec_headers.get_header("WARC-Target-URI"))
    path = urlsplit(article.rec_headers.get_header("WARC-Target-URI")).path
    assert article.http_headers.protocol == "GET" and article.http_headers.statusline.startswith(path)
    assert article.http_headers.get_header("Host") == "gongxue.cn"
    assert "gzip" in article.http_headers.get_header("Accept-Encoding")
    assert article.rec_headers.get_header("WARC-Concurrent-To")


def test_rebuild_offline_gives_the_same_files(crawled, tmp_path: Path):
    folder = tmp_path / "copy"
    shutil.copytree(crawled["folder"], folder)
    result = rebuild_offline(folder, "--to", "new")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"articles new {ARTICLES}," in result.stdout
    original, rebuilt = folder / "output", folder / "new"
    assert tree(rebuilt / "hrbeu", "*.md") == tree(original / "hrbeu", "*.md")
    assert media_hashes(rebuilt / "hrbeu") == media_hashes(original / "hrbeu")
    assert any(name.startswith("files/") for name in media_hashes(rebuilt / "hrbeu"))  # attachments too
    old, new = catalog_rows(original), catalog_rows(rebuilt)
    assert {u: (r["urlname"], r["archived"], r["content_hash"]) for u, r in new.items()} == \
        {u: (r["urlname"], r["archived"], r["content_hash"]) for u, r in old.items()}
    assert {r["archived"] for r in new.values()} == {SAMPLE_NOW}  # not the rebuild's clock
    with Catalog(rebuilt / ".archiver" / "catalog.sqlite") as catalog:
        assert [(r["command"], r["status"]) for r in catalog.runs()] == [("rebuild", "finished")]
    # the new archive carries the WARC files, so it can be rebuilt in turn
    assert tree(rebuilt / ".archiver" / "warc", "*.gz") == tree(original / ".archiver" / "warc", "*.gz")


def test_a_recorded_crawl_replays_offline_through_the_real_spider(crawled, tmp_path: Path):
    """The README's replay recipe: list pages, articles and media from the capture alone."""
    folder = tmp_path / "copy"
    shutil.copytree(crawled["folder"], folder)
    replay = "archiver.warc.replay.ReplayDownloadHandler"
    handlers = f'{{"http": "{replay}", "https": "{replay}"}}'
    tripwire = StaticSite("tripwire.invalid")
    with ReplicaServer(tripwire) as guard:
        result = run_archiver(["backfill", "hrbeu", "-o", "replayed", *FAST, "-s", f"DOWNLOAD_HANDLERS={handlers}",
                               "-s", "ARCHIVER_REPLAY_FROM=output", "-s", "ARCHIVER_WARC=off"], folder,
                              proxy=guard.url)
        assert guard.requests == []
    assert result.returncode == 0, result.stderr[-3000:]
    assert "list pages 2, articles new 30," in result.stdout
    assert tree(folder / "replayed" / "hrbeu", "*") == tree(folder / "output" / "hrbeu", "*")
    assert not (folder / "replayed" / ".archiver" / "warc").exists()


def test_a_url_missing_from_the_warcs_is_reported_not_fetched(crawled, tmp_path: Path):
    folder = tmp_path / "copy"
    shutil.copytree(crawled["folder"], folder)
    lost = next(iter(catalog_rows(folder / "output")))
    for index in warc_dir(folder).glob("*.cdxj"):  # forget one capture
        index.write_text("".join(line + "\n" for line in index.read_text().splitlines() if f'"{lost}"' not in line))
    result = rebuild_offline(folder, "--to", "new")
    assert result.returncode == 1
    assert f"hrbeu: not in the WARC files, not fetched: {lost}" in result.stderr
    assert f"articles new {ARTICLES - 1}, updated 0, unchanged 0, failed 1," in result.stdout
    assert "failed by reason: not_in_warc 1" in result.stdout


def test_rebuild_in_place_after_an_extractor_change_rewrites_exactly_the_affected(crawled, tmp_path: Path):
    folder = tmp_path / "copy"
    shutil.copytree(crawled["folder"], folder)
    output = folder / "output"
    before, rows_before = tree(output / "hrbeu", "*.md"), catalog_rows(output)
    selector = "p.vsbcontent_end"  # the preset now also cleans this element out of bodies
    site = crawled["site"].site
    affected = {rows_before[site.article_url(i)]["path"].removeprefix("hrbeu/") for i in range(ARTICLES)
                if html.fromstring(site.render(urlsplit(site.article_url(i)).path).body).cssselect(
                    f".v_news_content {selector}")}
    assert 0 < len(affected) < ARTICLES
    swap = ("import dataclasses, sys; import archiver.cms as cms; "
            f"cms.PRESETS['vsb'] = dataclasses.replace(cms.PRESETS['vsb'], strip=cms.PRESETS['vsb'].strip + ({selector!r},)); "
            "from archiver.cli import main; sys.exit(main(sys.argv[1:]))")
    result = rebuild_offline(folder, "--in-place", "--report", "rebuild.json",
                             program=[sys.executable, "-c", swap])
    assert result.returncode == 0, result.stderr[-3000:]
    after = tree(output / "hrbeu", "*.md")
    changed = {name for name in after if after[name] != before[name]}
    assert changed == affected
    assert f"updated {len(affected)}, unchanged {ARTICLES - len(affected)}, failed 0" in result.stdout
    listed = {line.split()[2].removeprefix("hrbeu/").rstrip(":") for line in result.stdout.splitlines()
              if line.startswith("hrbeu: rewritten ")}
    assert listed == affected
    assert all("body (-1 +0 lines)" in line for line in result.stdout.splitlines() if "rewritten" in line)
    report = json.loads((folder / "rebuild.json").read_text())
    assert report["command"] == "rebuild" and report["exit_code"] == 0
    assert {c["path"].removeprefix("hrbeu/") for c in report["sources"]["hrbeu"]["changes"]} == affected
    rows = catalog_rows(output)
    for url, row in rows.items():
        name = row["path"].removeprefix("hrbeu/")
        assert row["archived"] == rows_before[url]["archived"]  # the original date stays
        assert (row["updated"] == LATER) == (name in affected), name
        assert after[name].startswith(before[name][:before[name].index(b"\n---\n")])  # same front matter


def test_rebuild_with_local_links_names_the_media_as_before(tmp_path: Path):
    """With `image_links: local` the Markdown links the archived copies: the rebuilt copies
    (attachments under their real names) must come out under the very same names."""
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "sources.yaml").write_text(HRBEU_YAML + "    image_links: local\n", encoding="utf-8")
    with ReplicaServer(ReplicaSite(articles=ARTICLES, seed=2)) as server:
        result = run_archiver(["backfill", "hrbeu", *FAST], folder, proxy=server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    result = rebuild_offline(folder, "--to", "new")
    assert result.returncode == 0, result.stderr[-3000:]
    rebuilt = tree(folder / "new" / "hrbeu", "*.md")
    assert rebuilt == tree(folder / "output" / "hrbeu", "*.md")
    assert any(b"](/hrbeu/files/" in text for text in rebuilt.values())
    assert media_hashes(folder / "new" / "hrbeu") == media_hashes(folder / "output" / "hrbeu")


def test_with_warc_all_media_come_from_the_warc(tmp_path: Path):
    folder = tmp_path / "all"
    folder.mkdir()
    (folder / "sources.yaml").write_text(HRBEU_YAML + "    warc: all\n", encoding="utf-8")
    with ReplicaServer(ReplicaSite(articles=ARTICLES, seed=2)) as server:
        result = run_archiver(["backfill", "hrbeu", *FAST], folder, proxy=server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    captured = {url for url, status, _, _ in responses(folder) if status == 200}
    assert any("/__local/" in url for url in captured) and any("download.jsp" in url for url in captured)
    original = media_hashes(folder / "output" / "hrbeu")
    for folder_name in ("images", "files"):  # the stored copies are gone: only the WARC has them
        shutil.rmtree(folder / "output" / "hrbeu" / folder_name)
    result = rebuild_offline(folder, "--to", "new")
    assert result.returncode == 0, result.stderr[-3000:]
    assert media_hashes(folder / "new" / "hrbeu") == original
    assert tree(folder / "new" / "hrbeu", "*.md") == tree(folder / "output" / "hrbeu", "*.md")


@pytest.mark.parametrize(("yaml_key", "setting", "captured"), [
    ("    warc: off\n", [], False),                       # the source's key...
    ("    warc: pages\n", ["-s", "ARCHIVER_WARC=off"], True),  # ...wins over the setting
    ("", ["-s", "ARCHIVER_WARC=off"], False),
])
def test_warc_off_per_source_or_globally(tmp_path: Path, yaml_key: str, setting: list[str], captured: bool):
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML + yaml_key, encoding="utf-8")
    with ReplicaServer(ReplicaSite(articles=5, seed=2)) as server:
        result = run_archiver(["backfill", "hrbeu", *FAST, *setting], tmp_path, proxy=server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(list((tmp_path / "output" / "hrbeu").glob("*.md"))) == 5
    assert bool(list(warc_dir(tmp_path).glob("*.warc.gz"))) is captured
    if not captured:  # nothing to rebuild from: said up front, each article reported, none fetched
        result = rebuild_offline(tmp_path, "--to", "new")
        assert result.returncode == 1
        assert "hrbeu: no WARC files in output/.archiver/warc/hrbeu" in result.stderr
        assert result.stderr.count("hrbeu: not in the WARC files, not fetched: ") == 5


def test_every_retry_and_redirect_hop_is_recorded_and_files_rotate(tmp_path: Path):
    folder = tmp_path / "faults"
    folder.mkdir()
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    site = ReplicaSite(articles=ARTICLES, seed=2)
    retried, redirected = site.article_url(3), site.article_url(4)
    faulty = FaultySite(site, [(urlsplit(retried).path, "http_503", 1),
                               (urlsplit(redirected).path, "login_redirect")])
    with ReplicaServer(faulty) as server:
        result = run_archiver(["backfill", "hrbeu", *FAST, "-s", "ARCHIVER_RETRY_BACKOFF=0",
                               "-s", "ARCHIVER_WARC_MAX_BYTES=20000"], folder, proxy=server.url)
    assert result.returncode == 1  # the article behind the login page failed
    recorded = [(url, status) for url, status, _, _ in responses(folder)]
    assert [s for u, s in recorded if u == retried] == [503, 200]
    assert (redirected, 302) in recorded
    files = sorted(warc_dir(folder).glob("*.warc.gz"))
    assert len(files) > 3  # rotated at 20,000 bytes, each file whole and indexed
    for path in files:
        warcio_check(path)
        assert index_path(path).is_file()
    result = rebuild_offline(folder, "--to", "new")
    assert result.returncode == 0, result.stderr[-3000:]  # the 200 after the 503 is replayed
    assert tree(folder / "new" / "hrbeu", "*.md") == tree(folder / "output" / "hrbeu", "*.md")


def test_a_full_warc_folder_stops_the_run_and_the_rerun_seals_and_completes(tmp_path: Path):
    from test_disk import FULL, assert_stopped_cleanly, mounted, remount

    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    with mounted(warc_dir(folder), "-o", "size=48k"), ReplicaServer(ReplicaSite(articles=60, seed=2)) as server:
        stopped = run_archiver(["backfill", "hrbeu", *FAST], folder, proxy=server.url)
        assert_stopped_cleanly(stopped, FULL)
        assert "Cannot write output/.archiver/warc/hrbeu/." in stopped.stderr  # the WARC file, left open
        assert len(list(warc_dir(folder).glob(".*.open"))) == 1
        remount(warc_dir(folder), "size=64m")
        rerun = run_archiver(["backfill", "hrbeu", *FAST], folder, proxy=server.url)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "Sealed WARC file left open by an interrupted run" in rerun.stderr
        files = sorted(warc_dir(folder).glob("*.warc.gz"))
        assert len(files) == 2 and not list(warc_dir(folder).glob(".*.open"))
        for path in files:
            warcio_check(path)
        rebuilt = rebuild_offline(folder, "--to", "new")
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert tree(folder / "new" / "hrbeu", "*.md") == tree(folder / "output" / "hrbeu", "*.md")


# -- killed three times


def md_count(folder: Path) -> int:
    root = folder / "output" / "hrbeu"
    return sum(1 for p in root.glob("*.md")) if root.is_dir() else 0


@pytest.mark.slow
def test_backfill_killed_three_times_leaves_valid_warcs_without_duplicates(tmp_path: Path):
    folder = tmp_path / "killed"
    folder.mkdir()
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    articles = 300
    args = [sys.executable, "-m", "archiver", "backfill", "hrbeu", *FAST]
    with ReplicaServer(ReplicaSite(articles=articles, seed=5)) as server:
        kills = 0
        while kills < 3:
            target = md_count(folder) + 40
            process = subprocess.Popen(args, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       env=clean_env(ARCHIVER_NOW=SAMPLE_NOW, http_proxy=server.url))
            deadline = time.monotonic() + 300
            while process.poll() is None and md_count(folder) < target:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            assert process.poll() is None, "the backfill ended before it could be killed"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
            kills += 1
            # the killed run's file is left open (the one before it was sealed when this run
            # started), readable up to its last whole record
            [open_file] = warc_dir(folder).glob(".*.open")
            prefix = tmp_path / "prefix.warc.gz"
            prefix.write_bytes(open_file.read_bytes()[:whole_members_length(open_file)])
            warcio_check(prefix)
            assert len(list(warc_dir(folder).glob("*.warc.gz"))) == kills - 1
        final = run_archiver(["backfill", "hrbeu", *FAST], folder, proxy=server.url)
        log = server.requests
    assert final.returncode == 0, final.stderr[-3000:]
    assert md_count(folder) == articles
    assert not list(warc_dir(folder).glob(".*.open"))
    assert len(list(warc_dir(folder).glob("*.warc.gz"))) == 4  # three sealed, one closed
    for path in warc_dir(folder).glob("*.warc.gz"):
        warcio_check(path)
    fetched = Counter(r.path for r in log if r.status == 200 and r.path.startswith("/info/"))
    recorded = Counter(urlsplit(url).path for url, status, _, _ in responses(folder) if status == 200
                       and "/info/" in url)
    assert set(recorded) == set(fetched)
    for path, times in fetched.items():
        assert recorded[path] <= times, path
        if times == 1:
            assert recorded[path] == 1, path
    result = rebuild_offline(folder, "--to", "new")
    assert result.returncode == 0, result.stderr[-3000:]
    assert tree(folder / "new" / "hrbeu", "*.md") == tree(folder / "output" / "hrbeu", "*.md")
    assert media_hashes(folder / "new" / "hrbeu") == media_hashes(folder / "output" / "hrbeu")


# -- pure parts


def _records(count: int) -> list:
    builder = RecordBuilder(warc_version="1.1")
    records = []
    for i in range(count):
        body = f"<html>page {i}</html>".encode() * 50
        head = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        records.append(builder.create_warc_record(f"http://example.cn/{i}.htm", "response",
                                                  payload=io.BytesIO(body), length=len(body), http_headers=head))
    return records


@pytest.mark.parametrize("cut", [1, 17, 200])
def test_seal_cuts_a_half_written_record_and_indexes_the_rest(tmp_path: Path, cut: int):
    warc = WarcFile(tmp_path / "20261201000000-0.warc.gz")
    for record in _records(4):
        warc.write([record])
    warc._handle.close()  # as a SIGKILL leaves it: still under its temporary name
    data = warc.temp.read_bytes()
    whole = len(data)
    warc.temp.write_bytes(data[:-cut])  # the last record only partly on disk
    assert whole_members_length(warc.temp) < whole - cut
    final = seal(warc.temp)
    assert final == tmp_path / "20261201000000-0.warc.gz" and not warc.temp.exists()
    warcio_check(final)
    assert [e.url for e in sorted(read_index(index_path(final)), key=lambda e: e.offset)] == \
        [f"http://example.cn/{i}.htm" for i in range(3)]


def test_closed_file_is_renamed_after_its_index(tmp_path: Path):
    warc = WarcFile(tmp_path / "a.warc.gz")
    warc.write(_records(2))
    assert warc.temp.exists() and not warc.path.exists()
    assert warc.close() == tmp_path / "a.warc.gz"
    entries = read_index(index_path(warc.path))
    with open(warc.path, "rb") as handle:
        for entry in entries:
            handle.seek(entry.offset)
            record = next(iter(ArchiveIterator(io.BytesIO(handle.read(entry.length)))))
            assert record.rec_headers.get_header("WARC-Target-URI") == entry.url


def test_the_http_head_is_rebuilt_from_what_scrapy_keeps():
    from scrapy import Request as ScrapyRequest
    from scrapy.http import Response as ScrapyResponse

    from archiver.warc.http import request_head, response_head

    headers = [("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
               ("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")]
    head = response_head(ScrapyResponse("http://x.cn/a", status=404, headers=headers, protocol="HTTP/1.0"))
    assert head.protocol == "HTTP/1.0" and head.statusline == "404 Not Found"
    assert head.headers == [("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                            ("Content-Encoding", "gzip")]  # the body recorded is de-chunked
    assert response_head(ScrapyResponse("http://x.cn/a", status=299)).statusline == "299"
    request = ScrapyRequest("http://x.cn:8080/a b?q=1", headers={"Proxy-Authorization": "Basic x", "Accept": "*/*"})
    head = request_head(request)
    assert head.protocol == "GET" and head.statusline == "/a%20b?q=1 HTTP/1.1"
    assert head.headers == [("Host", "x.cn:8080"), ("Accept", "*/*")]


def test_url_keys_are_surt_style():
    assert url_key("http://www.GongXue.cn/xw.htm") == "cn,gongxue)/xw.htm"
    assert url_key("http://gongxue.cn:8080/a.jsp?x=1") == "cn,gongxue:8080)/a.jsp?x=1"
    assert url_key("https://news.hrbeu.edu.cn") == "cn,edu,hrbeu,news)/"


def test_what_changed_names_the_parts():
    head = "---\ntitle: A\ndate: 2021\n---\n"
    assert what_changed(head + "one\n\ntwo\n", head + "one\n") == "body (-1 +0 lines)"
    assert what_changed(head + "x\n", head.replace("A", "B") + "x\n") == "front matter (title)"


def test_a_bad_warc_setting_is_a_usage_error(tmp_path: Path):
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    result = run_archiver(["crawl", "-s", "ARCHIVER_WARC=sometimes"], tmp_path)
    assert result.returncode == 2
    assert "-s ARCHIVER_WARC: warc must be one of pages, all, off, got 'sometimes'" in result.stderr


def test_warc_key_is_checked(tmp_path: Path):
    text = HRBEU_YAML + "    warc: sometimes\n"
    with pytest.raises(ConfigError, match="key 'warc': must be one of pages, all, off"):
        parse_config(text, tmp_path / "sources.yaml")
    assert parse_config(HRBEU_YAML + "    warc: all\n", tmp_path / "s.yaml").sources["hrbeu"].warc == "all"
    # YAML reads a bare `off` as false: it still means off
    assert parse_config(HRBEU_YAML + "    warc: off\n", tmp_path / "s.yaml").sources["hrbeu"].warc == "off"
    assert parse_config(HRBEU_YAML, tmp_path / "s.yaml").sources["hrbeu"].warc is None  # ARCHIVER_WARC decides
