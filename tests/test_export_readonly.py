"""`archiver export` reads an archive on a read-only medium (a read-only bind mount, for real)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FAST, HRBEU_YAML, run_archiver
from logging_proxy import LoggingProxy
from test_crawl import article_page, list_page
from test_disk import mounted


def test_export_works_on_a_read_only_medium(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    with LoggingProxy() as site:
        site.add("http://gongxue.cn/xw.htm", list_page("info/1/1.htm"))
        site.add("http://gongxue.cn/info/1/1.htm", article_page("文章", '<div class="v_news_content"><p>正文。</p></div>'))
        crawl = run_archiver(["crawl", *FAST], cwd=tmp_path, proxy=site.url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert not list((tmp_path / "output" / ".archiver").glob("*-shm"))  # as a clean close leaves it
    with mounted(tmp_path / "output", read_only_bind=True):
        result = run_archiver(["export", "--to", "after.jsonl"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    writable = run_archiver(["export", "--to", "before.jsonl"], cwd=tmp_path)
    assert writable.returncode == 0, writable.stderr
    records = [json.loads(line) for line in (tmp_path / "after.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["title"] for r in records] == ["文章"]
    assert (tmp_path / "after.jsonl").read_bytes() == (tmp_path / "before.jsonl").read_bytes()
