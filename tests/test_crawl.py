"""Real crawls of local servers: the bundled replica site and hand-made broken pages."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml

from archiver.catalog import Catalog
from archiver.replica import ReplicaServer, ReplicaSite
from conftest import FAST, HRBEU_YAML, StaticSite, run_archiver

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def read_article(path: Path) -> tuple[dict, list[str]]:
    """Front matter (parsed by PyYAML) and body paragraphs (divider removed) of one file."""
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    body = body.replace("\n<!--more-->\n", "").replace("\n\n<!--more-->", "")
    return yaml.safe_load(front), body.split("\n\n")


@pytest.fixture(scope="module")
def replica_200(tmp_path_factory: pytest.TempPathFactory):
    """A 200-article replica crawled once into a folder; the server stays up for re-crawls."""
    site = ReplicaSite(articles=200, seed=7)
    folder = tmp_path_factory.mktemp("replica200")
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    with ReplicaServer(site) as server:
        result = run_archiver(["crawl", *FAST], cwd=folder, proxy=server.url)
        yield site, server, folder, result


def test_crawl_of_200_articles_writes_200_correct_files(replica_200):
    site, _, folder, result = replica_200
    assert result.returncode == 0, result.stderr[-3000:]
    files = sorted((folder / "output" / "hrbeu").glob("*.md"))
    assert len(files) == 200
    for index in range(200):
        truth = site.article(index)
        name = hashlib.md5(truth.url.encode()).hexdigest()
        front, blocks = read_article(folder / "output" / "hrbeu" / f"{name}.md")
        assert front["title"] == f"哈尔滨工程大学->{truth.title} | hrbeu.com.cn"
        assert front["urlname"] == front["slug"] == name
        assert blocks[-1] == f"[转入文章首发地址]({truth.url})"
        expected = [f"![图]({value})" if kind == "img" else value for kind, value in truth.body_blocks]
        if truth.attachments:  # listed before the source link
            expected += ["附件：", "\n".join(f"- [{name}]({href})" for name, href in truth.attachments)]
        assert [_ESCAPE.sub(r"\1", b) for b in blocks[:-1]] == expected, truth.url


def test_second_crawl_fetches_no_article_and_rewrites_nothing(replica_200):
    site, server, folder, _ = replica_200
    files = sorted((folder / "output" / "hrbeu").glob("*.md"))
    before = {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in files}
    server.reset_log()
    result = run_archiver(["crawl", "hrbeu", *FAST], cwd=folder, proxy=server.url,
                          now="2030-01-01 00:00:00")
    assert result.returncode == 0, result.stderr[-3000:]
    assert server.count("/info/") == 0
    assert {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in files} == before


def article_page(title: str, body: str) -> str:
    return f"""<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}">
<title>{title}-新闻网</title></head><body><div class="nav">导航</div>
<form name="_newscontent_fromname"><h1>{title}</h1><div class="time">2024-03-01</div>
{body}<div id="div_vote_id"></div></form><div class="foot">版权所有</div></body></html>"""


def list_page(*hrefs: str, next_href: str | None = None) -> str:
    items = "".join(f'<div class="list-right-tt txt-elise"><a href="{h}">t</a></div>' for h in hrefs)
    pager = f'<span class="p_next"><a href="{next_href}">下页</a></span>' if next_href else ""
    return f"<html><body>{items}{pager}</body></html>"


def test_bad_pages_are_reported_and_the_rest_of_the_crawl_goes_on(tmp_path: Path, write_sources):
    site = StaticSite("gongxue.cn")
    site.add("/xw.htm", list_page("info/1/1.htm", "info/1/2.htm", "info/1/3.htm", next_href="xw/2.htm"))
    site.add("/info/1/1.htm", article_page("好文章", '<div class="v_news_content"><p>正文一段。</p></div>'))
    site.add("/info/1/2.htm", article_page("没有正文", "<p>这里没有 VSB 正文容器</p>"))
    # /info/1/3.htm is a 404; /xw/2.htm is a broken list page with no items and no pager.
    site.add("/xw/2.htm", "<html><body><div>系统维护中</div>")
    site.add("/other.htm", list_page("info/1/4.htm"))
    site.add("/info/1/4.htm", article_page("另一篇", '<div class="v_news_content"><p>第二段。</p></div>'))
    config = write_sources(HRBEU_YAML.replace(
        "[http://gongxue.cn/xw.htm]", "[http://gongxue.cn/xw.htm, http://gongxue.cn/other.htm]"))
    args = ["crawl", "--config", str(config), "--recheck-days", "0", "--report", "report.json", *FAST]
    with ReplicaServer(site) as server:
        result = run_archiver(args, cwd=tmp_path, proxy=server.url)
        written = sorted(p.name for p in (tmp_path / "output" / "hrbeu").rglob("*") if p.is_file())
        # The site recovers: the next scheduled crawl retries exactly the failed articles.
        site.add("/info/1/2.htm", article_page("没有正文", '<div class="v_news_content"><p>补上了。</p></div>'))
        site.add("/info/1/3.htm", article_page("曾经 404", '<div class="v_news_content"><p>回来了。</p></div>'))
        server.reset_log()
        retry = run_archiver(args, cwd=tmp_path, proxy=server.url)
        retried = sorted(r.path for r in server.requests if r.path.startswith("/info/"))
    assert retry.returncode == 0, retry.stderr[-2000:]
    assert retried == ["/info/1/2.htm", "/info/1/3.htm"]
    assert len(list((tmp_path / "output" / "hrbeu").glob("*.md"))) == 4
    assert result.returncode == 1
    err = result.stderr
    assert "Article failed (no_body): http://gongxue.cn/info/1/2.htm: no article body found" in err
    assert "Article failed (http_404): http://gongxue.cn/info/1/3.htm" in err
    assert "List page without articles: http://gongxue.cn/xw/2.htm: no article links match" in err
    assert "Traceback" not in err
    assert written == sorted(
        hashlib.md5(f"http://gongxue.cn/info/1/{n}.htm".encode()).hexdigest() + ".md" for n in (1, 4)
    )
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == 0  # the report is the latest run's
    with Catalog(tmp_path / "output" / ".archiver" / "catalog.sqlite") as catalog:
        assert catalog.failures() == [] and catalog.count("hrbeu") == 4
        first_run = json.loads(catalog.runs()[0]["counts"])
        assert first_run["archiver/articles/failed/no_body"] == 1
        assert first_run["archiver/articles/failed/http_404"] == 1


def test_report_names_failed_articles(tmp_path: Path, write_sources):
    site = StaticSite("gongxue.cn")
    site.add("/xw.htm", list_page("info/1/1.htm", "info/1/9.htm"))
    site.add("/info/1/1.htm", article_page("好文章", '<div class="v_news_content"><p>正文。</p></div>'))
    config = write_sources(HRBEU_YAML)
    with ReplicaServer(site) as server:
        result = run_archiver(["crawl", "--config", str(config), "--report", "r.json", *FAST],
                              cwd=tmp_path, proxy=server.url)
    assert result.returncode == 1
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == 1
    source = report["sources"]["hrbeu"]
    assert source["articles"] == {"new": 1, "updated": 0, "unchanged": 0, "failed": 1, "known": 0}
    assert source["failed"] == [{"url": "http://gongxue.cn/info/1/9.htm", "reason": "http_404",
                                 "message": "Ignoring non-200 response"}]
    assert "failed (http_404): http://gongxue.cn/info/1/9.htm" in result.stderr
