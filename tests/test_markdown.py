"""The Markdown written for each construct of a news body (tests/test_hugo_*.py prove that Hugo
renders these forms as the page showed them; here the forms themselves are pinned)."""

from __future__ import annotations

import lxml.html
import pytest

from archiver.markdown import escape_spans, inline_markdown, markdown_url
from archiver.doctree import Inline
from archiver.normalize import body_to_blocks

URL = "http://gongxue.cn/info/1141/1.htm"


def md(fragment: str) -> str:
    body = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return "\n\n".join(block.markdown for block in body_to_blocks(body, URL))


@pytest.mark.parametrize("fragment, expected", [
    # goldmark opens and closes emphasis only on CommonMark's flanking rules, where CJK
    # punctuation counts as punctuation: these render...
    ("附<b>1</b>：会议议程", "附**1**：会议议程"),
    ("<strong>本网讯</strong>（通讯员）", "**本网讯**（通讯员）"),
    ("中文 <strong>“引号”</strong> 中文", "中文 **“引号”** 中文"),
    ("<p><strong>“廉洁从教”</strong></p>", "**“廉洁从教”**"),
    ("x<em>斜体</em>y", "x*斜体*y"),
    ("<strong>请见<a href='/a.htm'>链接</a>。</strong>", "**请见[链接](http://gongxue.cn/a.htm)。**"),
    # ... these would show their asterisks, so they stay plain
    ("中文<strong>“引号”</strong>中文", "中文“引号”中文"),
    ("<strong>会议要求：</strong>各单位", "会议要求：各单位"),
    ("工作<b>（一）</b>明确", "工作（一）明确"),
    # spaces move out of the emphasis; pieces of one emphasis merge; one level only
    ("工作<b> 指明了方向 </b>。", "工作 **指明了方向** 。"),
    ("<b>附</b><b>1</b><b>号</b>", "**附1号**"),
    ("<strong><em>粗斜</em></strong>", "**粗斜**"),
    ("<b>粗</b><i>斜</i>", "**粗**斜"),
    ("<b> </b>字", "字"),
    # style attributes count; Word's mso-bidi-* do not
    ("<span style='font-weight:bold'>粗</span>字", "**粗**字"),
    ("<span style='font-style: italic'>斜</span>字", "*斜*字"),
    ("<B>粗</B>字", "**粗**字"),
    ("<span style='mso-bidi-font-weight:bold'>常规</span>", "常规"),
    ("<b style='font-weight:normal'>常规</b>", "常规"),
])
def test_emphasis_only_where_goldmark_renders_it(fragment, expected):
    assert md(fragment) == expected


@pytest.mark.parametrize("text, expected", [
    ("a*b_c`d", r"a\*b\_c\`d"),
    ("[文字](地址)", r"\[文字\](地址)"),
    ("<script> & &amp; &copy; &#42;", r"\<script\> & \&amp; \&copy; \&#42;"),
    ("a | b ~ c", r"a \| b \~ c"),
    ("{{< sc >}} {{% sc %}}", r"\{\{\< sc \>}} \{\{% sc %}}"),
    ("<!--more-->", r"\<!\--more\--\>"),
    ('"双" \'单\'', r"\"双\" \'单\'"),
    ("9:00--11:30 --- 等等...", r"9:00\--11:30 \-\-- 等等\.\.."),
    ("见 http://x.cn 和 www.x.cn 或 a@b.cn", r"见 http\://x.cn 和 www\.x.cn 或 a\@b.cn"),
    ("back\\slash", r"back\\slash"),
    ("2021.10.13 日期 1.5倍", "2021.10.13 日期 1.5倍"),
])
def test_text_that_looks_like_syntax_is_escaped(text, expected):
    assert escape_spans(text, line_start=False)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("# 标题", r"\# 标题"), ("> 引用", r"\> 引用"), ("- 项", r"\- 项"), ("+ 项", r"\+ 项"),
    ("= 号", r"\= 号"), ("1. 条", r"1\. 条"), ("10) 条", r"10\) 条"), (": 定义", r"\: 定义"),
    ("* * *", r"\* \* \*"), ("1.登录", "1.登录"), ("3、领取", "3、领取"), ("一、时间", "一、时间"),
])
def test_block_markers_at_a_line_start_are_escaped(text, expected):
    assert escape_spans(text, line_start=True)[0] == expected
    assert md(f"<p>{text}</p>") == expected


