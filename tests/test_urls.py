"""archiver.urls: one link never raises, and a malformed one is named with its page; every reader of
links (lists, pagers, bodies, attachments, viewers, players, breadcrumbs) goes through it."""

from __future__ import annotations

import logging

import pytest

import lxml.html

from archiver.cms.column import column_list_url
from archiver.cms.viewers import embed_documents
from archiver.cms.vsb import VSB
from archiver.urls import absolute, link_target, resolve

PAGE = "http://gongxue.cn/info/1141/1.htm"


@pytest.mark.parametrize("raw", [
    "http://[oops/x.pdf", "http://gongxue.cn:99999/a.pdf", "http://exa mple.com/a.pdf",
    "https://[::1/a",
])
def test_malformed_links_are_none_and_logged_with_the_page(raw: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="archiver.urls"):
        assert resolve(PAGE, raw) is None
    assert f"Skipped a malformed URL on {PAGE}: {raw!r}" in caplog.text


@pytest.mark.parametrize("raw", [
    "JavaScript:openWin('/system/_content/download.jsp?wbfileid=1')", "mailto:a@b.cn", "data:image/png;base64,xx",
    "file:///etc/passwd", "", None, "   ",
])
def test_other_schemes_and_empty_links_are_none_without_a_warning(raw: str | None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="archiver.urls"):
        assert resolve(PAGE, raw) is None
    assert caplog.text == ""


def test_good_links_are_joined_as_browsers_do() -> None:
    assert resolve(PAGE, "../../xw.htm") == "http://gongxue.cn/xw.htm"
    assert resolve(PAGE, " /a\n/b.htm\t") == "http://gongxue.cn/a/b.htm"
    assert resolve(PAGE, "ftp://x.cn/a.pdf", frozenset({"http", "ftp"})) == "ftp://x.cn/a.pdf"


def test_same_page_anchors_are_no_link_to_follow_but_stay_absolute_in_text() -> None:
    assert link_target(PAGE, " #top ") == ""
    assert link_target(PAGE, "#") == ""
    assert absolute(PAGE, "#top") == PAGE + "#top"
    assert link_target(PAGE, "2.htm") == "http://gongxue.cn/info/1141/2.htm"
    assert absolute(PAGE, "javascript:void(0)") == ""


def test_a_malformed_link_in_a_viewer_or_breadcrumb_is_skipped_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    doc = lxml.html.fromstring(
        '<div><div class="crumb">当前位置：<a href="/">首页</a> <a href="http://[oops/list.htm">学校要闻</a></div>'
        '<embed src="/FlexPaper.swf" flashvars="SwfFile=http://[oops/a.swf"></div>'
    )
    with caplog.at_level(logging.WARNING, logger="archiver.urls"):
        assert column_list_url(doc, PAGE) is None
        embed_documents(doc, PAGE, VSB)
    assert "http://[oops/list.htm" in caplog.text
    assert "http://[oops/a.swf" in caplog.text
