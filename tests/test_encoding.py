"""`decode_html` on every encoding a Chinese university page comes in, and `parse_html` on pages
that exceed libxml2's default limits (which used to cut an article short without a word)."""

from __future__ import annotations

import pytest

from archiver.extract import ExtractionError, decode_html, decode_mixed, parse_html

TEXT = "哈尔滨工程大学召开2021年本科教学工作会议，校长在讲话中指出：要坚持立德树人根本任务。"


def page(charset_meta: str = "", body: str = TEXT) -> str:
    return (f"<!DOCTYPE html><html><head>{charset_meta}<title>新闻网</title></head>"
            f"<body><div class=\"nav\">首页 | 工学新闻</div><p>{body}</p><p>第二段：实验室安全。</p></body></html>")


GB2312_META = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
UTF8_META = '<meta charset="utf-8">'


@pytest.mark.parametrize(
    ("meta", "content_type"),
    [
        pytest.param(GB2312_META, "text/html; charset=gb2312", id="declared-in-header-and-page"),
        pytest.param(GB2312_META, "text/html", id="declared-in-page-only"),
        pytest.param("", "text/html; charset=GBK", id="declared-in-header-only"),
        pytest.param("", "text/html", id="undeclared"),
        pytest.param("", None, id="no-content-type"),
        pytest.param(UTF8_META, "text/html; charset=utf-8", id="mis-declared-as-utf-8"),
        pytest.param(UTF8_META, "text/html; charset=gbk", id="header-gbk-page-utf-8"),
    ],
)
def test_gbk_pages_decode_to_the_same_text_as_utf8(meta: str, content_type: str | None):
    html = page(meta)
    assert decode_html(html.encode("gbk"), content_type) == html


def test_valid_utf8_wins_over_a_stale_gbk_declaration():
    html = page(GB2312_META)
    assert decode_html(html.encode("utf-8"), "text/html; charset=gb2312") == html


def test_byte_order_mark_decides_and_is_dropped():
    html = page(GB2312_META)
    assert decode_html(b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html; charset=gbk") == html
    assert decode_html(b"\xff\xfe" + html.encode("utf-16-le"), "text/html; charset=gbk") == html


def test_characters_beyond_gbk_come_through_as_gb18030():
    html = page(body="生僻字：𠀀（四字节）和欧元€")
    assert decode_html(html.encode("gb18030"), "text/html") == html


def test_another_declared_charset_is_honoured():
    html = '<html><head><meta charset="big5"><title>國立臺灣大學</title></head><body><p>校園新聞</p></body></html>'
    assert decode_html(html.encode("big5"), None) == html


def mixed(html: str) -> bytes:
    """`html` in UTF-8, except the text of each <p>, which is GBK."""
    head, rest = html.split("<p>", 1)
    parts = [head.encode("utf-8")]
    for chunk in rest.split("<p>"):
        text, _, tail = chunk.partition("</p>")
        parts.append(b"<p>" + text.encode("gbk") + b"</p>" + tail.encode("utf-8"))
    return b"".join(parts)


def test_a_utf8_template_with_gbk_paragraphs_decodes_piece_by_piece():
    html = page(UTF8_META)
    data = mixed(html)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_html(data, "text/html; charset=utf-8") == html


def test_single_gbk_characters_between_tags_are_not_read_as_latin():
    # "校" in GBK is D0 A3, which is also valid UTF-8 ("У"); Word wraps single characters in spans.
    html = page(UTF8_META, body="<span>校</span><span>长</span>表示")
    assert mixed(html).count(b"\xd0\xa3") == 1
    assert decode_html(mixed(html), None) == html


def test_gbk_characters_whose_second_byte_is_ascii_stay_whole():
    # "丂" is 81 40 in GBK: its second byte is "@", so the run of non-ASCII bytes ends inside it.
    data = "<p>模板</p>".encode() + "<p>丂@</p>".encode("gbk")
    assert decode_mixed(data) == "<p>模板</p><p>丂@</p>"


def test_a_gbk_page_is_not_taken_for_mixed_by_a_few_accidental_utf8_runs():
    # A GBK page whose bytes happen to contain one valid UTF-8 CJK run among much GBK text.
    accident = "\u4e2d\u6587".encode("utf-8")  # 中文 as UTF-8: E4 B8 AD E6 96 87
    gbk = page(GB2312_META, body=TEXT * 20).encode("gbk")
    data = gbk.replace(b"</title>", b"</title>" + accident)
    assert decode_html(data, "text/html").startswith("<!DOCTYPE html><html><head>" + GB2312_META)
    assert TEXT * 20 in decode_html(data, "text/html")


def test_deep_nesting_within_the_parsers_limit_is_read_whole():
    html = "<html><body><div id=a><p>一</p>" + "<font>" * 1_500 + "<p>二</p></div><p>尾</p></body></html>"
    assert parse_html(html).text_content() == "一二尾"


def test_nesting_beyond_the_parsers_limit_is_an_error_not_a_shorter_article():
    html = "<html><body><div id=a><p>一</p>" + "<font>" * 3_000 + "<p>二</p></div></body></html>"
    with pytest.raises(ExtractionError) as raised:
        parse_html(html)
    assert raised.value.reason == "too_deep"
    assert "2048" in str(raised.value)


def test_a_text_node_over_ten_megabytes_does_not_end_the_page():
    image = "<img src=\"data:image/png;base64," + "A" * (11 * 1024 * 1024) + "\">"
    html = f"<html><body><p>开头</p><p>{image}</p><p>结尾</p></body></html>"
    assert parse_html(html).text_content() == "开头结尾"
