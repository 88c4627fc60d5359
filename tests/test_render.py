"""Rendering rules: front-matter scalars, the summary divider, timestamps, slugs."""

from __future__ import annotations

from datetime import datetime

import lxml.html
import pytest
import yaml

from archiver.markdown import LINE_START
from archiver.normalize import Block, body_to_blocks
from archiver.clock import format_timestamp
from archiver.article_file.render import insert_divider, urlname_for, yaml_scalar


@pytest.mark.parametrize("title", [
    "学校举行第二期“党建业务深度融合”主题交流会",
    "a: b", "ends with:", "*star", "a #x", "&a x", "!a x", "[x]", "{x}", '"q"', "'q'",
    "yes", "no", "null", "~", "True", "0123", "0x1F", "1_000", ".inf", "1:30", "2021-11-26",
    " padded ", "line\nbreak", "tab\there", "back\\slash", "- dash", "| pipe", "> gt", "%pct",
    "@at", "`tick", "---", "", "\u2028sep", "\ufeffbom", "emoji 😀", "123",
])
def test_yaml_scalar_round_trips_through_pyyaml(title):
    assert yaml.safe_load(f"title: {yaml_scalar(title)}\n") == {"title": title}


def test_plain_titles_stay_unquoted():
    assert yaml_scalar("学校举行第二期“党建业务深度融合”主题交流会") == "学校举行第二期“党建业务深度融合”主题交流会"
    assert yaml_scalar("0123") == '"0123"'
    assert yaml_scalar("a\nb") == '"a\\nb"'


def test_timestamp_always_has_six_fraction_digits():
    assert format_timestamp(datetime(2021, 11, 26, 1, 22, 2)) == "2021-11-26 01:22:02.000000"


def test_urlname_is_md5_of_url_or_title_slug():
    url = "http://gongxue.cn/info/1141/68951.htm"
    assert urlname_for(url, "x", "md5") == "034ec524302492bc650647bf38d43c66"
    assert urlname_for(url, "Hello World", "title") == "hello-world-034ec524"
    assert urlname_for(url, "！！", "title") == "034ec524302492bc650647bf38d43c66"


def para(text: str) -> Block:
    return Block("p", text, text)


def test_divider_after_exactly_limit_characters():
    blocks = [para("a" * 150), para("b" * 100)]
    out = insert_divider(blocks, 200)
    assert out == "a" * 150 + "\n\n" + "b" * 48 + "\n<!--more-->\n" + "b" * 52


def test_divider_never_splits_an_image_or_escape():
    image = "![图](http://x/a.jpg)"
    blocks = [para("a" * 190), Block("img", image, "", ((0, len(image)),), False), para("tail")]
    out = insert_divider(blocks, 200)
    assert out == "a" * 190 + "\n\n" + image + "\n\n<!--more-->\n\ntail"
    escaped = Block("p", "x" * 199 + "\\*y", "x" * 199 + "*y", ((199, 201),))
    assert insert_divider([escaped], 200) == "x" * 199 + "\\*" + "\n<!--more-->\n" + "y"


def blocks_of(fragment: str) -> list[Block]:
    return body_to_blocks(lxml.html.fragment_fromstring(fragment, create_parent="div"), "http://x.cn/")


def test_divider_moves_past_emphasis_and_links_inside_a_paragraph():
    (block,) = blocks_of("<p>" + "甲" * 195 + "<b>粗体字</b>乙<a href='/a'>链接文字</a>丙</p>")
    assert block.markdown == "甲" * 195 + "**粗体字**乙[链接文字](http://x.cn/a)丙"
    assert insert_divider([block], 197) == "甲" * 195 + "**粗体字**\n<!--more-->\n乙[链接文字](http://x.cn/a)丙"
    assert insert_divider([block], 205) == (
        "甲" * 195 + "**粗体字**乙[链接文字](http://x.cn/a)\n<!--more-->\n丙"
    )


def test_divider_goes_after_a_whole_list_table_heading_or_quote():
    for fragment in (
        "<ul><li>" + "项" * 150 + "</li><li>" + "项" * 100 + "</li></ul>",
        "<table><tr><td>" + "格" * 150 + "</td><td>b</td></tr><tr><td>c</td><td>"
        + "格" * 100 + "</td></tr></table>",
        "<h2>" + "标" * 250 + "</h2>",
        "<blockquote><p>" + "引" * 150 + "</p><p>" + "引" * 100 + "</p></blockquote>",
    ):
        first, tail = blocks_of(fragment + "<p>尾</p>")
        assert first.splittable is False
        assert insert_divider([first, tail], 200) == f"{first.markdown}\n\n<!--more-->\n\n尾"


def test_text_after_the_divider_never_starts_a_list_heading_or_quote():
    """`<!--more-->` ends the line, so the rest of the paragraph starts a new one."""
    for marker in ("- 项", "+ 项", "# 题", "> 引", "1. 条", " - 项"):
        (block,) = blocks_of("<p>" + "字" * 200 + marker + "后</p>")
        out = insert_divider([block], 200)
        before, after = out.split("\n<!--more-->\n")
        assert before.startswith("字" * 200)
        assert not LINE_START.match(after.lstrip(" ")), after


def test_short_body_gets_divider_at_the_end_and_zero_disables_it():
    assert insert_divider([para("short")], 200) == "short\n\n<!--more-->"
    assert insert_divider([para("short")], 0) == "short"
