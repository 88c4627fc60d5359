"""The contract: our replica of the sample's page gives the sample file byte for byte."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from archiver.config import load_config
from archiver.extract import extract_article
from archiver.normalize import normalise_article
from archiver.article_file.render import render_article
from archiver.replica import ReplicaServer
from archiver.replica.site import jpeg_bytes
from conftest import FAST, FIXTURES, HRBEU_YAML, ROOT, SAMPLE_NOW, StaticSite, run_archiver

SAMPLE = ROOT.parent / "shared" / "sample" / "000_53f77539f23838d2.md"
SAMPLE_URL = "http://gongxue.cn/info/1141/68951.htm"
SAMPLE_NAME = "034ec524302492bc650647bf38d43c66.md"


def expected_bytes() -> bytes:
    if SAMPLE.is_file():
        return SAMPLE.read_bytes()
    return (FIXTURES / "sample_expected.md").read_bytes()


def test_fixture_copy_of_sample_is_current():
    """tests/fixtures keeps a copy so the suite runs without ../shared; it must not drift."""
    if SAMPLE.is_file():
        assert (FIXTURES / "sample_expected.md").read_bytes() == SAMPLE.read_bytes()


def test_sample_page_renders_to_sample_bytes(write_sources):
    source = load_config(write_sources(HRBEU_YAML)).sources["hrbeu"]
    html = (FIXTURES / "gongxue_68951.html").read_bytes()
    article = extract_article(html, SAMPLE_URL, source.preset, source.article)
    text = render_article(normalise_article(article), source, datetime.fromisoformat(SAMPLE_NOW))
    assert text.encode("utf-8") == expected_bytes()


def list_page(*hrefs: str) -> str:
    items = "".join(
        f'<li><div class="list-right-tt txt-elise"><a href="{h}">标题</a></div></li>' for h in hrefs
    )
    return f"<html><body><ul>{items}</ul><span class=\"p_next_d\">下页</span></body></html>"


def test_sample_through_real_crawl(tmp_path: Path, write_sources):
    site = StaticSite("gongxue.cn")
    site.add("/xw.htm", list_page("info/1141/68951.htm"))
    site.add("/info/1141/68951.htm", (FIXTURES / "gongxue_68951.html").read_bytes())
    images = re.findall(r"!\[图\]\(http://gongxue\.cn(/[^)]+)\)", expected_bytes().decode("utf-8"))
    for path in images:
        site.add(path, jpeg_bytes(path), content_type="image/jpeg")
    config = write_sources(HRBEU_YAML)
    with ReplicaServer(site) as server:
        result = run_archiver(["crawl", "hrbeu", "--config", str(config), *FAST],
                              cwd=tmp_path, proxy=server.url)
        requested = [path for _, path, _ in server.requests]
    assert result.returncode == 0, result.stderr
    files = list((tmp_path / "output" / "hrbeu").glob("*.md"))
    assert [f.name for f in files] == [SAMPLE_NAME]
    assert files[0].read_bytes() == expected_bytes()
    # The media pipeline fetches each image once and keeps a copy; with `image_links: original`
    # (the default) the file still links the original URLs: the sample's bytes.
    assert len(list((tmp_path / "output" / "hrbeu" / "images").glob("*.jpg"))) == len(images) == 13
    assert sorted(requested) == sorted(["/info/1141/68951.htm", "/robots.txt", "/xw.htm", *images])
