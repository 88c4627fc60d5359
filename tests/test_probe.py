"""`archiver probe`: the real CLI against local sites reached through http_proxy, and the source
it proposes crawled as printed."""

from __future__ import annotations

from pathlib import Path

import yaml

from archiver.replica import ReplicaServer, ReplicaSite
from conftest import FAST, FIXTURES, StaticSite, run_archiver

PAGES = FIXTURES / "pages"


def template_class_site() -> StaticSite:
    """A VSB column whose list uses a template class the preset does not know (ul.newsList)."""
    site = StaticSite("yjszs.example.edu.cn")
    site.add("/tzgg/tzgg.htm", (PAGES / "vsb_list_template_class.html").read_bytes())
    article = (PAGES / "vsb_nested_duplicate.html").read_bytes()
    for number in range(2219, 2231):
        site.add(f"/info/1018/{number}.htm", article)
    return site


def test_probe_proposes_a_list_selector_and_the_crawl_uses_it(tmp_path: Path) -> None:
    with ReplicaServer(template_class_site()) as server:
        probe = run_archiver(["probe", "http://yjszs.example.edu.cn/tzgg/tzgg.htm"], cwd=tmp_path,
                             proxy=server.url)
        assert probe.returncode == 0, probe.stderr
        proposed = yaml.safe_load(probe.stdout)
        assert proposed == {"sources": {"yjszs-example": {
            "name": "示例大学研究生招生网",
            "label": "yjszs.example.edu.cn",
            "cms": "vsb",
            "start_urls": ["http://yjszs.example.edu.cn/tzgg/tzgg.htm"],
            "list": {"items": "ul.newsList a[href]"},
        }}}
        assert "# 12 article links on the list page; next page: http://yjszs.example.edu.cn/tzgg/tzgg/24.htm" in probe.stdout
        assert "# pager: page 1 of 25, 300 items, numbered down" in probe.stdout
        assert "#   title: 研究生院召开导师培训会" in probe.stdout
        assert "#   published: 2021-03-09T00:00:00+08:00" in probe.stdout
        (tmp_path / "sources.yaml").write_text(probe.stdout, encoding="utf-8")
        crawl = run_archiver(["crawl", *FAST], cwd=tmp_path, proxy=server.url)
    # The next list page (tzgg/24.htm) is not on this little site: one list failure, all articles.
    assert "tzgg/24.htm" in crawl.stderr
    assert len(list((tmp_path / "output" / "yjszs-example").glob("*.md"))) == 12


