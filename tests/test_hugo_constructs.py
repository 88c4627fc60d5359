"""Every construct fixture survives crawl → Markdown → Hugo: the built page shows the source body's
text, images and links in the same order, with the structure the page had.

The pages in tests/fixtures/constructs/ are VSB article pages written for these tests (full page
chrome, one or more constructs each: `<br>` runs, headings, emphasis next to CJK punctuation,
links, nested lists, data and layout tables, captions, quotes, `<pre>`, Word debris, text that
looks like Markdown, hostile HTML...). They are crawled for real through the replica server and
the files the crawl writes are built with the real Hugo binary, once for the module.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin

import lxml.html
import pytest
from lxml.html import HtmlElement

from archiver.replica import ReplicaServer
from archiver.article_file.render import urlname_for
from conftest import FAST, FIXTURES, HRBEU_YAML, StaticSite, run_archiver
from hugo_site import BuiltPage, BuiltSite, build_site, visible_text

CONSTRUCTS = sorted((FIXTURES / "constructs").glob("*.html"))
SOURCE_LINK_TEXT = "转入文章首发地址"
BODY = "form[name=_newscontent_fromname] .v_news_content"
INVISIBLE = frozenset("script style noscript template iframe object embed svg math head".split())


def article_url(page: Path) -> str:
    """`70003_bold_cjk.html` is the article `http://gongxue.cn/info/1141/70003.htm`."""
    return f"http://gongxue.cn/info/1141/{page.name.split('_', 1)[0]}.htm"


def list_page(urls: list[str]) -> str:
    items = "".join(
        f'<li><div class="list-right-tt txt-elise"><a href="{url}">标题</a></div></li>' for url in urls
    )
    return f'<html><body><ul>{items}</ul><span class="p_next_d">下页</span></body></html>'


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """Crawl all construct pages into Markdown files and build them with Hugo."""
    work = tmp_path_factory.mktemp("constructs")
    (work / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    site = StaticSite("gongxue.cn")
    site.add("/xw.htm", list_page([article_url(page) for page in CONSTRUCTS]))
    for page in CONSTRUCTS:
        site.add(article_url(page).removeprefix("http://gongxue.cn"), page.read_bytes())
    # Media downloads off: the images must stay linked to the page's own URLs, which the
    # comparison below reads (downloading is the media pipeline's business and tests).
    args = ["crawl", "hrbeu", "--config", str(work / "sources.yaml"), *FAST,
            "-s", "ARCHIVER_MEDIA_ENABLED=0"]
    with ReplicaServer(site) as server:
        result = run_archiver(args, cwd=work, proxy=server.url)
    assert result.returncode == 0, result.stderr
    files = sorted((work / "output" / "hrbeu").glob("*.md"))
    assert sorted(f.stem for f in files) == sorted(
        urlname_for(article_url(page), "", "md5") for page in CONSTRUCTS
    )
    return build_site(work / "hugo", files)


def test_hugo_builds_every_file_without_a_warning(built: BuiltSite):
    assert len(built.pages) == len(CONSTRUCTS)
    assert "WARN" not in built.output and "ERROR" not in built.output, built.output


def built_page(built: BuiltSite, page: Path) -> BuiltPage:
    return built.pages[urlname_for(article_url(page), "", "md5") + ".md"]


def source_body(page: Path) -> HtmlElement:
    return lxml.html.document_fromstring(page.read_bytes()).cssselect(BODY)[0]


def shown(node: HtmlElement) -> bool:
    """False for what a browser does not show (scripts, hidden elements) and what is inside it."""
    for element in (node, *node.iterancestors()):
        if element.tag in INVISIBLE or element.get("hidden") is not None:
            return False
        if "display:none" in (element.get("style") or "").replace(" ", "").lower():
            return False
    return True


def expected_links(body: HtmlElement, url: str) -> list[str]:
    """The body's links a reader can follow: web, mail and phone links with visible text that
    are not anchors on the page itself (`javascript:` and the like are not links to keep)."""
    links = []
    for anchor in body.iter("a"):
        href = "".join((anchor.get("href") or "").split())
        resolved = urljoin(url, href) if href else ""
        scheme = resolved.split(":", 1)[0].lower()
        same_page = "#" in resolved and resolved.split("#")[0] == url
        if scheme in ("http", "https", "ftp", "mailto", "tel") and not same_page:
            if shown(anchor) and visible_text(anchor):
                links.append(resolved)
    return links


def expected_images(body: HtmlElement, url: str) -> list[str]:
    images = []
    for img in body.iter("img"):
        src = urljoin(url, (img.get("src") or "").strip())
        if src.startswith(("http://", "https://")) and shown(img):
            images.append(src)
    return images


def hugo_text(page: BuiltPage) -> str:
    """The article text as Hugo shows it, without the source link that ends every file."""
    text = visible_text(page.content)
    assert text.endswith(" " + SOURCE_LINK_TEXT), text
    return text.removesuffix(" " + SOURCE_LINK_TEXT)


def assert_same_text(page: BuiltPage, expected: str) -> None:
    """Hugo's text equals the page's; `<!--more-->` inside a paragraph makes two paragraphs of
    it (FORMAT.md), which adds one space exactly where Hugo's summary ends."""
    text = hugo_text(page)
    if text == expected:
        return
    summary = visible_text(page.summary)
    split = text.startswith(summary + " ") and summary + text[len(summary) + 1:] == expected
    assert split, f"\nsource: {expected}\nhugo:   {text}"


