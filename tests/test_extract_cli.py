"""`archiver extract`: the real CLI on saved pages, without network."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FIXTURES, HRBEU_YAML, run_archiver

PAGES = FIXTURES / "pages"


def test_json_fields_of_a_gbk_page(tmp_path: Path) -> None:
    page = PAGES / "vsb_table_layout_gbk.html"
    expected = json.loads((PAGES / "vsb_table_layout_gbk.json").read_text(encoding="utf-8"))
    result = run_archiver(["extract", str(page), "--url", expected["url"], "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert sorted(got) == ["attachments", "cms", "images", "markdown", "paragraphs",
                           "published", "text", "title"]
    assert got["title"] == expected["title"]
    assert got["published"] == "2019-11-04T00:00:00+08:00"
    assert got["paragraphs"] == expected["paragraphs"]
    assert got["text"] == "\n\n".join(expected["paragraphs"])
    assert got["markdown"] == "\n\n".join(expected["paragraphs"])
    assert got["cms"] == "vsb" and got["images"] == [] and got["attachments"] == []


def test_json_lists_attachments_and_images_in_document_order(tmp_path: Path) -> None:
    expected = json.loads((PAGES / "webplus_article.json").read_text(encoding="utf-8"))
    result = run_archiver(["extract", str(PAGES / "webplus_article.html"), "--url", expected["url"],
                           "--cms", "webplus", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["images"] == expected["images"]
    assert got["attachments"] == expected["attachments"]
    assert f"![图]({expected['images'][0]})" in got["markdown"]


def test_markdown_with_a_configured_source_is_the_sample_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    result = run_archiver(["extract", str(FIXTURES / "gongxue_68951.html"), "--source", "hrbeu",
                           "--url", "http://gongxue.cn/info/1141/68951.htm"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.encode("utf-8") == (FIXTURES / "sample_expected.md").read_bytes()


def test_markdown_without_a_source_names_the_site_by_its_host(tmp_path: Path) -> None:
    result = run_archiver(["extract", str(PAGES / "vsb_meta_title.html")], cwd=tmp_path,
                          now="2024-01-02 03:04:05")
    assert result.returncode == 0, result.stderr
    # No --url: the page's own <meta name="Url"> gives the address.
    assert result.stdout.startswith(
        "---\ntitle: news.example.edu.cn->海洋学院举办青年教师教学沙龙 | news.example.edu.cn\n"
        "date: 2024-01-02 03:04:05.000000\n")
    assert result.stdout.endswith("[转入文章首发地址](http://news.example.edu.cn/info/1002/23456.htm)")


def test_a_page_that_is_not_an_article_exits_1_with_the_reason(tmp_path: Path) -> None:
    result = run_archiver(["extract", str(PAGES / "webplus_article.html"), "--cms", "vsb"], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "webplus_article.html: not an article (no_body)" in result.stderr


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_archiver(["extract", str(tmp_path / "nope.html")], cwd=tmp_path)
    assert result.returncode == 2
    assert "archiver: error: cannot read" in result.stderr and "nope.html" in result.stderr


def test_source_and_cms_are_exclusive(tmp_path: Path) -> None:
    result = run_archiver(["extract", str(PAGES / "vsb_meta_title.html"), "--source", "x",
                           "--cms", "vsb"], cwd=tmp_path)
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_a_page_on_standard_input_gives_the_same_result_as_the_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    from conftest import SAMPLE_NOW, clean_env

    page = PAGES / "vsb_table_layout_gbk.html"
    url = json.loads((PAGES / "vsb_table_layout_gbk.json").read_text(encoding="utf-8"))["url"]
    from_file = run_archiver(["extract", str(page), "--url", url], cwd=tmp_path)

    def from_stdin(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "archiver", "extract", "-", *args], cwd=tmp_path,
                              input=page.read_bytes(), capture_output=True,
                              env=clean_env(ARCHIVER_NOW=SAMPLE_NOW), timeout=60)

    piped = from_stdin("--url", url)
    assert from_file.returncode == 0 and piped.returncode == 0
    assert piped.stdout.decode("utf-8") == from_file.stdout
    nameless = from_stdin()
    assert nameless.returncode == 2
    assert nameless.stderr == (b"archiver: error: a page read from standard input needs --url "
                               b"(it declares no address)\n")


def test_a_folder_is_named_as_a_folder(tmp_path: Path) -> None:
    result = run_archiver(["extract", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (f"archiver: error: {tmp_path}: is a folder; extract reads one saved "
                             "page (a file, or - for stdin)\n")


def test_without_url_the_pages_base_resolves_relative_images(tmp_path: Path) -> None:
    expected = json.loads((PAGES / "webplus_article.json").read_text(encoding="utf-8"))
    html = (PAGES / "webplus_article.html").read_text(encoding="utf-8-sig")
    page = tmp_path / "saved.html"
    page.write_text(html.replace("<head>", f'<head><base href="{expected["url"]}">', 1), encoding="utf-8")
    result = run_archiver(["extract", str(page), "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["images"] == expected["images"]
    assert result.stderr == ""


def test_without_url_or_declared_address_relative_media_are_reported(tmp_path: Path) -> None:
    page = PAGES / "webplus_article.html"
    result = run_archiver(["extract", str(page), "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["images"] == []
    assert result.stderr == (
        f"archiver: warning: {page} does not say its address (no <base>, canonical, og:url or Url "
        "meta): 1 relative images and 1 relative links cannot be resolved and are left out; "
        "pass --url\n")