def test_escape_spans_mark_each_escape():
    text, spans = escape_spans("a*b", line_start=False)
    assert (text, spans) == ("a\\*b", [(1, 3)])


def test_br_runs_are_paragraph_breaks_and_blank_paragraphs_go():
    fragment = "<p>一<br>二<br><br><br>三</p><p>&nbsp;</p><p>\u3000\u3000</p><p><span>&nbsp;</span></p><div>四<br/>五</div>"
    assert md(fragment) == "一\n\n二\n\n三\n\n四\n\n五"


def test_white_space_collapses_and_paragraphs_are_stripped():
    fragment = "<p>\u3000\u3000第一章\u3000总\xa0\xa0则 \n 正文\t </p>"
    assert md(fragment) == "第一章 总 则 正文"


def test_headings_keep_their_level_and_escape_hashes_and_attributes():
    assert md("<h2>一、申报范围</h2><h4>1. 条件</h4>") == "## 一、申报范围\n\n#### 1. 条件"
    assert md("<h3>#1 概况 ## {#id}</h3>") == r"### \#1 概况 \#\# \{\#id}"
    assert md("<h2>上<br>下</h2>") == "## 上 下"
    assert md("<h3><img src='/a.jpg'>颁奖</h3>") == "### 颁奖\n\n![图](http://gongxue.cn/a.jpg)"


def test_nested_lists_stay_tight_and_numbered_lists_keep_their_start():
    fragment = (
        "<ul><li>交通<ul><li>乘车</li><li>自驾</li></ul></li><li>防骗</li></ul>"
        "<ol start='4'><li>名单</li><li>候补<ol><li>甲</li></ol></li></ol>"
    )
    assert md(fragment) == (
        "- 交通\n  - 乘车\n  - 自驾\n- 防骗\n\n"
        "4. 名单\n5. 候补\n   1. 甲"
    )


def test_list_item_lines_join_with_hard_breaks_and_empty_items_go():
    assert md("<ul><li>专业咨询<br>各学院</li><li>&nbsp;</li><li>- 减号</li></ul>") == (
        "- 专业咨询\\\n  各学院\n- \\- 减号"
    )
    # goldmark reads `\\\` + newline as two backslashes: after a backslash, two spaces
    assert md("<ul><li>a\\<br>b</li></ul>") == "- a\\\\  \n  b"


def test_adjacent_lists_of_one_kind_get_different_markers():
    fragment = "<ul><li>a</li></ul><ul><li>b</li></ul><ol><li>c</li></ol><ol><li>d</li></ol>"
    assert md(fragment) == "- a\n\n* b\n\n1. c\n\n1) d"


def test_stray_content_in_a_list_joins_the_item_before_it():
    assert md("<ul><li>a</li><ul><li>b</li></ul></ul>") == "- a\n  - b"


def test_data_table_becomes_a_pipe_table_with_spans_flattened():
    fragment = (
        "<table><tr><th>年级</th><th>项目</th><th>地点</th></tr>"
        "<tr><td rowspan='2'>一年级</td><td>篮球</td><td rowspan='2'>体育馆</td></tr>"
        "<tr><td>排球<br>备注</td></tr>"
        "<tr><td colspan='3'>注：a | b</td></tr></table>"
    )
    assert md(fragment) == (
        "| 年级 | 项目 | 地点 |\n| --- | --- | --- |\n| 一年级 | 篮球 | 体育馆 |\n"
        "|  | 排球 备注 |  |\n| 注：a \\| b |  |  |"
    )


