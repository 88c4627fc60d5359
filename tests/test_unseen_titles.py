"""Title rules for templates nobody wrote a selector for (pure functions, no Scrapy)."""

from __future__ import annotations

import pytest

from archiver.cms import PRESETS
from archiver.extract import extract_article
from archiver.titles import strip_site_suffix


def test_a_two_part_site_suffix_is_stripped_but_a_title_with_a_dash_keeps_it() -> None:
    assert strip_site_suffix("关于开展安全检查的通知-资源与环境学院-示例理工大学") == "关于开展安全检查的通知"
    assert strip_site_suffix("习近平：抓出成效-泰州市广播电视大学-江苏广播电视大学专题网站") == "习近平：抓出成效"
    assert strip_site_suffix("江苏广播电视大学大事记（1979年-2008年）-新闻中心") == "江苏广播电视大学大事记（1979年-2008年）"
    assert strip_site_suffix("Life is To Be Whole-全省学生专业技能竞赛") == "Life is To Be Whole"


def test_a_field_line_above_the_info_line_is_not_the_title() -> None:
    page = """<html><head><title>Life is To Be Whole-全省学生专业技能竞赛</title>
<script src="/system/resource/js/counter.js"></script></head><body>
<ul><li><span>作品内容：</span>Life is To Be Whole</li><li><span>参赛选手：</span>田某</li>
<li><span>播放次数：</span> 次</li><li><span>发布时间：</span>2016年09月05日 16:42</li></ul>
<div id="vsb_content"><div class="v_news_content"><p>作品简介：一段英语朗诵。</p></div></div>
</body></html>"""
    article = extract_article(page, "http://jnjs.example.edu.cn/info/1021/1260.htm", PRESETS["auto"])
    assert article.title == "Life is To Be Whole"
    assert article.published is not None and article.published.isoformat() == "2016-09-05T16:42:00+08:00"


@pytest.mark.parametrize("heading", ["h1", "h2", "div class=\"content-tt\""])
def test_the_body_never_widens_over_the_pages_heading(heading: str) -> None:
    tag = heading.split()[0]
    page = f"""<html><head><title>示例大学新闻网</title>
<script src="/system/resource/js/counter.js"></script></head><body>
<form name="_newscontent_fromname"><{heading}>图书馆开展读书月活动</{tag}>
<div class="v_news_content"><p>4月，图书馆开展读书月系列活动，包括讲座、书展和读书分享会。</p></div>
<div id="div_vote_id"></div></form></body></html>"""
    from archiver.normalize import normalise_article

    article = normalise_article(extract_article(page, "http://news.example.edu.cn/info/1002/3001.htm",
                                                PRESETS["auto"]))
    assert article.title == "图书馆开展读书月活动"
    assert article.paragraphs == ["4月，图书馆开展读书月系列活动，包括讲座、书展和读书分享会。"]


@pytest.mark.parametrize("heading", [
    '<td class="titlestyle1234">{t}</td>',
    '<div class="article_ContBox_title">{t}</div>',
    '<td align="center"><b>{t}</b></td>',
])
def test_a_heading_no_selector_knows_is_found_by_what_the_title_tag_begins_with(heading: str) -> None:
    title = "学院举办2024年研究生学术论坛"
    page = f"""<html><head><title>{title}-研究生院-示例大学</title>
<script src="/system/resource/js/counter.js"></script></head><body>
<table><tr><td><a href="../../index.htm">首页</a></td></tr><tr>{heading.format(t=title)}</tr>
<tr><td>2024-05-20</td></tr><tr><td><form name="form1234a"><div class="v_news_content">
<p>5月18日，学院举办2024年研究生学术论坛，来自六个学科的研究生作了报告。</p></div></form></td></tr>
</table></body></html>"""
    article = extract_article(page, "http://yjs.example.edu.cn/info/1234/5678.htm", PRESETS["auto"])
    assert article.title == title
