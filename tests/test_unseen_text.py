"""A paragraph that is only a link showing an address (a home page, an e-mail) is text, in the
extractor's paragraphs and in the export's text read back from the written Markdown alike."""

from __future__ import annotations

import json
from pathlib import Path

from archiver.cms import PRESETS
from archiver.export.markdown_text import markdown_to_text
from archiver.extract import decode_html, extract_article
from archiver.normalize import normalise_article

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def test_a_home_page_link_line_is_text_in_paragraphs_and_in_the_export() -> None:
    case = "vsb_profile_summary_before_body"
    expected = json.loads((PAGES / f"{case}.json").read_text(encoding="utf-8"))
    html = decode_html((PAGES / f"{case}.html").read_bytes())
    article = normalise_article(extract_article(html, expected["url"], PRESETS["auto"]))
    assert article.paragraphs[-1] == "个人主页：https://lmy.example.org/"
    assert "[个人主页：https\\://lmy.example.org/](https://lmy.example.org/)" in article.markdown
    assert markdown_to_text(article.markdown) == "\n\n".join(article.paragraphs)


def test_a_link_line_without_an_address_is_still_not_text() -> None:
    markdown = "正文一段。\n\n[视频：开幕式](https://v.example.cn/a.mp4)\n\n[更多](https://x.cn/list.htm)"
    assert markdown_to_text(markdown) == "正文一段。"


def test_a_date_written_by_a_script_is_read_where_the_page_shows_it() -> None:
    page = """<html><head><meta charset="utf-8"><title>县人社局开展慰问活动</title></head><body>
<div class="nav"><a href="/">首页</a></div>
<div class="title"><h1>县人社局开展慰问活动</h1>
<div class="toolbar">发布时间：<script>var  pubdata='2018年02月13日';
if(pubdata!=''){ document.write(pubdata); }</script> 字体：大 中 小</div></div>
<div class="content"><p>春节前夕，县人社局组织干部职工走访慰问退休老干部，为他们送去节日的问候和慰问品。</p>
<p>慰问中，大家与老干部亲切交谈，详细了解他们的身体状况和生活情况，叮嘱他们保重身体。</p>
<p>老干部们对组织的关心表示感谢，并对人社工作提出了意见和建议。</p></div>
<div class="foot">主办单位：某县人力资源和社会保障局</div></body></html>"""
    from archiver.cms.scripts import written_string

    assert written_string("var a='x'; document.write('<h2>'+a+'</h2>');") is None
    article = extract_article(page, "http://rsj.example.gov.cn/gzdt/201802/t20180213_1.html",
                              PRESETS["generic"])
    assert article.published is not None
    assert article.published.isoformat() == "2018-02-13T00:00:00+08:00"
