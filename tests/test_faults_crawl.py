"""Real crawls of the replica in fault mode: every fault ends the way it is meant to, either
archived after retries or recorded as failed (no file written) and archived by the next run once
the fault clears; the summary and the report count it all."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from archiver.catalog import Catalog
from archiver.replica import FaultTiming, FaultySite, ReplicaServer, ReplicaSite
from archiver.replica.site import Response
from conftest import FAST, HRBEU_YAML, StaticSite, run_archiver

CATALOG = Path("output/.archiver/catalog.sqlite")
# Short timeouts and waits keep the crawls fast; Retry-After stays at a real 1 s.
QUICK = ["-s", "DOWNLOAD_TIMEOUT=3", "-s", "ARCHIVER_RETRY_BACKOFF=0.01"]
TIMING = FaultTiming(retry_after=1, drip=0.5, drip_chunks=5, stall=30)


@dataclass(frozen=True)
class Case:
    fault: str
    times: int | None  # None: the fault lasts until cleared
    failed: str | None  # the failure reason in run 1, None: archived in run 1
    requests: int | None  # requests for the article in run 1 (None: not exact, see below)


CASES = (
    Case("http_500", 2, None, 3),  # RETRY_TIMES = 2: the third attempt gets the page
    Case("http_502", None, "http_502", 3),
    Case("http_503", 1, None, 2),
    Case("http_503_retry_after", 2, None, 3),
    Case("http_429", None, "http_429", 3),
    Case("http_429_retry_after", 1, None, 2),
    # Twisted resends a request once by itself when a reused connection dies before answering.
    Case("reset", 1, None, None),
    Case("reset", None, "connection_lost", None),
    Case("timeout", 1, None, 2),
    Case("timeout", None, "timeout", 3),
    Case("truncated", 2, None, 3),
    Case("truncated", None, "truncated", 3),
    Case("drip", None, None, 1),
    Case("redirect_loop", None, "redirect_loop", 1),
    Case("login_redirect", None, "login_redirect", 1),
    Case("empty", None, "empty_body", 1),
    Case("error_page", None, "no_body", 1),
    Case("gbk", None, None, 1),
    Case("gb2312_meta", None, None, 1),
    Case("gbk_undeclared", None, None, 1),
    Case("gbk_as_utf8", None, None, 1),
    Case("mixed_encoding", None, None, 1),
    Case("huge", None, None, 1),
    Case("nested", None, None, 1),
    Case("too_deep", None, "too_deep", 1),
)
CLEAN_ARTICLES = 5  # the newest articles have no fault


def name_of(url: str) -> str:
    return hashlib.md5(url.encode()).hexdigest() + ".md"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every archived file (articles, images, attachments) by path, the catalog aside."""
    root = folder / "output" / "hrbeu"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def target(url: str) -> str:
    return url.removeprefix("http://gongxue.cn")


