"""The public normalisation API: blocks, their kinds and text, and what datasets read from them."""

from __future__ import annotations

from datetime import datetime

import lxml.html

from archiver.cleanup import clean_body
from archiver.doctree import Heading, Image, Inline, ListNode, Paragraph, Table
from archiver.extract import Attachment, ExtractedArticle
from archiver.normalize import body_to_blocks, normalise_article

URL = "http://gongxue.cn/info/1141/1.htm"

ARTICLE_BODY = """
<div class="v_news_content">
<h2>一、概况</h2>
<p>　　第一段<b>重点</b>。<br>第二段</p>
<p style="text-align:center"><img src="/__local/a.jpg"></p>
<p style="text-align:center">图为会场</p>
<ul><li>甲</li><li>乙<ul><li>乙一</li></ul></li></ul>
<table><tr><th>项目</th><th>负责人</th></tr><tr><td>课题</td><td>王<br>李</td></tr></table>
<blockquote><p>引文</p></blockquote>
<pre>code  line</pre>
<hr>
<p><a href="/a.htm">附件：通知.doc</a></p>
</div>
"""


def body(fragment: str = ARTICLE_BODY):
    return lxml.html.fragment_fromstring(fragment.strip())


def test_each_construct_is_one_block_of_its_kind():
    blocks = body_to_blocks(body(), URL)
    assert [b.kind for b in blocks] == [
        "heading", "p", "p", "img", "caption", "list", "table", "quote", "pre", "hr", "link",
    ]
    assert [b.splittable for b in blocks] == [
        False, True, True, False, True, False, False, False, False, False, True,
    ]


def test_paragraphs_are_the_text_lines_without_images_or_lines_of_links_only():
    article = ExtractedArticle(
        url=URL, title="标题", published=datetime(2021, 11, 25), body=body(),
        images=["http://gongxue.cn/__local/a.jpg"],
        attachments=[Attachment("通知.doc", "http://gongxue.cn/a.doc")], cms="vsb",
    )
    normalised = normalise_article(article)
    assert normalised.paragraphs == [
        "一、概况", "第一段重点。", "第二段", "图为会场", "甲", "乙", "乙一",
        "项目", "负责人", "课题", "王 李", "引文", "code line",
    ]
    assert (normalised.url, normalised.title, normalised.cms) == (URL, "标题", "vsb")
    assert normalised.images == article.images and normalised.attachments == article.attachments
    assert normalised.markdown == "\n\n".join(b.markdown for b in normalised.blocks)


def test_the_extracted_tree_is_not_modified():
    tree = body()
    before = lxml.html.tostring(tree)
    body_to_blocks(tree, URL)
    assert lxml.html.tostring(tree) == before


def test_cleanup_reduces_the_page_to_the_small_node_set():
    nodes = clean_body(body(
        "<div><h3><font color=red>标<span>题</span></font></h3>"
        "<p><span style='font-weight:bold'>粗 </span>正文<a href='../x.htm'>链 接</a></p>"
        "<ol start='3'><li>一</li></ol><img src='//cdn.x.cn/p.jpg'>"
        "<table><tr><td>a</td><td>b</td></tr><tr><td colspan='2'>c</td></tr></table></div>"
    ), URL)
    assert nodes == [
        Heading(3, [Inline("标题")]),
        Paragraph([
            Inline("粗", "strong"), Inline(" 正文"), Inline("链 接", href="http://gongxue.cn/info/x.htm"),
        ]),
        ListNode(True, [[Paragraph([Inline("一")])]], start=3),
        Image("http://cdn.x.cn/p.jpg"),
        Table([[[Inline("a")], [Inline("b")]], [[Inline("c")], []]]),
    ]


def test_broken_markup_never_raises():
    for fragment in (
        "<div><table><tr><td colspan='999999' rowspan='-4'>a</td></tr></table></div>",
        "<div><ol start='99999999999'><li>a</li></ol><ol start='x'><li>b</li></ol></div>",
        "<div><a href='http://[::1'>坏地址</a><img src='http://[x'></div>",
        "<div><li>孤立项</li><td>孤立格</td><tr><td>孤立行</td></tr></div>",
        "<div>" + "<span>" * 200 + "深" + "</span>" * 200 + "</div>",
        "<div>" + "<blockquote>引" * 250 + "</div>",  # deeper than the parser keeps
        "<div>" + "<ol><li>项" * 120 + "</div>",
    ):
        blocks = body_to_blocks(body(fragment), URL)
        assert all(block.markdown for block in blocks)
