"""Media in real crawls of the replica site: stored once, named safely, failures recorded and
retried, local links that resolve in a site built by the real Hugo binary. The tests of
failures and retries (catalog queries at heart) run with a SQLite and a PostgreSQL catalog."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from archiver.catalog import Catalog
from archiver.replica import ReplicaServer, ReplicaSite
from archiver.replica.site import Response
from conftest import FAST, HRBEU_YAML, StaticSite
from conftest import run_archiver as run_with_env
from hugo_site import CONFIG, read_page, run_hugo, write_site

LOCAL_YAML = HRBEU_YAML + "    image_links: local\n"
CATALOG = Path("output") / ".archiver" / "catalog.sqlite"
IMAGE = re.compile(r"!\[图\]\(([^)]+)\)")
LINK = re.compile(r"\]\(([^)]+)\)")
CAP = ["-s", f"ARCHIVER_MEDIA_MAX_BYTES={1024 * 1024}"]  # the replica's oversize files are 2 MiB
HOSTILE = ("../../etc/passwd", "..\\x.doc")
# Faults for the images of consecutive articles that have images (see MEDIA_FAULTS).
FAULTS = ("http_404", "http_500", "html", "empty", "truncated", "oversize", "oversize_stream")
REASONS = {"http_404": "http_404", "http_500": "http_500", "html": "not_image", "empty": "empty",
           "truncated": "truncated", "oversize": "too_large", "oversize_stream": "too_large"}


# The PostgreSQL catalog of each archive folder (folders absent here use their SQLite file).
CATALOG_URLS: dict[Path, str] = {}


def run_archiver(args: list[str], cwd: Path, **options):
    """`archiver ARGS` in `cwd`, with that folder's catalog (ARCHIVER_CATALOG_URL when it is in
    PostgreSQL)."""
    if cwd in CATALOG_URLS:
        options["ARCHIVER_CATALOG_URL"] = CATALOG_URLS[cwd]
    return run_with_env(args, cwd=cwd, **options)


def use_catalog(request: pytest.FixtureRequest, folder: Path, backend: str) -> None:
    """Give `folder` a fresh PostgreSQL catalog when `backend` says so."""
    if backend == "postgresql":
        CATALOG_URLS[folder] = request.getfixturevalue("pg_server").create_database()


def md_path(folder: Path, url: str) -> Path:
    return folder / "output" / "hrbeu" / (hashlib.md5(url.encode()).hexdigest() + ".md")


def target(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def media_rows(folder: Path) -> dict[str, dict]:
    """Every media row of the catalog by URL (the last one per URL), as a dict."""
    with Catalog(CATALOG_URLS.get(folder, folder / CATALOG)) as catalog:
        rows = catalog.db.execute("SELECT m.* FROM media m ORDER BY m.id").fetchall()
        return {row["url"]: dict(row) for row in rows}


def stored_files(folder: Path) -> dict[str, bytes]:
    """Files under OUTPUT/hrbeu other than articles, by path relative to OUTPUT."""
    root = folder / "output"
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in (root / "hrbeu").rglob("*") if p.is_file() and p.suffix != ".md"}


# -- a healthy site: images stored once, attachments with their real names


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """100 replica articles crawled twice into the same folders: `original` links into one and
    `local` links into the other; some attachments named every way servers name them."""
    site = ReplicaSite(articles=100, seed=2)
    attachments = [href for i in range(100) for _, href in site.article(i).attachments]
    names = {
        attachments[0]: ("2021年本科教学工作安排表（第二版）.docx", "gbk"),
        attachments[1]: ("研究生 推免 名单.xlsx", "utf-8"),
        attachments[2]: ("实验室安全管理办法.pdf", "rfc5987"),
        attachments[3]: ("报名回执+说明.doc", "percent"),
        attachments[4]: (HOSTILE[0], "utf-8"),
        attachments[5]: (HOSTILE[1], "gbk"),
        attachments[6]: ("通知.docx", "utf-8"),  # two different files, one name
        attachments[7]: ("通知.docx", "rfc5987"),
    }
    for url, (name, encoding) in names.items():
        site.set_attachment_name(url, name, encoding)
    original, local = tmp_path_factory.mktemp("original"), tmp_path_factory.mktemp("local")
    (original / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    (local / "sources.yaml").write_text(LOCAL_YAML, encoding="utf-8")
    with ReplicaServer(site) as server:
        first = run_archiver(["crawl", "--report", "report.json", *FAST], cwd=original, proxy=server.url)
        requested = [r.path for r in server.requests]
        server.reset_log()
        again = run_archiver(["crawl", "--recheck-days", "100000", *FAST], cwd=original, proxy=server.url,
                             now="2021-11-27 00:00:00")
        rechecked = [r.path for r in server.requests]
        local_run = run_archiver(["crawl", *FAST], cwd=local, proxy=server.url)
        yield {"site": site, "names": names, "original": original, "local": local, "first": first,
               "requested": requested, "again": again, "rechecked": rechecked, "local_run": local_run}


def test_each_image_is_downloaded_once_and_stored_once(archive):
    site, folder, first = archive["site"], archive["original"], archive["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    uses = Counter(url for i in range(100) for url in site.article(i).images)
    assert max(uses.values()) >= 2  # some images are shared between articles
    image_requests = Counter(p for p in archive["requested"] if p.startswith("/__local/"))
    assert image_requests == Counter({urlsplit(url).path: 1 for url in uses})
    stored = {path: data for path, data in stored_files(folder).items() if "/images/" in path}
    expected = {f"hrbeu/images/{hashlib.sha256(site.render(urlsplit(u).path).body).hexdigest()}.jpg":
                site.render(urlsplit(u).path).body for u in uses}
    assert stored == expected
    rows = media_rows(folder)
    for url in uses:
        row = rows[url]
        body = site.render(urlsplit(url).path).body
        assert (row["state"], row["kind"], row["content_type"], row["bytes"], row["attempts"]) == \
               ("done", "image", "image/jpeg", len(body), 1)
        assert row["local_path"] == f"hrbeu/images/{row['sha256']}.jpg"
        assert row["sha256"] == hashlib.sha256(body).hexdigest()
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    media = report["sources"]["hrbeu"]["media"]
    attachments = sum(len(site.article(i).attachments) for i in range(100))
    assert media["downloaded"] == len(uses) + attachments and media["failed"] == 0
    assert media["reused"] == sum(uses.values()) - len(uses)
    assert media["bytes"] == sum(len(b) for b in stored_files(folder).values())
    assert f"media downloaded {media['downloaded']} ({media['bytes']} bytes)" in first.stdout


def test_refetched_articles_reuse_the_archive(archive):
    again = archive["again"]
    assert again.returncode == 0, again.stderr[-3000:]
    assert sum(p.startswith("/info/") for p in archive["rechecked"]) == 100
    assert [p for p in archive["rechecked"] if p.startswith(("/__local/", "/system/"))] == []
    assert "articles new 0, updated 0, unchanged 100" in again.stdout
    assert "media downloaded 0 (0 bytes)" in again.stdout


def test_attachments_keep_their_real_names_and_stay_inside_the_output(archive, tmp_path_factory):
    site, names, folder = archive["site"], archive["names"], archive["original"]
    stored = stored_files(folder)
    for url, (name, _) in names.items():
        body = site.render(target(url)).body
        assert body in stored.values()
        path = media_rows(folder)[url]["local_path"]
        assert stored[path] == body
        if name in HOSTILE:
            assert path == {"../../etc/passwd": "hrbeu/files/etc_passwd.bin", "..\\x.doc": "hrbeu/files/x.doc"}[name]
        elif name == "通知.docx":
            digest = hashlib.sha256(body).hexdigest()
            assert path in ("hrbeu/files/通知.docx", f"hrbeu/files/通知-{digest[:8]}.docx")
        else:
            assert path == f"hrbeu/files/{name}"  # GBK, raw UTF-8, RFC 5987 and percent-encoded
    collided = sorted(media_rows(folder)[url]["local_path"] for url, (n, _) in names.items() if n == "通知.docx")
    assert len(set(collided)) == 2 and "hrbeu/files/通知.docx" in collided
    # Nothing was written anywhere but the output folder and the report.
    everything = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {p for p in everything if not p.startswith("output/")} == {"sources.yaml", "report.json"}
    assert not [p for p in everything if "passwd" in p and p != "output/hrbeu/files/etc_passwd.bin"]
    # The other attachments keep the name the download script gave them.
    for i in range(100):
        for name, url in site.article(i).attachments:
            if url not in names:
                assert media_rows(folder)[url]["local_path"] == f"hrbeu/files/{name}"


def test_original_links_are_kept_by_default_and_attachments_listed(archive):
    site, folder = archive["site"], archive["original"]
    article = next(site.article(i) for i in range(100) if site.article(i).attachments and site.article(i).images)
    text = md_path(folder, article.url).read_text(encoding="utf-8")
    assert IMAGE.findall(text) == article.images
    listing = "\n".join(f"- [{name}]({url})" for name, url in article.attachments)
    assert text.endswith(f"附件：\n\n{listing}\n\n[转入文章首发地址]({article.url})")


HUGO_MOUNTS = """
[[module.mounts]]
source = "content"
target = "content"
[[module.mounts]]
source = "{output}"
target = "content"
files = ["*/*.md"]
[[module.mounts]]
source = "{output}"
target = "static"
files = ["*/images/**", "*/files/**", "*/videos/**"]
"""


def test_local_links_resolve_in_a_site_built_by_hugo(archive, tmp_path: Path):
    site, folder, run = archive["site"], archive["local"], archive["local_run"]
    assert run.returncode == 0, run.stderr[-3000:]
    root = write_site(tmp_path / "hugo", {})
    with (root / "hugo.toml").open("a", encoding="utf-8") as config:
        config.write(HUGO_MOUNTS.format(output=(folder / "output").as_posix()))
    assert CONFIG in (root / "hugo.toml").read_text(encoding="utf-8")
    result = run_hugo(root)
    assert result.returncode == 0, result.stdout + result.stderr
    pages = [read_page(p) for p in (root / "public").rglob("index.html")]
    assert len(pages) == 100
    images = [img.get("src") for page in pages for img in page.content.iter("img")]
    files = [a.get("href") for page in pages for a in page.content.iter("a") if "/files/" in a.get("href", "")]
    assert len(images) == sum(len(site.article(i).images) for i in range(100))
    assert len(files) == sum(len(site.article(i).attachments) for i in range(100))
    for link in images + files:
        assert link.startswith("/hrbeu/"), link
        assert (root / "public" / unquote(link).lstrip("/")).is_file(), link
    for i in range(100):
        article = site.article(i)
        text = md_path(folder, article.url).read_text(encoding="utf-8")
        expected = [f"/hrbeu/images/{hashlib.sha256(site.render(urlsplit(u).path).body).hexdigest()}.jpg"
                    for u in article.images]
        assert IMAGE.findall(text) == expected
        assert "gongxue.cn/__local/" not in text and "download.jsp" not in text


# -- a failing site: nothing lost, failures recorded, retried without the articles


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def faulty(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    site = ReplicaSite(articles=40, seed=2)
    broken = [i for i in range(40) if site.article(i).images][: len(FAULTS)]
    for index, fault in zip(broken, FAULTS):
        site.set_media_fault(site.article(index).images[0], fault)
    with_attachment = next(i for i in range(40) if site.article(i).attachments)
    site.set_media_fault(site.article(with_attachment).attachments[0][1], "html")
    folder = tmp_path_factory.mktemp("faulty")
    use_catalog(request, folder, request.param)
    (folder / "sources.yaml").write_text(LOCAL_YAML, encoding="utf-8")
    args = ["crawl", "--recheck-days", "0", "--report", "report.json", *FAST, *CAP]
    with ReplicaServer(site) as server:
        first = run_archiver(args, cwd=folder, proxy=server.url)
        first_report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        after_first = {f: md_path(folder, site.article(f).url).read_bytes() for f in range(40)}
        rows_first = media_rows(folder)
        stored_first = stored_files(folder)
        server.reset_log()
        early = run_archiver(args, cwd=folder, proxy=server.url, now="2021-11-26 01:52:02")  # +30 min
        early_requests = [r.path for r in server.requests]
        for index in broken:
            site.set_media_fault(site.article(index).images[0], None)
        site.set_media_fault(site.article(with_attachment).attachments[0][1], None)
        server.reset_log()
        healed = run_archiver(args, cwd=folder, proxy=server.url, now="2021-11-26 03:30:00")  # +2 h
        healed_requests = [r.path for r in server.requests]
        yield {"site": site, "broken": broken, "attachment": with_attachment, "folder": folder,
               "first": first, "first_report": first_report, "after_first": after_first,
               "rows_first": rows_first, "stored_first": stored_first, "early": early, "early_requests": early_requests,
               "healed": healed, "healed_requests": healed_requests}


def test_failed_media_never_lose_the_article(faulty):
    site, folder, first = faulty["site"], faulty["folder"], faulty["first"]
    assert first.returncode == 1, first.stderr[-3000:]  # media failed: exit 1, retried next run
    assert "Traceback" not in first.stderr
    assert len(list((folder / "output" / "hrbeu").glob("*.md"))) == 40
    rows = faulty["rows_first"]
    for index, fault in zip(faulty["broken"], FAULTS):
        article = site.article(index)
        row = rows[article.images[0]]
        assert (row["state"], row["attempts"], row["local_path"]) == ("failed", 1, None), fault
        assert row["last_error"].startswith(REASONS[fault] + ": "), (fault, row["last_error"])
        assert row["next_attempt"] == "2021-11-26 02:22:02.872027"  # one hour of back-off
        text = faulty["after_first"][index].decode("utf-8")
        assert IMAGE.findall(text)[0] == article.images[0]  # still the original: no broken link
        assert all(link.startswith("/hrbeu/images/") for link in IMAGE.findall(text)[1:])
        assert f"Media failed ({REASONS[fault]}): {article.images[0]} (in {article.url})" in first.stderr
    attachment = site.article(faulty["attachment"]).attachments[0][1]
    assert rows[attachment]["state"] == "failed" and rows[attachment]["last_error"].startswith("html_page: ")
    # No error page was stored, as an image or as a file; no image is empty or cut short.
    stored = faulty["stored_first"]
    assert not [path for path, data in stored.items() if b"<html" in data[:200].lower()]
    for path, data in stored.items():
        if "/images/" in path:
            assert data.startswith(b"\xff\xd8") and len(data) < 1024 * 1024 and path.endswith(".jpg")
    assert {p for p in stored if "/images/" in p} == \
           {row["local_path"] for row in rows.values() if row["kind"] == "image" and row["state"] == "done"}
    media = faulty["first_report"]["sources"]["hrbeu"]["media"]
    assert media["failed"] == len(FAULTS) + 1
    assert faulty["first_report"]["exit_code"] == 1


def test_failed_media_wait_for_their_back_off(faulty):
    assert faulty["early"].returncode == 0, faulty["early"].stderr[-3000:]
    assert sorted(faulty["early_requests"]) == ["/robots.txt", "/xw.htm"]


def test_next_crawl_retries_failed_media_without_fetching_articles(faulty):
    site, folder, healed = faulty["site"], faulty["folder"], faulty["healed"]
    assert healed.returncode == 0, healed.stderr[-3000:]
    failed_urls = [site.article(i).images[0] for i in faulty["broken"]]
    failed_urls.append(site.article(faulty["attachment"]).attachments[0][1])
    assert sorted(faulty["healed_requests"]) == sorted(["/robots.txt", "/xw.htm", *map(target, failed_urls)])
    rows = media_rows(folder)
    assert {rows[url]["state"] for url in rows} == {"done"}
    assert all(rows[url]["attempts"] == 2 for url in failed_urls)
    with Catalog(CATALOG_URLS.get(folder, folder / CATALOG)) as catalog:
        for index in faulty["broken"]:
            article = site.article(index)
            data = md_path(folder, article.url).read_bytes()
            assert data != faulty["after_first"][index]
            assert data == faulty["after_first"][index].replace(
                f"]({article.images[0]})".encode(), f"](/{rows[article.images[0]]['local_path']})".encode())
            assert catalog.article("hrbeu", article.url).content_hash == hashlib.sha256(data).hexdigest()
            assert (folder / "output" / rows[article.images[0]]["local_path"]).read_bytes() == \
                site.render(urlsplit(article.images[0]).path).body
    assert "media downloaded 8" in healed.stdout and "articles new 0" in healed.stdout


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_attempts_are_bounded_and_media_retry_runs_on_demand(request: pytest.FixtureRequest, backend: str,
                                                             tmp_path: Path, write_sources):
    use_catalog(request, tmp_path, backend)
    site = ReplicaSite(articles=5, seed=2)
    index = next(i for i in range(5) if site.article(i).images)
    image = site.article(index).images[0]
    site.set_media_fault(image, "http_404")
    write_sources(HRBEU_YAML)
    settings = [*FAST, "-s", "ARCHIVER_MEDIA_MAX_ATTEMPTS=2", "-s", "ARCHIVER_MEDIA_RETRY_DELAY=60"]
    crawl = ["crawl", "--recheck-days", "0", *settings]

    def image_requests() -> int:
        return server.count(urlsplit(image).path)

    with ReplicaServer(site) as server:
        assert run_archiver(crawl, cwd=tmp_path, proxy=server.url).returncode == 1
        assert run_archiver(crawl, cwd=tmp_path, proxy=server.url, now="2021-11-26 01:30:00").returncode == 1
        assert image_requests() == 2
        assert media_rows(tmp_path)[image]["next_attempt"] is None  # given up: 2 attempts
        assert run_archiver(crawl, cwd=tmp_path, proxy=server.url, now="2021-12-31 00:00:00").returncode == 0
        assert image_requests() == 2
        listing = run_archiver(["media", "hrbeu", *settings], cwd=tmp_path)  # the crawls' limit
        assert listing.returncode == 0, listing.stderr
        assert f"failed image {image} (in {site.article(index).url}): http_404: HTTP status 404 " \
               "(attempts 2, no automatic retry)" in listing.stdout
        still = run_archiver(["media", "hrbeu", "--retry", *settings], cwd=tmp_path, proxy=server.url)
        assert still.returncode == 1 and image_requests() == 3
        assert "(attempts 3, no automatic retry)" in still.stdout
        assert sorted(r.path for r in server.requests if r.path.startswith("/info/")) == \
               [urlsplit(site.article(i).url).path for i in range(5)]  # the first crawl only
        site.set_media_fault(image, None)
        fixed = run_archiver(["media", "hrbeu", "--retry", *settings], cwd=tmp_path, proxy=server.url)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    images = sum(len(site.article(i).images) for i in range(5))
    assert f"hrbeu: media image done {images}\n" in fixed.stdout and "failed image" not in fixed.stdout
    assert media_rows(tmp_path)[image]["state"] == "done"
    with Catalog(CATALOG_URLS.get(tmp_path, tmp_path / CATALOG)) as catalog:
        assert [run["command"] for run in catalog.runs()] == ["crawl", "crawl", "crawl", "media", "media"]


def test_a_medium_marked_by_repair_is_listed_as_retried_by_the_next_crawl(tmp_path: Path, write_sources):
    """`verify --repair` marks a lost image failed with 0 attempts and no back-off: the next
    crawl downloads it, and `media` says so (it used to say "no automatic retry")."""
    site = ReplicaSite(articles=3, seed=2)
    write_sources(HRBEU_YAML)
    with ReplicaServer(site) as server:
        assert run_archiver(["crawl", *FAST], cwd=tmp_path, proxy=server.url).returncode == 0
        image, row = next((url, row) for url, row in media_rows(tmp_path).items() if row["state"] == "done")
        (tmp_path / "output" / row["local_path"]).unlink()
        assert run_archiver(["verify", "--repair"], cwd=tmp_path).returncode == 0
        listing = run_archiver(["media", "hrbeu"], cwd=tmp_path)
        assert "(attempts 0, retried by the next crawl)" in listing.stdout, listing.stdout
        again = run_archiver(["crawl", "--recheck-days", "0", *FAST], cwd=tmp_path, proxy=server.url)
    assert again.returncode == 0 and "media downloaded 1 " in again.stdout
    assert media_rows(tmp_path)[image]["state"] == "done"


# -- videos, switches and settings


def video_page(title: str) -> str:
    return f"""<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}"></head><body>