@pytest.mark.parametrize("page", CONSTRUCTS, ids=lambda p: p.stem)
def test_hugo_shows_the_source_text_images_and_links(built: BuiltSite, page: Path):
    url = article_url(page)
    body = source_body(page)
    out = built_page(built, page)
    assert_same_text(out, visible_text(body))
    links = [unquote(a.get("href")) for a in out.content.iter("a")]
    assert links == [unquote(link) for link in expected_links(body, url)] + [url]
    images = [unquote(img.get("src")) for img in out.content.iter("img")]
    assert images == [unquote(src) for src in expected_images(body, url)]


# What each construct must look like in Hugo's HTML: XPath (relative to the article) → the
# visible text of each match (or the value, for attributes and text nodes), in order.
STRUCTURE: dict[str, list[tuple[str, list[str]]]] = {
    "70002_headings": [
        ("h2", ["一、申报范围", "二、申报要求", "三、联系方式"]),
        ("h3", ["（一）重点项目", "（二）一般项目"]),
        ("h4", ["1. 申报人条件"]),
    ],
    "70003_bold_cjk": [  # bold only where goldmark renders it next to CJK punctuation
        ("p/strong", ["本网讯", "1", "2", "第一章 总则", "指明了方向", "“廉洁从教”"]),
    ],
    "70004_italic": [("p/em", ["Youth and the Future", "The Road Not Taken", "张教授", "优秀奖"])],
    "70006_unordered_nested": [
        ("ul/li/text()[1]", ["交通安全\n", "防范电信诈骗\n", "居家安全：注意用电、用气安全。"]),
        ("ul/li/ul/li/text()[1]", [
            "乘坐正规交通工具，不乘坐无牌无证车辆；", "自驾出行注意冰雪路面。",
            "不轻信陌生电话；\n", "不向陌生账户转账。",
        ]),
        ("ul/li/ul/li/ul/li", ["特别是自称“客服”的来电；"]),
        ("ul/li/p", []),  # tight, as on the page
    ],
    "70007_ordered_list": [
        ("ol/li/text()[1]", [
            "资格审查：考生上传身份证件和学历证明；", "设备测试：复试前一天进行网络与设备测试；",
            "专业面试：\n", "拟录取名单；", "候补名单。", "以上安排如有变化，以学院通知为准。",
        ]),
        ("ol/li/ol/li", ["个人陈述（5分钟）；", "专家提问（15分钟）。"]),
        ("ol/@start", ["4"]),
    ],
    "70008_table_simple": [
        ("table/thead/tr/th", ["序号", "团队名称", "负责人", "所在单位"]),
        ("table/tbody/tr/td[2]", ["船舶设计原理教学团队", "水声工程基础教学团队", "程序设计基础教学团队"]),
    ],
    "70009_table_spans": [  # spans flattened: the text where the span starts, empty cells after
        ("table/thead/tr/th", ["年级", "项目", "时间", "地点"]),
        ("table/tbody/tr[1]/td", ["一年级", "篮球", "周二 8:00", "体育馆"]),
        ("table/tbody/tr[2]/td", ["", "排球", "周四 8:00", ""]),
        ("table/tbody/tr[3]/td", ["二年级", "游泳（时间另行通知）", "", ""]),
        ("table/tbody/tr[4]/td", ["注：雨雪天气改为室内课。", "", "", ""]),
    ],
    "70010_table_cells_breaks": [
        ("table/thead/tr/th", ["编号", "项目名称", "成员"]),
        ("table/tbody/tr/td", [
            "S001", "水下机器人 自主导航研究", "张三 李四",
            "S002", "校园二手交易平台 | 设计与实现", "王五 赵六 孙七",
        ]),
    ],
    "70011_layout_table": [("table", []), ("p", [
        "近日，2021年全国大学生数学建模竞赛结果揭晓，我校学生获得国家一等奖2项、国家二等奖5项。",
        "本次竞赛共有来自全国1500余所高校的4万余支队伍参赛。",
        "学校高度重视学科竞赛工作，数学科学学院组织了为期一个月的集中培训。",
        "转入文章首发地址",
    ])],
    "70012_image_caption_table": [("table", []), ("p[img]/following-sibling::p[1]", [
        "典礼现场", "", "新生代表发言",
    ])],
    "70013_captions": [("p[img]/following-sibling::p[1]", [
        "会议现场", "校党委书记作工作报告", "与会代表分组讨论",
    ])],
    "70014_blockquote": [("blockquote/p", [
        "读书是学习，使用也是学习，而且是更重要的学习。", "我们不但要读有字之书，还要读无字之书。",
        "本次活动共发放图书300余册。",
    ])],
    "70015_pre": [("pre/code/text()", [
        "  ip addr show\n  ping -c 4 10.0.0.1\n    # 如无响应请联系网络中心\n",
        'ipconfig /all   rem 查看 "DNS 服务器" 一项\nnetsh winsock reset\n',
    ])],
    "70016_spaces": [("p/strong", ["第一章 总 则"])],
    "70017_word_paste": [("descendant::strong|descendant::em", [])],
    "70018_markdown_lookalike": [
        ("table/tbody/tr/td", ["a | b", "按位或", "a || b", "逻辑或"]),
        ("h1|h2|h3|h4|h5|h6|ul|ol|blockquote|hr|dl|pre|descendant::em|descendant::strong", []),
    ],
    "70022_rule_and_dl": [("hr", ["", ""])],
    "70025_heading_syntax": [
        ("h2", ["#1 决赛概况 ##"]),
        ("h3", ["获奖名单 {#winners}", "评委点评"]),
        ("h3/strong", ["评委点评"]),
        ("h4", ["颁奖现场"]),
        ("descendant::*[@id='winners' or @class]", []),  # no heading attributes taken from text
    ],
    "70026_image_links_lists": [("ul/li", ["实验室开放", "专业咨询 各学院设咨询台"]), ("ul/li/br", ["", ""])],
    "70027_inline_misc": [("p/em", ["Nature Communications"])],
    "70028_consecutive_lists": [
        ("ul", ["教师到岗情况 教室设备运行情况", "教材发放情况 学生到课情况"]),
        ("ol", ["第一周：全面检查", "第二周：专项抽查"]),
    ],
    "70029_wps_styles": [("p/strong", ["本网讯", "精神饱满、声情并茂"])],
    "70030_chinese_numbering": [("ol|ul", [])],
    "70031_table_caption_header": [  # the empty fourth column is gone
        ("table/thead/tr/th", ["课程", "日期", "考场"]),
        ("table/preceding-sibling::p[1]", ["研究生课程考试安排表"]),
    ],
    "70032_nested_layout_and_quote_list": [
        ("table", []),
        ("blockquote/ul/li", ["上午：参观校史馆", "下午：校友座谈会"]),
    ],
}


