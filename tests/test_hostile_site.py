"""A hostile and broken site, crawled through the real CLI: nothing local or internal is fetched,
no off-site page is written, no stored attachment can run, no good article is lost to a
malformed link, and every refusal and failure is counted with its reason (exit code 1).

The site is served by `LoggingProxy` as the crawler's http_proxy, so every request the crawler
makes for an http URL, to whatever host, arrives there and is logged: internal addresses never
reach a real service, and the log shows whether they were asked for.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
from pathlib import Path

import pytest

from archiver.url_policy import host_address, is_internal
from conftest import FAST, run_archiver
from logging_proxy import LoggingProxy
from test_crawl import article_page, list_page

SOURCES = """\
sources:
  gx:
    name: 工学
    label: gongxue.cn
    cms: vsb
    start_urls: [http://gongxue.cn/xw.htm]
    list:
      items: div.list-right-tt.txt-elise > a
      next_page: span.p_next a
"""
CANARY = b"CANARY-7f3a9c-creds"
FORMULA = '=HYPERLINK("http://evil.example.com","点我")'
BODY = '<div class="v_news_content"><p>{text}</p>{links}</div>'


def body(text: str, *links: str) -> str:
    return BODY.format(text=text, links="".join(f"<p>{link}</p>" for link in links))


def hostile_site(site: LoggingProxy, canary: Path, proxy_port: int) -> None:
    g = "http://gongxue.cn"
    site.add(f"{g}/robots.txt", "User-agent: *\nDisallow:\n", Content_Type="text/plain")
    # Page 1: a malformed item link between good ones, an off-site redirect, a next page.
    site.add(f"{g}/xw.htm", list_page("info/1/1.htm", "http://[oops/info/1/9.htm", "info/1/2.htm",
                                      "info/1/3.htm", next_href="xw/1.htm"))
    site.add(f"{g}/xw/1.htm", list_page("../info/1/4.htm", "../info/1/5.htm"))
    attacks = [
        '<a href="file:///etc/passwd#download.jsp">passwd</a>',
        '<a href="file:///proc/self/environ#download.jsp">environ</a>',
        f'<a href="file://{canary}">creds.txt</a>',
        '<a href="http://169.254.169.254/latest/meta-data/download.jsp?iam">meta</a>',
        f'<a href="http://127.0.0.1:{proxy_port}/download.jsp?canary">loop</a>',
        '<a href="http://localhost/download.jsp?x">localhost</a>',
        '<a href="http://10.1.2.3/files/a.pdf">a.pdf</a>',
        '<a href="http://2130706433/files/b.pdf">b.pdf</a>',
        '<a href="http://[::ffff:127.0.0.1]/files/c.pdf">c.pdf</a>',
        '<a href="ftp://ftp.gongxue.cn/files/d.pdf">d.pdf</a>',
        '<a href="/system/_content/download.jsp?wbfileid=302">转向元数据.pdf</a>',
        '<a href="JavaScript:openWin(\'/system/_content/download.jsp?wbfileid=7\')">openWin</a>',
        '<a href="http://[oops/x.pdf">broken.pdf</a>',
        '<a href="/system/_content/download.jsp?wbfileid=1">notice.html</a>',
        '<a href="/system/_content/download.jsp?wbfileid=2">chart.svg</a>',
        '<a href="/system/_content/download.jsp?wbfileid=3">readme.md</a>',
        '<a href="/system/_content/download.jsp?wbfileid=4">报告.pdf</a>',
        '<img src="http://192.168.0.1/a.png">',
    ]
    site.add(f"{g}/info/1/1.htm", article_page("攻击文章", body("正文一。", *attacks)))
    site.add(f"{g}/system/_content/download.jsp?wbfileid=302", b"", status=302,
             Location="http://169.254.169.254/latest/meta-data/iam/security-credentials/")
    site.add(f"{g}/system/_content/download.jsp?wbfileid=1", "通知<script>alert(document.cookie)</script>",
             Content_Type="text/html", Content_Disposition='attachment; filename="notice.html"')
    site.add(f"{g}/system/_content/download.jsp?wbfileid=2", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
             Content_Type="image/svg+xml", Content_Disposition='attachment; filename="chart.svg"')
    site.add(f"{g}/system/_content/download.jsp?wbfileid=3", "{{< readfile \"/etc/passwd\" >}}",
             Content_Type="text/markdown", Content_Disposition='attachment; filename="readme.md"')
    site.add(f"{g}/system/_content/download.jsp?wbfileid=4", b"%PDF-1.4 report", Content_Type="application/pdf")
    site.add(f"{g}/info/1/2.htm", article_page("第二篇", body("正文二。", '<a href="http://[oops/y.pdf">坏链接</a>')))
    site.add(f"{g}/info/1/3.htm", b"", status=302, Location="http://evil.example.com/fake.htm")
    site.add("http://evil.example.com/fake.htm", article_page("冒充文章", body("别处的页面。")))
    site.add(f"{g}/info/1/4.htm", article_page("第四篇", body("+cmd|' /C calc'!A0 正文四。")))
    site.add(f"{g}/info/1/5.htm", article_page(html.escape(FORMULA), body("正文五。")))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("hostile")
    canary = folder / "creds.txt"
    canary.write_bytes(CANARY)
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    with LoggingProxy() as site:
        hostile_site(site, canary, int(site.url.rsplit(":", 1)[1]))
        result = run_archiver(["crawl", "--recheck-days", "0", "--report", "report.json", *FAST],
                              cwd=folder, proxy=site.url)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return {"folder": folder, "result": result, "urls": site.urls(), "report": report["sources"]["gx"]}


def stored(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder / "output").as_posix(): p.read_bytes()
            for p in (folder / "output").rglob("*") if p.is_file() and ".archiver" not in p.parts}


def test_nothing_local_or_internal_is_fetched(crawled: dict) -> None:
    hosts = {url.split("/")[2] for url in crawled["urls"]}
    assert hosts == {"gongxue.cn"}, crawled["urls"]  # not even evil.example.com: refused before
    assert not [h for h in hosts if (a := host_address(h.rsplit(":", 1)[0])) is not None and is_internal(a)]
    for path, data in stored(crawled["folder"]).items():
        assert CANARY not in data and b"root:" not in data and b"PATH=" not in data, path
    assert "Traceback" not in crawled["result"].stderr


def test_refusals_and_failures_are_counted_with_reasons(crawled: dict) -> None:
    report, result = crawled["report"], crawled["result"]
    assert result.returncode == 1
    assert report["refused_by_reason"] == {"internal_address": 8, "offsite_redirect": 1, "scheme": 1}
    assert report["failed_articles_by_reason"] == {"offsite_redirect": 1}
    # 6 internal attachments, the download redirected to the metadata address, the image, ftp:
    assert report["media"]["failed"] == 9
    assert "refused by URL policy: internal_address 8, offsite_redirect 1, scheme 1" in result.stdout
    err = result.stderr
    assert "Refused (internal_address): http://169.254.169.254/latest/meta-data/iam/security-credentials/" in err
    assert "Article failed (offsite_redirect): http://gongxue.cn/info/1/3.htm" in err


def test_every_good_article_on_every_page_is_archived(crawled: dict) -> None:
    folder, err = crawled["folder"], crawled["result"].stderr
    written = {p.name for p in (folder / "output" / "gx").glob("*.md")}
    assert written == {hashlib.md5(f"http://gongxue.cn/info/1/{n}.htm".encode()).hexdigest() + ".md"
                       for n in (1, 2, 4, 5)}
    assert not any("别处的页面" in (folder / "output" / "gx" / name).read_text(encoding="utf-8") for name in written)
    assert "Skipped a malformed URL on http://gongxue.cn/xw.htm: 'http://[oops/info/1/9.htm'" in err
    assert "Skipped a malformed URL on http://gongxue.cn/info/1/2.htm: 'http://[oops/y.pdf'" in err


def test_no_stored_attachment_can_run(crawled: dict) -> None:
    files = sorted(p for p in stored(crawled["folder"]) if "/files/" in p or "/images/" in p)
    assert files == ["gx/files/chart.svg.bin", "gx/files/notice.html.bin", "gx/files/readme.md.bin",
                     "gx/files/报告.pdf"]


def test_csv_for_excel_neutralises_formula_titles_and_plain_csv_stays_faithful(crawled: dict) -> None:
    folder = crawled["folder"]
    for flags, name in (([], "plain.csv"), (["--excel"], "excel.csv")):
        done = run_archiver(["export", "--format", "csv", *flags, "--to", name], cwd=folder)
        assert done.returncode == 0, done.stderr
    rows = {}
    for name in ("plain.csv", "excel.csv"):
        with open(folder / name, encoding="utf-8-sig", newline="") as handle:
            rows[name] = sorted(csv.DictReader(handle), key=lambda row: row["url"])
    plain, excel = rows["plain.csv"], rows["excel.csv"]
    assert [r["title"] for r in plain] == ["攻击文章", "第二篇", "第四篇", FORMULA]
    assert [r["title"] for r in excel] == ["攻击文章", "第二篇", "第四篇", "'" + FORMULA]
    assert plain[2]["text"].startswith("+cmd|") and excel[2]["text"] == "'" + plain[2]["text"]
    # Only the leading character changes; every other cell is the same.
    for a, b in zip(plain, excel):
        assert {k: v for k, v in a.items() if not v.startswith(("=", "+"))} == {
            k: v for k, v in b.items() if not v.startswith(("'=", "'+"))}


def test_an_exception_while_processing_an_article_fails_it_and_the_run(tmp_path: Path) -> None:
    from conftest import HRBEU_YAML, ROOT

    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    pipelines = ('{"exploding_pipeline.ExplodeOnBoom": 100, "archiver.media.pipeline.MediaFilesPipeline": 300,'
                 ' "archiver.pipelines.MarkdownPipeline": 800}')
    with LoggingProxy() as site:
        site.add("http://gongxue.cn/xw.htm", list_page("info/1/boom.htm", "info/1/ok.htm"))
        for name in ("boom", "ok"):
            site.add(f"http://gongxue.cn/info/1/{name}.htm", article_page(name, body("正文。")))
        result = run_archiver(["crawl", "--report", "r.json", "-s", f"ITEM_PIPELINES={pipelines}", *FAST],
                              cwd=tmp_path, proxy=site.url, PYTHONPATH=f"{ROOT}:{ROOT / 'tests'}")
    assert result.returncode == 1, result.stderr[-3000:]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["sources"]["hrbeu"]
    assert report["articles"]["new"] == 1
    assert report["failed"] == [{"url": "http://gongxue.cn/info/1/boom.htm", "reason": "internal_error",
                                 "message": "RuntimeError: pipeline bug on purpose"}]