def folder_with_sources(root: Path, name: str, sources: str = HRBEU_YAML) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "sources.yaml").write_text(sources, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Article i has fault CASES[i]; run 1 with the faults, run 2 after they clear, and a clean
    run of the same site for comparison."""
    site = ReplicaSite(articles=len(CASES) + CLEAN_ARTICLES, seed=4)
    faulty = FaultySite(site, timing=TIMING)
    for index, case in enumerate(CASES):
        faulty.add(target(site.article(index).url), case.fault, case.times)
    root = tmp_path_factory.mktemp("faults")
    folder, clean = folder_with_sources(root, "faulty"), folder_with_sources(root, "clean")
    args = ["crawl", "hrbeu", "--report", "report.json", *FAST, *QUICK]
    with ReplicaServer(faulty) as server:
        began = time.monotonic()
        first = run_archiver(args, cwd=folder, proxy=server.url)
        first_seconds = time.monotonic() - began
        first_requests = [r.path for r in server.requests]
        first_files = snapshot(folder)
        first_report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        with Catalog(folder / CATALOG) as catalog:
            failures = {row["url"]: row["reason"] for row in catalog.failures("hrbeu")}
        faulty.clear()
        server.reset_log()
        second = run_archiver(args, cwd=folder, proxy=server.url)
        second_requests = [r.path for r in server.requests]
        baseline = run_archiver(args, cwd=clean, proxy=server.url)
    assert baseline.returncode == 0, baseline.stderr[-3000:]
    return {"site": site, "faulty": faulty, "folder": folder, "first": first, "first_seconds": first_seconds,
            "first_requests": first_requests, "first_files": first_files, "first_report": first_report,
            "failures": failures, "second": second, "second_requests": second_requests,
            "clean": snapshot(clean)}


def cases_with_index() -> list[tuple[int, Case]]:
    return list(enumerate(CASES))


def test_first_run_fails_what_cannot_be_fetched_and_nothing_else(crawled):
    first, site = crawled["first"], crawled["site"]
    assert first.returncode == 1, first.stderr[-3000:]
    assert "Traceback" not in first.stderr
    expected = {site.article(i).url: case.failed for i, case in cases_with_index() if case.failed}
    assert crawled["failures"] == expected


@pytest.mark.parametrize(("index", "case"), cases_with_index(), ids=[f"{i}-{c.fault}" for i, c in cases_with_index()])
def test_each_fault_ends_as_designed(crawled, index: int, case: Case):
    site = crawled["site"]
    article = site.article(index)
    files = crawled["first_files"]
    asked = crawled["first_requests"].count(target(article.url))
    if case.requests is not None:
        assert asked == case.requests
    else:
        assert asked >= (3 if case.failed else 2)
    if case.failed:
        assert name_of(article.url) not in files  # no file for a failed article
        assert f"failed ({case.failed}): {article.url}: " in crawled["first"].stderr
    elif case.fault == "nested":
        # Deeper than the Markdown converter walks (archiver.cleanup.MAX_DEPTH) the text is kept
        # as plain text: every word is there, the paragraphs after the unclosed tags run together.
        text = files[name_of(article.url)].decode("utf-8").split("\n---\n", 1)[1].replace("<!--more-->", "")
        assert article.paragraphs[0] + "\n\n" in text
        squeeze = re.compile(r"\s+")
        unescaped = re.sub(r"\\(.)", r"\1", re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text))  # no images, no "\<"
        body = squeeze.sub("", unescaped)
        assert squeeze.sub("", "".join(article.paragraphs)) in body
    else:
        # Archived in the first run, byte for byte what a clean crawl writes (GBK pages included).
        assert files[name_of(article.url)] == crawled["clean"][name_of(article.url)]


def test_retry_after_is_waited_for(crawled):
    hits = [hit for hit in crawled["faulty"].hits if hit.fault == "http_503_retry_after"]
    assert len(hits) == 2 and hits[1].at - hits[0].at >= 1.0
    retries = crawled["first_report"]["sources"]["hrbeu"]["retries"]
    assert retries["retry_after"] == 3 and retries["retry_after_too_long"] == 0


def test_the_summary_and_report_count_every_outcome(crawled):
    archived = len(CASES) - sum(1 for c in CASES if c.failed) + CLEAN_ARTICLES
    failed = sum(1 for c in CASES if c.failed)
    out = crawled["first"].stdout
    assert f"hrbeu: list pages 2, articles new {archived}, updated 0, unchanged 0, failed {failed}," in out
    assert ("hrbeu: failed by reason: connection_lost 1, empty_body 1, http_429 1, http_502 1, "
            "login_redirect 1, no_body 1, redirect_loop 1, timeout 1, too_deep 1, truncated 1\n") in out
    source = crawled["first_report"]["sources"]["hrbeu"]
    assert source["articles"]["failed"] == failed and source["articles"]["new"] == archived
    assert source["failed_articles_by_reason"] == {c.failed: 1 for c in CASES if c.failed}
    assert sorted(f["url"] for f in source["failed"]) == sorted(crawled["failures"])
    retries = source["retries"]
    assert retries["gave_up"] == 5  # 502, 429, reset, timeout, truncated: three attempts each
    assert retries["redirect_loops"] == 1
    # The healing reset may be resent by Twisted on its own, unseen by Scrapy (see CASES).
    exact = sum(c.requests - 1 for c in CASES if c.requests is not None)
    assert exact + 2 <= retries["retried"] <= exact + 3
    assert crawled["first_report"]["exit_code"] == 1


def test_the_next_run_archives_exactly_the_failed_articles(crawled):
    second, site = crawled["second"], crawled["site"]
    assert second.returncode == 0, second.stderr[-3000:]
    failed = sorted(target(site.article(i).url) for i, c in cases_with_index() if c.failed)
    assert sorted(p for p in crawled["second_requests"] if p.startswith("/info/")) == failed
    assert f"articles new {len(failed)}, updated 0, unchanged 0, failed 0" in second.stdout
    with Catalog(crawled["folder"] / CATALOG) as catalog:
        assert catalog.failures() == []
        assert catalog.count("hrbeu") == len(CASES) + CLEAN_ARTICLES


def test_after_the_faults_clear_the_archive_is_what_a_clean_crawl_writes(crawled):
    now, clean = snapshot(crawled["folder"]), crawled["clean"]
    nested = name_of(crawled["site"].article(next(i for i, c in cases_with_index() if c.fault == "nested")).url)
    assert now.keys() == clean.keys()
    assert [path for path in now if now[path] != clean[path]] == [nested]  # checked above


def test_the_slowest_fault_bounds_the_run(crawled):
    # Three attempts of a 3 s timeout, not three minutes: retries are bounded.
    assert crawled["first_seconds"] < 60


# --- faults that need a setting or a page of their own ------------------------------------------


def test_a_page_over_download_maxsize_fails_cleanly_and_is_archived_later(tmp_path: Path):
    site = ReplicaSite(articles=3, seed=6)
    faulty = FaultySite(site, [(target(site.article(1).url), "huge")], timing=FaultTiming(huge=3_000_000))
    folder = folder_with_sources(tmp_path, "a")
    with ReplicaServer(faulty) as server:
        small = run_archiver(["crawl", *FAST, *QUICK, "-s", "DOWNLOAD_MAXSIZE=2000000"], cwd=folder, proxy=server.url)
        asked = [r.path for r in server.requests].count(target(site.article(1).url))
        large = run_archiver(["crawl", *FAST, *QUICK], cwd=folder, proxy=server.url)
    assert small.returncode == 1 and asked == 1  # cut off at 2 MB, not retried
    assert f"failed (too_large): {site.article(1).url}: " in small.stderr
    assert "articles new 2, updated 0, unchanged 0, failed 1" in small.stdout
    assert large.returncode == 0, large.stderr[-3000:]
    assert "articles new 1, updated 0, unchanged 0, failed 0" in large.stdout
    assert (folder / "output" / "hrbeu" / name_of(site.article(1).url)).is_file()


def test_a_pager_that_counts_missing_pages_ends_the_list_without_failing(tmp_path: Path):
    site = ReplicaSite(articles=50, seed=1, per_page=10)
    site.set_pager_lie(3)  # 5 real pages, the pager claims 8: the oldest page links to xw/3.htm
    folder = folder_with_sources(tmp_path, "a")
    with ReplicaServer(site) as server:
        result = run_archiver(["backfill", "hrbeu", "--report", "r.json", *FAST, *QUICK], cwd=folder, proxy=server.url)
        lists = sorted(r.path for r in server.requests if r.path.startswith("/xw"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert lists == ["/xw.htm", "/xw/3.htm", "/xw/4.htm", "/xw/5.htm", "/xw/6.htm", "/xw/7.htm"]  # 404 once
    assert "List ends early: the next page http://gongxue.cn/xw/3.htm answered http_404" in result.stderr
    assert "hrbeu: list pages 5, articles new 50, updated 0, unchanged 0, failed 0" in result.stdout
    report = json.loads((folder / "r.json").read_text(encoding="utf-8"))["sources"]["hrbeu"]
    assert report["list_pages_missing"] == 1 and report["list_pages_failed"] == 0


def test_list_pages_in_any_encoding_and_one_nested_too_deep(tmp_path: Path):
    site = ReplicaSite(articles=45, seed=3, per_page=10)  # pages xw.htm, xw/4.htm … xw/1.htm
    faulty = FaultySite(site, [("/xw.htm", "gbk_as_utf8"), ("/xw/4.htm", "mixed_encoding"),
                               ("/xw/3.htm", "too_deep", 1)])
    folder = folder_with_sources(tmp_path, "a")
    args = ["backfill", "hrbeu", *FAST, *QUICK]
    with ReplicaServer(faulty) as server:
        first = run_archiver(args, cwd=folder, proxy=server.url)
        second = run_archiver(args, cwd=folder, proxy=server.url)
    assert first.returncode == 1
    assert "List page failed (too_deep): http://gongxue.cn/xw/3.htm: the parser gave up part way" in first.stderr
    assert "hrbeu: list pages 3, articles new 20, updated 0, unchanged 0, failed 0" in first.stdout
    assert second.returncode == 0, second.stderr[-3000:]
    assert "articles new 25, updated 0, unchanged 0, failed 0" in second.stdout
    with Catalog(folder / CATALOG) as catalog:
        counts = json.loads(catalog.runs()[0]["counts"])
    assert counts["archiver/articles_listed_total"] == 45  # "共45条", read from a GBK page declared UTF-8


def test_a_missing_start_page_is_a_failure(tmp_path: Path):
    folder = folder_with_sources(tmp_path, "a")
    with ReplicaServer(StaticSite("gongxue.cn")) as server:
        result = run_archiver(["crawl", *FAST, *QUICK], cwd=folder, proxy=server.url)
    assert result.returncode == 1
    assert "List page failed (http_404): http://gongxue.cn/xw.htm" in result.stderr


def article_page(title: str, body: str, sidebar: str = "") -> str:
    return (f'<html><head><meta charset="utf-8"><title>{title}-新闻网</title></head><body>'
            f'<div class="side">{sidebar}</div><form name="_newscontent_fromname"><h1>{title}</h1>'
            f'<div class="time">2024-03-01</div><div class="v_news_content">{body}</div></form></body></html>')


LOGIN_BOX = '<form action="/login.jsp">用户名<input name="u">密码<input type="password" name="p"></form>'


def test_login_pages_are_failures_but_a_sidebar_log_in_box_is_not(tmp_path: Path):
    site = StaticSite("gongxue.cn")
    items = "".join(f'<div class="list-right-tt txt-elise"><a href="info/1/{n}.htm">t</a></div>' for n in range(1, 6))
    site.add("/xw.htm", f"<html><body>{items}</body></html>")
    sso = "http://ids.hrbeu.edu.cn/authserver/login?service=http%3A%2F%2Fgongxue.cn%2Finfo%2F1%2F1.htm"
    site.pages["/info/1/1.htm"] = Response(302, {"Location": sso}, b"")  # to a sign-on host off the site
    site.pages["/info/1/5.htm"] = Response(302, {"Location": "/cas/login?x=1"}, b"")  # on it, answering 403
    site.add("/cas/login?x=1", "<html><body>Forbidden</body></html>", status=403)
    site.add("/info/1/2.htm", f"<html><body><h2>统一身份认证</h2>{LOGIN_BOX}</body></html>")  # served in place
    site.add("/info/1/3.htm", article_page("登录框在正文里", f"<p>请登录后查看。</p>{LOGIN_BOX}"))
    site.add("/info/1/4.htm", article_page("侧栏有登录框", "<p>正文照常。</p>", sidebar=LOGIN_BOX))
    folder = folder_with_sources(tmp_path, "a")
    with ReplicaServer(site) as server:
        result = run_archiver(["crawl", *FAST, *QUICK], cwd=folder, proxy=server.url)
    assert result.returncode == 1
    assert "failed (login_redirect): http://gongxue.cn/info/1/1.htm: " in result.stderr
    assert "failed (login_redirect): http://gongxue.cn/info/1/5.htm: " in result.stderr
    assert "failed (login_page): http://gongxue.cn/info/1/2.htm: a login form, not an article: no article body" \
        in result.stderr
    assert "failed (login_page): http://gongxue.cn/info/1/3.htm: a login form, not an article: the body" \
        in result.stderr
    written = sorted(p.name for p in (folder / "output" / "hrbeu").glob("*.md"))
    assert written == [name_of("http://gongxue.cn/info/1/4.htm")]
    assert "articles new 1, updated 0, unchanged 0, failed 4" in result.stdout


def test_media_retries_never_wait_long_and_transient_media_faults_heal(tmp_path: Path):
    site = ReplicaSite(articles=30, seed=2)
    with_images = [i for i in range(30) if site.article(i).images]
    slow, flaky = site.article(with_images[0]).images[0], site.article(with_images[1]).images[0]
    faulty = FaultySite(site, [(target(slow), "http_503_retry_after"), (target(flaky), "http_500", 1)],
                        timing=FaultTiming(retry_after=120))
    folder = folder_with_sources(tmp_path, "a")
    with ReplicaServer(faulty) as server:
        began = time.monotonic()
        result = run_archiver(["crawl", "--report", "r.json", *FAST, *QUICK], cwd=folder, proxy=server.url)
        seconds = time.monotonic() - began
        paths = [r.path for r in server.requests]
    assert result.returncode == 1  # one medium failed: retried by a later crawl
    assert paths.count(target(slow)) == 1 and paths.count(target(flaky)) == 2
    assert seconds < 60  # a Retry-After of 120 s is not waited for on a medium
    assert f"Media failed (http_503): {slow}" in result.stderr
    report = json.loads((folder / "r.json").read_text(encoding="utf-8"))["sources"]["hrbeu"]
    assert report["media"]["failed"] == 1 and report["articles"]["new"] == 30
    assert report["retries"]["retry_after_too_long"] == 1
