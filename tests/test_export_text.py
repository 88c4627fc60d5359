"""Reading article files back for the export: the split into parts, plain text from the body
Markdown, and the site name and page title recovered from the front matter."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.cms import PRESETS
from archiver.config import FrontMatter, Source
from archiver.extract import Attachment, ExtractedArticle, extract_article
from archiver.article_file.parse import ArticleFileError, remove_divider, split_article_file
from archiver.article_file.front_matter import (
    DEFAULT_FRONT_MATTER,
    article_title,
    match_template,
    read_front_matter,
    site_names,
    source_layout,
)
from archiver.export.markdown_text import image_urls, markdown_to_text, parse_markdown
from archiver.normalize import normalise_article
from archiver.article_file.render import render_article
from conftest import FIXTURES, ROOT

SAMPLE = ROOT.parent / "shared" / "sample" / "000_53f77539f23838d2.md"
ARCHIVED = datetime(2021, 11, 26, 1, 22, 2, 872027)
URL = "http://gongxue.cn/info/1141/68951.htm"
HRBEU = Source(id="hrbeu", name="哈尔滨工程大学", label="hrbeu.com.cn",
               start_urls=("http://gongxue.cn/xw.htm",))


def rendered(body_html: str, source: Source = HRBEU, title: str = "标题",
             attachments: tuple[Attachment, ...] = ()):
    """(file text, normalised article) for a body fragment, through the real pipeline."""
    body = lxml.html.fragment_fromstring(body_html, create_parent="div")
    article = normalise_article(ExtractedArticle(url=URL, title=title, published=None, body=body,
                                                 attachments=list(attachments)))
    return render_article(article, source, ARCHIVED), article


# --- splitting a file -----------------------------------------------------------------------


@pytest.mark.skipif(not SAMPLE.is_file(), reason="the shared sample is not available")
def test_sample_file_splits_into_front_matter_body_and_link():
    text = SAMPLE.read_text(encoding="utf-8")
    parts = split_article_file(text)
    assert parts.front_matter.startswith("title: 哈尔滨工程大学->学校举行第二期")
    assert parts.front_matter.endswith("sidebar: false\n")
    assert parts.source_url == URL
    assert parts.attachments == ()
    assert "<!--more-->" not in parts.markdown
    assert "党委组织部党支部的书记进行现场交流。" in parts.markdown  # the divider was mid-sentence
    assert parts.markdown.startswith("11月24日，学校在主楼七楼会议室")
    assert parts.markdown.endswith("![图](http://gongxue.cn/__local/6/9B/49/E3BB1967780D5F51B1748B25833_50C9F47E_1BAC3.jpg)")
    # Every line of the file's body is in the export's Markdown but the divider line.
    body = text.split("\n---\n", 1)[1].rsplit("\n\n", 1)[0]
    assert parts.markdown == body.replace("\n<!--more-->\n", "")
    # The sample's paragraphs hold no Markdown syntax: its text is its non-image paragraphs.
    paragraphs = body.replace("\n<!--more-->\n", "").split("\n\n")
    assert markdown_to_text(parts.markdown) == "\n\n".join(p for p in paragraphs if not p.startswith("!["))
    assert len(paragraphs) == 18 + 13
    assert len(image_urls(parse_markdown(parts.markdown))) == 13


@pytest.mark.parametrize("paragraphs, limit", [
    (["甲" * 150, "乙" * 100], 200),  # mid-paragraph
    (["甲" * 200, "乙" * 100], 200),  # exactly between two blocks
    (["甲" * 199, "乙" * 100], 200),  # one character into the blank line
    (["甲" * 20], 200),               # short body: divider at the end
    (["甲" * 300], 0),                # no divider at all
])
def test_divider_is_removed_wherever_the_renderer_put_it(paragraphs, limit):
    text, article = rendered("".join(f"<p>{p}</p>" for p in paragraphs),
                             replace(HRBEU, summary_chars=limit))
    parts = split_article_file(text)
    assert parts.markdown == article.markdown == "\n\n".join(paragraphs)


def test_empty_body_with_and_without_divider():
    for limit in (200, 0):
        text, _ = rendered("", replace(HRBEU, summary_chars=limit))
        assert split_article_file(text).markdown == ""
    assert remove_divider("<!--more-->") == ""


def test_attachment_list_is_split_off_with_names_unescaped():
    files = (Attachment("附件1：2021年[通知].pdf", "http://gongxue.cn/a(1).pdf"),
             Attachment("名单*最终*.xlsx", "http://gongxue.cn/b.xlsx"))
    text, article = rendered("<p>正文。</p>", attachments=files)
    assert "附件：\n\n- [附件1：2021年\\[通知\\].pdf](http://gongxue.cn/a%281%29.pdf)\n" in text
    parts = split_article_file(text)
    assert parts.markdown == article.markdown == "正文。"
    assert parts.attachments == (("附件1：2021年[通知].pdf", "http://gongxue.cn/a%281%29.pdf"),
                                 ("名单*最终*.xlsx", "http://gongxue.cn/b.xlsx"))
    empty, _ = rendered("", attachments=files[:1])
    assert split_article_file(empty).markdown == ""
    assert len(split_article_file(empty).attachments) == 1


def test_a_body_paragraph_like_the_label_without_a_list_stays_in_the_body():
    text, article = rendered("<p>附件：</p><p>请见下文。</p>")
    parts = split_article_file(text)
    assert parts.attachments == () and parts.markdown == article.markdown


@pytest.mark.parametrize("text, message", [
    ("title: x\n---\nbody", "does not start with a front matter block"),
    ("---\ntitle: x\nbody\n\n[转入文章首发地址](http://x/)", "front matter block is not closed"),
    ("---\ntitle: x\n---\nbody", "does not end with the source link paragraph"),
    ("---\ntitle: x\n---\nbody\n\n[link](http://x/a b)", "does not end with the source link"),
])
def test_files_that_are_not_article_files_are_refused(text, message):
    with pytest.raises(ArticleFileError, match=message):
        split_article_file(text)


def test_a_final_newline_added_by_an_editor_is_tolerated():
    text, article = rendered("<p>正文</p>")
    assert split_article_file(text + "\n").markdown == article.markdown


# --- plain text -----------------------------------------------------------------------------


@pytest.mark.parametrize("markdown, expected", [
    ("1\\. 不是列表 \\*星\\* \\[x\\](y) a\\\\b", "1. 不是列表 *星* [x](y) a\\b"),
    ("\\&amp; 与 &amp; 与 &#42; 与 &copy;", "&amp; 与 & 与 * 与 ©"),
    ("看[链接](http://x.cn/)和<http://y.cn/>", "看链接和http://y.cn/"),
    ("文字![图](http://x.cn/a.jpg)文字", "文字文字"),
    ("![图](http://x.cn/a.jpg)\n\n段落", "段落"),
    ("**粗**、*斜*、~~删~~、中文**“引号”**中文", "粗、斜、删、中文**“引号”**中文"),
    ("## 标题 \\#1 ##\n\n二级\n---", "标题 #1\n\n二级"),
    ("- 一\n- 二\n  - 二点一\n\n1) 三", "一\n\n二\n\n二点一\n\n三"),
    ("| 甲 | 乙\\|丙 |\n| --- | --- |\n| 1 |  |", "甲\n\n乙|丙\n\n1"),
    ("> 引用\n>\n> - 列表", "引用\n\n列表"),
    ("```\ncode   line\n\n  two\n```", "code line\n\ntwo"),
    ("    indented code", "indented code"),
    ("行一\\\n行二  \n行三\n行四", "行一\n\n行二\n\n行三\n\n行四"),
    ("<b>粗</b>文字\n\n<div>\n块\n</div>", "粗文字"),
    ("* * *\n\n`a\\*b`", "a\\*b"),
    ("", ""),
])
def test_markdown_to_text(markdown, expected):
    assert markdown_to_text(markdown) == expected


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "constructs").glob("*.html")), ids=lambda p: p.stem)
def test_text_of_every_construct_is_the_normalised_paragraphs(fixture: Path):
    """For the archiver's own files, text == `NormalisedArticle.paragraphs` joined by blank
    lines, and the split-off Markdown is the body exactly as normalised."""
    url = f"http://gongxue.cn/info/1141/{fixture.stem.split('_')[0]}.htm"
    extracted = extract_article(fixture.read_text(encoding="utf-8"), url, PRESETS["vsb"])
    article = normalise_article(extracted)
    parts = split_article_file(render_article(article, HRBEU, ARCHIVED))
    assert parts.markdown == article.markdown
    assert markdown_to_text(parts.markdown) == "\n\n".join(article.paragraphs)


# Pieces of page text that mean something to Markdown, goldmark or Hugo.
SYNTAX = ["*", "**", "_", "#", "# ", "1.", "1. ", "2)", "- ", "+ ", "> ", "=", "[", "]", "](", "(",
          ")", "![", "\\", "`", "```", "<", ">", "&", "&amp;", "&#42;", "|", "~~", "{{<", "<!--more-->",
          "--", "...", "http://x.cn/", "www.x.cn", "a@b.cn", ":", '"', "'", "{", "}", " ", "　"]
CJK = ["中文", "“", "”", "，", "。", "（", "）", "【", "】", "、", "1", "a"]
TEXT = st.lists(st.sampled_from(SYNTAX + CJK), min_size=1, max_size=6).map("".join).map(html.escape)
INLINE = st.one_of(
    TEXT,
    st.tuples(st.sampled_from(["strong", "em", "b", "i"]), TEXT).map(lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"),
    TEXT.map(lambda t: f'<a href="http://x.cn/a(1).htm">{t}</a>'),
    st.just('<img src="http://x.cn/p.jpg">'),
    st.just("<br>"),
)
RUN = st.lists(INLINE, min_size=1, max_size=4).map("".join)
BLOCK = st.one_of(
    RUN.map(lambda r: f"<p>{r}</p>"),
    st.tuples(st.sampled_from(["h1", "h2", "h3"]), RUN).map(lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"),
    st.tuples(st.sampled_from(["ul", "ol"]), st.lists(RUN, min_size=1, max_size=3)).map(
        lambda t: f"<{t[0]}>" + "".join(f"<li>{item}</li>" for item in t[1]) + f"</{t[0]}>"),
    st.lists(st.lists(RUN, min_size=2, max_size=2), min_size=2, max_size=3).map(
        lambda rows: "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                                         for row in rows) + "</table>"),
    RUN.map(lambda r: f"<blockquote><p>{r}</p></blockquote>"),
    st.lists(TEXT, min_size=1, max_size=3).map(lambda lines: "<pre>" + "\n".join(lines) + "</pre>"),
    st.just("<hr>"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks=st.lists(BLOCK, max_size=6), limit=st.sampled_from([0, 5, 40, 200]))
def test_generated_bodies_read_back_exactly(blocks: list[str], limit: int):
    text, article = rendered("".join(blocks), replace(HRBEU, summary_chars=limit))
    parts = split_article_file(text)
    assert parts.markdown == article.markdown
    assert markdown_to_text(parts.markdown) == "\n\n".join(article.paragraphs)
    assert parts.source_url == URL


# --- front matter ---------------------------------------------------------------------------


def front_matter_of(text: str):
    return read_front_matter(split_article_file(text).front_matter)


def test_default_layout_gives_back_site_name_label_and_title():
    text, _ = rendered("<p>x</p>", title="学校举行交流会 | 第二期->总结")
    fields = front_matter_of(text)
    assert fields.date == ARCHIVED and fields.urlname == "034ec524302492bc650647bf38d43c66"
    names = site_names(fields)
    assert names == {"name": "哈尔滨工程大学", "label": "hrbeu.com.cn"}
    assert article_title(fields, DEFAULT_FRONT_MATTER, names) == "学校举行交流会 | 第二期->总结"


def test_configured_layout_is_used_when_the_source_is_known():
    custom = replace(HRBEU, front_matter=FrontMatter(title_format="【{label}】{title}", tags=("新闻",),
                                                      categories=("{name}",)))
    text, _ = rendered("<p>x</p>", custom, title="标题：含冒号")
    fields = front_matter_of(text)
    names, layout = source_layout(fields, custom)
    assert names == {"name": "哈尔滨工程大学", "label": "hrbeu.com.cn"}
    assert article_title(fields, layout, names) == "标题：含冒号"
    # Without the sources file only the default layout is known, and this file does not follow
    # it: neither the name nor the title is guessed.
    names, layout = source_layout(fields, None)
    assert names == {}
    assert article_title(fields, layout, names) is None
    one_category = "title: a->b | c\ndate: 2021-01-01 00:00:00\nurlname: u\ntags:\n- a\ncategories:\n- c\n"
    assert site_names(read_front_matter(one_category)) == {}
    mismatched = one_category + "- x\n"
    assert site_names(read_front_matter(mismatched)) == {}
    assert site_names(read_front_matter(mismatched.replace("- x", "- a"))) == {"name": "a", "label": "c"}


@settings(max_examples=200, deadline=None)
@given(title=st.text(min_size=1, max_size=12), name=st.text(min_size=1, max_size=6),
       label=st.text(min_size=1, max_size=6))
def test_hostile_titles_and_names_come_back_exactly(title: str, name: str, label: str):
    source = replace(HRBEU, name=name, label=label)
    fields = read_front_matter(render_article(
        normalise_article(ExtractedArticle(URL, title, None, lxml.html.fragment_fromstring("<div></div>"))),
        source, ARCHIVED).split("\n---\n", 1)[0][4:] + "\n")
    names, layout = source_layout(fields, source)
    assert article_title(fields, layout, names) == title


def test_match_template():
    assert match_template("{name}->{title} | {label}", "甲->乙 | 丙 | c", {}) == {
        "name": "甲", "title": "乙 | 丙", "label": "c"}
    assert match_template("{name}->{title}", "乙->x", {"name": "甲"}) is None
    assert match_template("{name}/{name}", "a/a", {}) == {"name": "a"}
    assert match_template("{name}/{name}", "a/b", {}) is None
    assert match_template("{label}", "x.cn", {}) == {"label": "x.cn"}


@pytest.mark.parametrize("yaml_text, message", [
    ("title: [unclosed\n", "not valid YAML"),
    ("- a\n- b\n", "not a mapping"),
    ("title: x\nurlname: y\n", "no date"),
    ("title: x\ndate: yesterday\nurlname: y\n", "is not a date and time"),
])
def test_bad_front_matter_is_refused(yaml_text, message):
    with pytest.raises(ArticleFileError, match=message):
        read_front_matter(yaml_text)