def test_empty_rows_and_columns_of_a_table_go():
    fragment = (
        "<table><tr><td>a</td><td></td><td>b</td></tr><tr><td>&nbsp;</td><td></td><td> </td></tr>"
        "<tr><td>c</td><td></td><td>d</td></tr></table>"
    )
    assert md(fragment) == "| a | b |\n| --- | --- |\n| c | d |"


@pytest.mark.parametrize("fragment, expected", [
    ("<table><tr><td><p>正文一</p><p>正文二</p></td></tr></table>", "正文一\n\n正文二"),
    ("<table><tr><td>a</td><td>b</td></tr></table>", "a\n\nb"),
    ("<table><tr><td>a</td></tr><tr><td>b</td></tr></table>", "a\n\nb"),
    ("<table><tr><td><img src='/p.jpg'></td><td>x</td></tr><tr><td>图注</td><td>y</td></tr></table>",
     "![图](http://gongxue.cn/p.jpg)\n\nx\n\n图注\n\ny"),
    ("<table><tr><td><table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
     "</td><td>x</td></tr><tr><td>y</td><td>z</td></tr></table>",
     "| a | b |\n| --- | --- |\n| c | d |\n\nx\n\ny\n\nz"),
    ("<table>说明<tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
     "说明\n\na\n\nb\n\nc\n\nd"),
])
def test_layout_tables_are_unwrapped(fragment, expected):
    assert md(fragment) == expected


def test_table_caption_goes_before_the_table():
    fragment = "<table><caption>安排表</caption><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
    assert md(fragment) == "安排表\n\n| a | b |\n| --- | --- |\n| c | d |"


def test_pre_becomes_a_fenced_block_longer_than_any_backtick_run():
    assert md("<pre>\n  ip addr\n    ping</pre>") == "```\n  ip addr\n    ping\n```"
    assert md("<pre>a ``` b</pre>") == "````\na ``` b\n````"
    assert md("<pre>一<br>二</pre>") == "```\n一\n二\n```"


def test_pre_with_what_hugo_parses_even_in_code_becomes_escaped_lines():
    assert md("<pre>{{&lt; x &gt;}}\n- y</pre>") == "\\{\\{\\< x \\>}}\\\n\\- y"


def test_pre_holding_paragraphs_is_read_as_blocks():
    assert md("<pre><p>一</p><p>二</p></pre>") == "一\n\n二"


def test_blockquote_prefixes_every_line():
    assert md("<blockquote><p>一</p><p>二</p><ul><li>三</li></ul></blockquote>") == (
        "> 一\n>\n> 二\n>\n> - 三"
    )


def test_horizontal_rule_and_definition_lists():
    assert md("<p>a</p><hr><dl><dt>时间</dt><dd>5月</dd></dl>") == "a\n\n* * *\n\n时间\n\n5月"


@pytest.mark.parametrize("fragment, expected", [
    ("<a href='../2.htm'>相对</a>", "[相对](http://gongxue.cn/info/2.htm)"),
    ("<a href='mailto:a@b.cn'>邮件</a>", "[邮件](mailto:a@b.cn)"),
    ("<a href='tel:0451'>电话</a>", "[电话](tel:0451)"),
    ("<a href='http://x.cn/a b(1).htm'>空格</a>", "[空格](http://x.cn/a%20b%281%29.htm)"),
    ("<a href='http://x.cn/{{<x>}}'>括号</a>", "[括号](http://x.cn/%7B%7B%3Cx%3E%7D%7D)"),
    ("<a href='javascript:alert(1)'>领奖</a>", "领奖"),
    ("<a href=' JaVaScRiPt:alert(1)'>领奖</a>", "领奖"),
    ("<a href='jav&#x09;ascript:alert(1)'>领奖</a>", "领奖"),
    ("<a href='vbscript:msgbox(1)'>领奖</a>", "领奖"),
    ("<a href='data:text/html,x'>领奖</a>", "领奖"),
    ("<a href='#sqb'>申请表</a>", "申请表"),
    ("<a name='_Hlk1'></a>书签", "书签"),
    ("<a href='/a.htm'> 前后空格 </a>字", "[前后空格](http://gongxue.cn/a.htm) 字"),
    ("<a href='/a.htm'><b>粗</b>细</a>", "[粗细](http://gongxue.cn/a.htm)"),
    ("<a href='/a.htm'>[1]</a>", "[\\[1\\]](http://gongxue.cn/a.htm)"),
])
def test_links_are_absolute_and_only_safe_schemes_survive(fragment, expected):
    assert md(fragment) == expected


