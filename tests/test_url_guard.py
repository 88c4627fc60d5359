"""The URL policy on a real crawl without a proxy: a host name the crawler resolves to an internal
address is refused, unless ARCHIVER_ALLOWED_NETWORKS allows that network (an intranet)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FAST, ROOT, run_archiver
from logging_proxy import LoggingProxy
from test_crawl import article_page, list_page

SOURCES = """\
sources:
  intra:
    name: 内网
    label: intranet.test
    cms: vsb
    start_urls: [http://news.intranet.test:{port}/xw.htm]
    list:
      items: div.list-right-tt.txt-elise > a
"""
RESOLVER = ["-s", "TWISTED_DNS_RESOLVER=dns_map.MappedResolver"]


@pytest.mark.parametrize("allowed", [None, "127.0.0.0/8"])
def test_a_name_resolving_to_an_internal_address(tmp_path: Path, allowed: str | None) -> None:
    with LoggingProxy() as site:
        port = int(site.url.rsplit(":", 1)[1])
        base = f"http://news.intranet.test:{port}"
        site.add(f"{base}/xw.htm", list_page("info/1/1.htm"))
        site.add(f"{base}/info/1/1.htm", article_page("内网文章", '<div class="v_news_content"><p>正文。</p></div>'))
        (tmp_path / "sources.yaml").write_text(SOURCES.format(port=port), encoding="utf-8")
        extra = ["-s", f"ARCHIVER_ALLOWED_NETWORKS={allowed}"] if allowed else []
        result = run_archiver(["crawl", "--report", "r.json", *RESOLVER, *extra, *FAST], cwd=tmp_path,
                              PYTHONPATH=f"{ROOT}:{ROOT / 'tests'}")
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["sources"]["intra"]
    if allowed:
        assert result.returncode == 0, result.stderr[-3000:]
        assert report["articles"]["new"] == 1 and report["refused_by_reason"] == {}
        assert f"{base}/info/1/1.htm" in site.urls()
    else:
        assert result.returncode == 1
        assert site.log == []  # not even robots.txt
        assert report["refused_by_reason"] == {"internal_resolved": 1}
        assert report["failed_list_pages_by_reason"] == {"internal_resolved": 1}
        assert (f"Refused (internal_resolved): {base}/xw.htm: news.intranet.test resolves to an internal "
                "address (127.0.0.1)") in result.stderr


def test_a_bad_allowed_network_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(SOURCES.format(port=9), encoding="utf-8")
    result = run_archiver(["crawl", "-s", "ARCHIVER_ALLOWED_NETWORKS=10.0.0.0/8,intranet"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("archiver: error: setting ARCHIVER_ALLOWED_NETWORKS: 'intranet' is not a "
                                     "network (e.g. 10.0.0.0/8)")