<form name="_newscontent_fromname"><h1>{title}</h1><div class="time">2024-03-01</div>
<div class="v_news_content"><p>开学典礼隆重举行。</p>
<p><script name="_videourl" vurl="/__local/A/B1/C2/talk.mp4" vwidth="600" vheight="400"></script></p>
<p>典礼现场。</p>
<iframe src="https://v.qq.com/txp/iframe/player.html?vid=x0042" allowfullscreen></iframe>
<video controls><source src="/media/clip.webm" type="video/webm"></video>
<p>完。</p></div><div id="div_vote_id"></div></form></body></html>"""


MP4 = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom" + b"\0" * 4000
WEBM = b"\x1a\x45\xdf\xa3" + b"\0" * 3000


@pytest.fixture
def video_site() -> StaticSite:
    site = StaticSite("gongxue.cn")
    site.add("/xw.htm", '<html><body><div class="list-right-tt txt-elise"><a href="info/1/1.htm">t</a></div></body></html>')
    site.add("/info/1/1.htm", video_page("视频新闻"))
    site.add("/__local/A/B1/C2/talk.mp4", MP4, content_type="video/mp4")
    site.add("/media/clip.webm", WEBM, content_type="video/webm")
    return site


def test_videos_are_links_in_place_and_downloaded_when_asked(tmp_path: Path, write_sources, video_site):
    write_sources(LOCAL_YAML + "    download_videos: true\n")
    with ReplicaServer(video_site) as server:
        result = run_archiver(["crawl", *FAST], cwd=tmp_path, proxy=server.url)
        requested = sorted(r.path for r in server.requests)
    assert result.returncode == 0, result.stderr[-3000:]
    assert requested == ["/__local/A/B1/C2/talk.mp4", "/info/1/1.htm", "/media/clip.webm", "/robots.txt", "/xw.htm"]
    mp4, webm = hashlib.sha256(MP4).hexdigest(), hashlib.sha256(WEBM).hexdigest()
    text = md_path(tmp_path, "http://gongxue.cn/info/1/1.htm").read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2].replace("\n<!--more-->\n", "")
    assert body.split("\n\n") == [
        "开学典礼隆重举行。",
        f"[视频](/hrbeu/videos/{mp4}.mp4)",
        "典礼现场。",
        "[视频](https://v.qq.com/txp/iframe/player.html?vid=x0042)",
        f"[视频](/hrbeu/videos/{webm}.webm)",
        "完。",
        "[转入文章首发地址](http://gongxue.cn/info/1/1.htm)",
    ]
    assert stored_files(tmp_path) == {f"hrbeu/videos/{mp4}.mp4": MP4, f"hrbeu/videos/{webm}.webm": WEBM}
    rows = media_rows(tmp_path)
    assert rows["https://v.qq.com/txp/iframe/player.html?vid=x0042"]["state"] == "linked"
    assert rows["http://gongxue.cn/__local/A/B1/C2/talk.mp4"]["content_type"] == "video/mp4"


def test_videos_stay_remote_by_default_and_the_video_cap_applies(tmp_path: Path, write_sources, video_site):
    write_sources(LOCAL_YAML)
    with ReplicaServer(video_site) as server:
        linked = run_archiver(["crawl", "-o", "a", *FAST], cwd=tmp_path, proxy=server.url)
        assert [r.path for r in server.requests if not r.path.startswith(("/info/", "/xw", "/robots"))] == []
        write_sources(LOCAL_YAML + "    download_videos: true\n")
        capped = run_archiver(["crawl", "-o", "b", *FAST, "-s", "ARCHIVER_MEDIA_VIDEO_MAX_BYTES=3500"],
                              cwd=tmp_path, proxy=server.url)
    assert linked.returncode == 0, linked.stderr[-3000:]
    assert capped.returncode == 1, capped.stderr[-3000:]  # the capped video is a media failure
    text = (tmp_path / "a" / "hrbeu" / (hashlib.md5(b"http://gongxue.cn/info/1/1.htm").hexdigest() + ".md")).read_text()
    assert "[视频](http://gongxue.cn/__local/A/B1/C2/talk.mp4)" in text
    with Catalog(tmp_path / "b" / ".archiver" / "catalog.sqlite") as catalog:
        states = {m.url.rsplit("/", 1)[-1]: (m.state, (m.last_error or "").split(":")[0])
                  for m in catalog.media("hrbeu", "http://gongxue.cn/info/1/1.htm")}
    assert states == {"talk.mp4": ("failed", "too_large"), "clip.webm": ("done", ""),
                      "player.html?vid=x0042": ("linked", "")}


def test_media_off_links_only_and_bad_media_settings_exit_2(tmp_path: Path, write_sources):
    site = ReplicaSite(articles=10, seed=2)
    write_sources(HRBEU_YAML)
    with ReplicaServer(site) as server:
        result = run_archiver(["crawl", *FAST, "-s", "ARCHIVER_MEDIA_ENABLED=0"], cwd=tmp_path, proxy=server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert not [r for r in server.requests if r.path.startswith(("/__local/", "/system/"))]
    assert stored_files(tmp_path) == {}
    rows = media_rows(tmp_path)
    assert rows and {row["state"] for row in rows.values()} == {"linked"}
    # The type is checked with every other -s value (setting_checks), the range by MediaSettings.
    for value, message in (
        ("abc", "-s ARCHIVER_MEDIA_MAX_BYTES='abc': ARCHIVER_MEDIA_MAX_BYTES must be a whole number"),
        ("0", "setting ARCHIVER_MEDIA_MAX_BYTES must be at least 1, got '0'"),
    ):
        bad = run_archiver(["crawl", "-s", f"ARCHIVER_MEDIA_MAX_BYTES={value}"], cwd=tmp_path)
        assert bad.returncode == 2
        assert f"archiver: error: {message}" in bad.stderr
        assert "Traceback" not in bad.stderr


def test_a_redirected_download_is_named_by_where_it_lands(tmp_path: Path, write_sources):
    site = StaticSite("gongxue.cn")
    site.add("/xw.htm", '<html><body><div class="list-right-tt txt-elise"><a href="info/1/1.htm">t</a></div></body></html>')
    site.add("/info/1/1.htm", video_page("通知").replace(
        '<div id="div_vote_id"></div>',
        '<div id="div_vote_id"></div><ul><li>附件【<a href="/system/_content/download.jsp?wbfileid=9">'
        '点击下载</a>】</li></ul>'))
    landing = "/upload/2024/" + quote("申报指南.pdf")
    site.pages["/system/_content/download.jsp?wbfileid=9"] = Response(302, {"Location": landing}, b"")
    site.add(landing, b"%PDF-1.7\n" + b"x" * 500, content_type="application/pdf")
    write_sources(HRBEU_YAML)
    with ReplicaServer(site) as server:
        result = run_archiver(["crawl", *FAST], cwd=tmp_path, proxy=server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    row = media_rows(tmp_path)["http://gongxue.cn/system/_content/download.jsp?wbfileid=9"]
    assert (row["state"], row["local_path"], row["content_type"]) == \
           ("done", "hrbeu/files/申报指南.pdf", "application/pdf")
