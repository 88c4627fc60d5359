"""archiver.urls.resolve: one link never raises, and a malformed one is named with its page."""

from __future__ import annotations

import logging

import pytest

from archiver.urls import resolve

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