@pytest.mark.parametrize("fragment, expected", [
    ("<img src='../../__local/a.jpg'>", "![图](http://gongxue.cn/__local/a.jpg)"),
    ("<img src='data:image/png;base64,AAAA'>", ""),
    ("<img src='javascript:alert(1)'>", ""),
    ("<img src=''>", ""),
    ("<img src='x' onerror='alert(1)'>", "![图](http://gongxue.cn/info/1141/x)"),
    ("<a href='/big.jpg'><img src='/small.jpg'></a>", "![图](http://gongxue.cn/small.jpg)"),
    ("<p>前<img src='/a.jpg'>后</p>", "前\n\n![图](http://gongxue.cn/a.jpg)\n\n后"),
])
def test_images_are_paragraphs_of_their_own(fragment, expected):
    assert md(fragment) == expected


def test_page_markup_and_hidden_text_never_reach_the_output():
    fragment = (
        "<p>正文<script>alert(1)</script><style>p{}</style><iframe src='http://e'>框架</iframe>"
        "<object>对象</object><svg><text>矢量</text></svg><noscript>无脚本</noscript>"
        "<span style='display: none'>隐藏</span><span hidden>隐藏</span><!-- 注释 -->"
        "<input value='输入'><button>按钮</button><select><option>选项</option></select>完</p>"
        "<!--[if gte mso 9]><xml><w:WordDocument>Normal</w:WordDocument></xml><![endif]-->"
    )
    assert md(fragment) == "正文完"


def test_word_debris_is_unwrapped():
    fragment = (
        "<p class='MsoNormal' style='mso-char-indent-count:2.0'><span lang='EN-US'>"
        "<span style='mso-spacerun:yes'>&nbsp; </span>4</span><font face='仿宋'><font color='red'>月"
        "</font></font><st1:chsdate year='2022'>21日</st1:chsdate><ins cite='mailto:x'>修订</ins>"
        "<o:p></o:p></p><p class='MsoNormal'><span><o:p>&nbsp;</o:p></span></p>"
    )
    assert md(fragment) == "4月21日修订"


def test_caption_under_a_photo_is_its_own_block():
    body = lxml.html.fragment_fromstring(
        "<p style='text-align:center'><img src='/a.jpg'><br>图为会场</p>"
        "<figure><img src='/b.jpg'><figcaption>分组讨论</figcaption></figure>"
        "<p style='text-align:center'>居中但不在图下</p>",
        create_parent="div",
    )
    kinds = [(b.kind, b.text) for b in body_to_blocks(body, URL)]
    assert kinds == [
        ("img", ""), ("caption", "图为会场"), ("img", ""), ("caption", "分组讨论"), ("p", "居中但不在图下"),
    ]


def test_inline_markdown_records_atoms_for_emphasis_links_and_escapes():
    runs = [Inline("甲"), Inline("粗", "strong"), Inline(" "), Inline("链", href="http://x.cn/"), Inline("*")]
    markdown, atoms = inline_markdown(runs, line_start=True)
    assert markdown == "甲**粗** [链](http://x.cn/)\\*"
    assert [markdown[s:e] for s, e in atoms] == ["**粗**", "[链](http://x.cn/)", "\\*"]


def test_markdown_url_keeps_plain_urls_unchanged():
    url = "http://gongxue.cn/__local/8/E0/79/B8FE811EC3BFFBC02706E5A99B7_B973D614_12F0D.jpg"
    assert markdown_url(url) == url
    assert markdown_url("http://x.cn/图片 1.jpg") == "http://x.cn/%E5%9B%BE%E7%89%87%201.jpg"
