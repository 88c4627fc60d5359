"""Lists and probe on templates nobody configured: the table-era VSB list whose table also holds
the pager, a probe pointed at an article instead of a list. Real crawls of local sites through
http_proxy, configured with exactly what `archiver probe` printed."""

from __future__ import annotations

from pathlib import Path

import yaml

from archiver.replica import ReplicaServer
from conftest import FAST, FIXTURES, StaticSite, run_archiver

HOST = "yjs.example.edu.cn"
PAGES = 3
PER_PAGE = 4


def table_list_page(page: int) -> str:
    """Page `page` (1 = newest, at tzgg.htm) of a table-era VSB list: `tr[id^=line_u]` rows and,
    in the same `table.blueframe`, the old pager whose 首页/上页/下页/尾页 are all `a.Next`."""
    here = "tzgg.htm" if page == 1 else f"tzgg/{PAGES - page + 1}.htm"
    prefix = "" if page == 1 else "../"
    rows = "".join(
        f'<tr id="line_u7_{i}"><td><a href="{prefix}info/1021/{5000 - (page - 1) * PER_PAGE - i}.htm">'
        f"研究生院通知第{(page - 1) * PER_PAGE + i + 1}号</a></td><td>2024-03-{20 - i:02d}</td></tr>"
        for i in range(PER_PAGE)
    )
    def at(target: int) -> str:
        if target == 1:
            return f"{prefix}tzgg.htm"
        return f"{'' if page > 1 else 'tzgg/'}{PAGES - target + 1}.htm"
    pager = []
    if page > 1:
        pager += [f'<a href="{at(1)}" class="Next">首页</a>', f'<a href="{at(page - 1)}" class="Next">上页</a>']
    if page < PAGES:
        pager += [f'<a href="{at(page + 1)}" class="Next">下页</a>', f'<a href="{at(PAGES)}" class="Next">尾页</a>']
    return f"""<html><head><meta charset="utf-8"><title>通知公告-研究生院-示例大学</title>
<script type="text/javascript" src="/system/resource/js/counter.js"></script></head><body>
<!-- {here} -->
<table class="blueframe" width="100%">{rows}
<tr><td colspan="2">共{PAGES * PER_PAGE}条 {page}/{PAGES} {''.join(pager)}</td></tr></table>
</body></html>"""


def table_list_site() -> StaticSite:
    site = StaticSite(HOST)
    article = (FIXTURES / "pages" / "vsb_title_table_td.html").read_bytes()
    for page in range(1, PAGES + 1):
        path = "/tzgg.htm" if page == 1 else f"/tzgg/{PAGES - page + 1}.htm"
        site.add(path, table_list_page(page))
        for i in range(PER_PAGE):
            site.add(f"/info/1021/{5000 - (page - 1) * PER_PAGE - i}.htm", article)
    return site


def test_a_table_era_list_is_paged_to_its_end_and_pager_links_are_never_articles(tmp_path: Path) -> None:
    with ReplicaServer(table_list_site()) as server:
        probe = run_archiver(["probe", f"http://{HOST}/tzgg.htm"], cwd=tmp_path, proxy=server.url)
        assert probe.returncode == 0, probe.stderr
        assert "list" not in yaml.safe_load(probe.stdout)["sources"]["yjs-example"]
        assert f"# {PER_PAGE} article links on the list page; next page: http://{HOST}/tzgg/2.htm" in probe.stdout
        (tmp_path / "sources.yaml").write_text(probe.stdout, encoding="utf-8")
        server.reset_log()
        crawl = run_archiver(["backfill", "yjs-example", *FAST], cwd=tmp_path, proxy=server.url)
        requested = sorted(r.path for r in server.requests)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert [p for p in requested if not p.startswith("/info/")] == [
        "/robots.txt", "/tzgg.htm", "/tzgg/1.htm", "/tzgg/2.htm"]
    assert len([p for p in requested if p.startswith("/info/")]) == PAGES * PER_PAGE
    assert len(list((tmp_path / "output" / "yjs-example").glob("*.md"))) == PAGES * PER_PAGE


def test_a_list_page_reached_as_an_article_is_reported_as_a_list_page() -> None:
    from archiver.cms import PRESETS
    from archiver.extract import ExtractionError, extract_article

    url = f"http://{HOST}/tzgg/2.htm"
    try:
        extract_article(table_list_page(2), url, PRESETS["auto"])
    except ExtractionError as exc:
        assert exc.reason == "list_page"
        assert str(exc) == f"{url} is a list page ({PER_PAGE} article links), not an article"
    else:
        raise AssertionError("a list page was read as an article")


def test_probe_on_an_article_says_so_and_names_its_columns_list(tmp_path: Path) -> None:
    vsb = StaticSite("soc.example.edu.cn")
    vsb.add("/info/1022/4410.htm", (FIXTURES / "pages" / "vsb_title_h4_upper.html").read_bytes())
    with ReplicaServer(vsb) as server:
        probe = run_archiver(["probe", "http://soc.example.edu.cn/info/1022/4410.htm"], cwd=tmp_path,
                             proxy=server.url)
    assert probe.returncode == 1
    assert probe.stdout == ""
    assert probe.stderr == (
        "archiver: http://soc.example.edu.cn/info/1022/4410.htm is an article page (PhD Candidate), "
        "not a list: its column's list is http://soc.example.edu.cn/people.htm\n")


def test_probe_on_a_webplus_article_names_the_list_of_the_column_in_its_url(tmp_path: Path) -> None:
    webplus = StaticSite("ai.example.edu.cn")
    webplus.add("/2024/0510/c1234a600001/page.htm",
                (FIXTURES / "pages" / "webplus_editor_links.html").read_bytes())
    with ReplicaServer(webplus) as server:
        probe = run_archiver(["probe", "http://ai.example.edu.cn/2024/0510/c1234a600001/page.htm"],
                             cwd=tmp_path, proxy=server.url)
    assert probe.returncode == 1
    assert "is an article page (2024年暑期学校报名开始), not a list: its column's list is " \
        "http://ai.example.edu.cn/1234/list.htm" in probe.stderr
