"""A selector too slow for a page fails that article (`extract_timeout`); the crawl goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FAST, HRBEU_YAML, run_archiver
from logging_proxy import LoggingProxy
from test_crawl import article_page, list_page

# Quick on an ordinary page; seconds on a page of 1,500 sibling paragraphs (p ~ p ~ p is cubic).
SLOW_BODY = "div.v_news_content, p ~ p ~ p span"


@pytest.mark.slow
def test_a_selector_too_slow_for_one_page_fails_that_article_only(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(
        HRBEU_YAML + f"    article:\n      body: '{SLOW_BODY}'\n", encoding="utf-8")
    with LoggingProxy() as site:
        site.add("http://gongxue.cn/xw.htm", list_page("info/1/1.htm", "info/1/2.htm", "info/1/3.htm"))
        paragraphs = "<p>段</p>" * 1500
        site.add("http://gongxue.cn/info/1/1.htm", article_page("慢", f'<div class="v_news_content">{paragraphs}</div>'))
        for n in (2, 3):
            site.add(f"http://gongxue.cn/info/1/{n}.htm", article_page(f"快{n}", '<div class="v_news_content"><p>正文。</p></div>'))
        result = run_archiver(["crawl", "--report", "r.json", "-s", "ARCHIVER_EXTRACT_TIMEOUT=0.3", *FAST],
                              cwd=tmp_path, proxy=site.url)
    assert result.returncode == 1, result.stderr[-3000:]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["sources"]["hrbeu"]
    assert report["articles"]["new"] == 2
    assert report["failed_articles_by_reason"] == {"extract_timeout": 1}
    assert "Article failed (extract_timeout): http://gongxue.cn/info/1/1.htm: extraction took more than 0.3 s" in result.stderr