def test_probe_on_the_replica_needs_no_selectors_and_crawls_every_article(tmp_path: Path) -> None:
    site = ReplicaSite(articles=25, seed=3)
    with ReplicaServer(site) as server:
        probe = run_archiver(["probe", f"http://{site.host}/xw.htm", "--id", "demo",
                              "--name", "演示大学", "--label", "demo.example"],
                             cwd=tmp_path, proxy=server.url)
        assert probe.returncode == 0, probe.stderr
        assert probe.stdout.startswith(
            "sources:\n  demo:\n    name: 演示大学\n    label: demo.example\n    cms: vsb\n"
            f"    start_urls:\n      - http://{site.host}/xw.htm\n# ")
        (tmp_path / "sources.yaml").write_text(probe.stdout, encoding="utf-8")
        crawl = run_archiver(["crawl", *FAST], cwd=tmp_path, proxy=server.url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert len(list((tmp_path / "output" / "demo").glob("*.md"))) == 25


def test_probe_reports_a_page_it_cannot_fetch(tmp_path: Path) -> None:
    with ReplicaServer(StaticSite("gone.example.edu.cn")) as server:
        probe = run_archiver(["probe", "http://gone.example.edu.cn/xw.htm"], cwd=tmp_path,
                             proxy=server.url)
    assert probe.returncode == 1
    assert probe.stdout == ""
    assert "archiver: cannot fetch http://gone.example.edu.cn/xw.htm: HTTP 404" in probe.stderr


def test_probe_says_when_a_page_has_no_article_links(tmp_path: Path) -> None:
    site = StaticSite("empty.example.edu.cn")
    site.add("/xw.htm", "<html><head><title>新闻</title></head><body><p>系统维护中</p></body></html>")
    with ReplicaServer(site) as server:
        probe = run_archiver(["probe", "http://empty.example.edu.cn/xw.htm"], cwd=tmp_path,
                             proxy=server.url)
    assert probe.returncode == 1
    assert "no article links found on http://empty.example.edu.cn/xw.htm (CMS: generic)" in probe.stderr


def test_add_to_appends_validates_and_refuses_an_existing_id(tmp_path: Path) -> None:
    from conftest import HRBEU_YAML

    sources = tmp_path / "sources.yaml"
    # Comments and the other source stay as they are.
    original = HRBEU_YAML.replace("sources:\n", "# my sites\nsources:\n")
    sources.write_text(original, encoding="utf-8")
    url = "http://yjszs.example.edu.cn/tzgg/tzgg.htm"
    with ReplicaServer(template_class_site()) as server:
        added = run_archiver(["probe", url, "--add-to", "sources.yaml"], cwd=tmp_path, proxy=server.url)
        assert added.returncode == 0, added.stderr
        assert added.stdout == "added source 'yjszs-example' in sources.yaml (2 sources)\n"
        after_add = sources.read_text(encoding="utf-8")
        again = run_archiver(["probe", url, "--add-to", "sources.yaml"], cwd=tmp_path, proxy=server.url)
        replaced = run_archiver(["probe", url, "--add-to", "sources.yaml", "--replace", "--name", "扬大"],
                                cwd=tmp_path, proxy=server.url)
    assert after_add.startswith(original)
    data = yaml.safe_load(after_add)["sources"]
    assert list(data) == ["hrbeu", "yjszs-example"]
    assert data["yjszs-example"]["list"] == {"items": "ul.newsList a[href]"}
    assert "#   title: 研究生院召开导师培训会" in after_add
    assert again.returncode == 2
    assert again.stderr == ("archiver: error: sources.yaml: source 'yjszs-example' is already "
                            "configured; pass --replace to overwrite it, or --id to add it under another id\n")
    assert replaced.returncode == 0 and replaced.stdout.startswith("replaced source 'yjszs-example'")
    final = sources.read_text(encoding="utf-8")
    assert final == after_add.replace("name: 示例大学研究生招生网", "name: 扬大")


def test_add_to_keeps_the_files_indentation_and_creates_a_missing_file(tmp_path: Path) -> None:
    from conftest import HRBEU_YAML

    wide = tmp_path / "wide.yaml"
    wide.write_text(HRBEU_YAML.replace("\n", "\n  ").rstrip(" "), encoding="utf-8")  # ids at 4
    with ReplicaServer(template_class_site()) as server:
        url = "http://yjszs.example.edu.cn/tzgg/tzgg.htm"
        run_archiver(["probe", url, "--add-to", "wide.yaml"], cwd=tmp_path, proxy=server.url)
        created = run_archiver(["probe", url, "--add-to", "new.yaml", "--id", "yz"], cwd=tmp_path,
                               proxy=server.url)
    assert list(yaml.safe_load(wide.read_text(encoding="utf-8"))["sources"]) == ["hrbeu", "yjszs-example"]
    assert "\n    yjszs-example:\n      name: " in wide.read_text(encoding="utf-8")
    assert created.stdout == "created source 'yz' in new.yaml (1 sources)\n"
    assert (tmp_path / "new.yaml").read_text(encoding="utf-8").startswith("sources:\n  yz:\n    name: ")


def test_add_to_leaves_the_file_alone_when_the_probe_fails_or_the_file_is_bad(tmp_path: Path) -> None:
    from conftest import HRBEU_YAML

    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(HRBEU_YAML, encoding="utf-8")
    bad.write_text(HRBEU_YAML.replace("label:", "lable:"), encoding="utf-8")
    with ReplicaServer(template_class_site()) as server:
        failed = run_archiver(["probe", "http://gone.example.edu.cn/xw.htm", "--add-to", "good.yaml"],
                              cwd=tmp_path, proxy=server.url)
        refused = run_archiver(["probe", "http://yjszs.example.edu.cn/tzgg/tzgg.htm", "--add-to",
                                "bad.yaml"], cwd=tmp_path, proxy=server.url)
    assert failed.returncode == 1 and good.read_text(encoding="utf-8") == HRBEU_YAML
    assert refused.returncode == 2
    assert "bad.yaml: source 'hrbeu': unknown key 'lable' (did you mean 'label'?)" in refused.stderr
    assert bad.read_text(encoding="utf-8") == HRBEU_YAML.replace("label:", "lable:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "good.yaml"]