def test_structure_expectations_name_existing_fixtures():
    assert set(STRUCTURE) <= {page.stem for page in CONSTRUCTS}


@pytest.mark.parametrize("stem", sorted(STRUCTURE))
def test_hugo_renders_each_construct(built: BuiltSite, stem: str):
    out = built_page(built, FIXTURES / "constructs" / f"{stem}.html")
    for xpath, expected in STRUCTURE[stem]:
        found = out.content.xpath(xpath)
        values = [item if isinstance(item, str) else visible_text(item) for item in found]
        assert values == expected, xpath


DANGEROUS_TAGS = frozenset(
    "script iframe frame frameset object embed applet form input button svg math style link "
    "base meta".split()
)
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "srcdoc", "xlink:href")


def test_no_executable_html_reaches_the_build(built: BuiltSite):
    """The security fixture's `<script>`, `onerror`, `javascript:`/`vbscript:`/`data:` links,
    `<iframe>`, `<object>` and `<svg onload>`, and every other page, come out inert."""
    assert len(built.pages) == len(CONSTRUCTS)
    for page in built.pages.values():
        for element in page.content.iter():
            if not isinstance(element.tag, str):
                raise AssertionError(f"{page.source}: HTML comment in the content")
            assert element.tag not in DANGEROUS_TAGS, (page.source, element.tag)
        for element in page.html.iter():
            if not isinstance(element.tag, str):
                continue
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (page.source, element.tag, name)
                if name.lower() in URL_ATTRIBUTES:
                    scheme = "".join(value.split()).split(":", 1)[0].lower()
                    assert scheme not in ("javascript", "vbscript", "data"), (page.source, value)
    security = built_page(built, FIXTURES / "constructs" / "70020_security.html")
    assert "alert" not in lxml.html.tostring(security.content, encoding="unicode")
