"""Hostile titles, site names and bodies: the front matter reads back exactly, Hugo builds every
file, shows each body's text, and runs nothing from it.

Hypothesis generates the articles; each is rendered and checked with PyYAML on the spot (those
failures shrink to a minimal example). All of them are then built in ONE Hugo run (a Hugo start
per example would take minutes) and checked page by page; a failure there names the example's
inputs in full.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import lxml.html
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.config import Source
from archiver.extract import ExtractedArticle
from archiver.normalize import normalise_article
from archiver.article_file.render import render_article
from hugo_site import build_site, visible_text

EXAMPLES = 600
ARCHIVED = datetime(2021, 11, 26, 1, 22, 2, 872027)
BASE = "http://gongxue.cn/info/1141/"

# Pieces that mean something to YAML, Markdown, goldmark's extensions or Hugo itself.
SYNTAX = [
    "\n", "\r\n", "\t", " ", "  ", "\u3000", "\xa0", "\u2028", "\ufeff", "\x00", "\x85",
    ": ", ":", " #", "#", "# ", "---", "...", "--", "-", "- ", "+", "+ ", "=", "==", "1.", "1. ",
    "2)", ">", "> ", "<", '"', "'", "`", "```", "~", "~~", "*", "**", "* ", "_", "__", "[", "]",
    "](", "(", ")", "![", "[^1]:", "{", "}", "{#id}", "{{<", "{{%", ">}}", "%}}", "<!--more-->",
    "|", "|-|", "\\", "&", "&amp;", "&copy;", "&#42;", "!", "@", "%", "^", "$", "?", ",",
    "yes", "no", "null", "~", "true", "0x1F", "0123", "1_000", ".inf", "1:30", "2021-11-26",
    "http://x.cn/a", "https://", "www.x.cn", "a@b.cn", "<script>", "javascript:",
]
CJK = ["中文", "标题", "“", "”", "，", "。", "：", "（", "）", "【", "】", "《", "》", "、", "￥", "©", "·"]


def hostile(characters: st.SearchStrategy[str], max_pieces: int) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(SYNTAX + CJK), st.text(characters, max_size=3))
    return st.lists(piece, max_size=max_pieces).map("".join)


# Any character for front-matter values (they never pass through an HTML parser) ...
VALUE = hostile(st.characters(exclude_categories=("Cs",)), 8)
# ... and for page text, what an HTML page can carry (no control characters or non-characters).
TEXT = hostile(st.characters(exclude_categories=("Cs", "Cc", "Cn")), 5).map(
    lambda s: "".join(c for c in s if c in "\t\n\r" or not (c < " " or "\x7f" <= c <= "\x9f"))
)
HREFS = [
    "/info/1141/2.htm", "../a.htm", "http://x.cn/p?a=1&b=(2)", "https://x.cn/{{<x>}}", "mailto:a@b.cn",
    "#top", "javascript:alert(1)", " JaVaScRiPt:alert(2)", "vbscript:msgbox(1)",
    "data:text/html,<script>alert(3)</script>", "jav\tascript:alert(4)", "", "http://x.cn/a b",
]
SRCS = [
    "/__local/a.jpg", "../b.png", "http://x.cn/c d.jpg", "x\" onerror=\"alert(1)",
    "data:image/png;base64,AAAA", "javascript:alert(5)", "",
]
LEAVES = [
    "<br>", "<br><br>", "<hr>", "<!-- comment -->", "<o:p>&nbsp;</o:p>", "&nbsp;", "\u3000",
    "<script>alert(1)</script>", "<iframe src='http://e.cn/'>框架</iframe>", "<style>p{}</style>",
    "<img src=x onerror=alert(1)>", "<svg onload=alert(1)><text>x</text></svg>",
    "<object data='http://e.cn/a.swf'>对象</object>", "<noscript>无脚本</noscript>",
    "<span style='display:none'>隐藏</span>", "<input value='输入'>",
]
INLINE_TAGS = ["span", "font", "strong", "b", "em", "i", "u", "sup", "sub", "del", "ins", "small", "o:p"]
BLOCK_TAGS = ["p", "div", "center", "h1", "h2", "h3", "h6", "blockquote", "li", "dd", "section"]
STYLES = ["font-weight:bold", "font-style:italic", "mso-bidi-font-weight:bold", "text-align:center",
          "font-weight:normal", "display:none"]


def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    content = st.lists(children, max_size=4).map("".join)
    styled = st.one_of(st.just(""), st.sampled_from(STYLES).map(lambda s: f' style="{s}"'))
    cells = st.lists(st.tuples(content, st.sampled_from(["", " rowspan=2", " colspan=2", " colspan=9"])),
                     min_size=1, max_size=3)

    def wrap(tags: list[str]) -> st.SearchStrategy[str]:
        return st.tuples(st.sampled_from(tags), styled, content).map(
            lambda t: f"<{t[0]}{t[1]}>{t[2]}</{t[0]}>")

    text_cells = st.lists(st.tuples(
        st.one_of(TEXT.map(html.escape), wrap(["strong", "em", "a", "br", "p"])),
        st.sampled_from(["", "", " rowspan=2", " colspan=2", " rowspan=0", " colspan=x"]),
    ), min_size=2, max_size=3)

    return st.one_of(
        st.lists(text_cells, min_size=2, max_size=4).map(table),  # a data table (pipe table)
        wrap(["strong", "b", "em", "i"]),  # emphasis first: what goldmark is pickiest about
        wrap(["p", "div", "h2", "blockquote", "li", "center"]),
        wrap(INLINE_TAGS + BLOCK_TAGS),
        st.tuples(st.sampled_from(HREFS), content).map(
            lambda t: f'<a href="{html.escape(t[0])}">{t[1]}</a>'),
        st.tuples(st.sampled_from(["ul", "ol"]), st.lists(content, min_size=1, max_size=3)).map(
            lambda t: f"<{t[0]}>" + "".join(f"<li>{item}</li>" for item in t[1]) + f"</{t[0]}>"),
        st.lists(cells, min_size=1, max_size=3).map(table),
        content.map(lambda c: f"<pre>{c}</pre>"),
    )


def table(rows: list[list[tuple[str, str]]]) -> str:
    return "<table>" + "".join(
        "<tr>" + "".join(f"<td{span}>{text}</td>" for text, span in row) + "</tr>" for row in rows
    ) + "</table>"


LEAF = st.one_of(
    TEXT.map(html.escape),
    st.sampled_from(LEAVES),
    st.sampled_from(SRCS).map(lambda src: f'<img src="{html.escape(src)}">'),
)
BODY = st.recursive(LEAF, element, max_leaves=24).map(lambda s: f'<div class="v_news_content">{s}</div>')


@dataclass
class Case:
    """One generated article and everything needed to check Hugo's view of it."""

    name: str
    url: str
    title: str
    site_name: str
    label: str
    body_html: str
    text: str

    @property
    def expected_title(self) -> str:
        return f"{self.site_name}->{self.title} | {self.label}"


def source_for(site_name: str, label: str) -> Source:
    return Source(id="h", name=site_name, label=label, start_urls=("http://gongxue.cn/xw.htm",))


def front_matter(text: str) -> dict:
    """The front matter as a YAML parser sees it: between the first two `---` lines."""
    assert text.startswith("---\n")
    head, separator, _ = text[4:].partition("\n---\n")
    assert separator, "front matter is not closed"
    return yaml.safe_load(head)


def expected_front_matter(case: Case) -> dict:
    digest = hashlib.md5(case.url.encode("utf-8")).hexdigest()
    return {
        "title": case.expected_title, "date": ARCHIVED, "urlname": digest, "slug": digest,
        "tags": [case.site_name], "categories": [case.label, case.site_name],
        "authorbox": False, "sidebar": False,
    }


def test_hostile_articles_round_trip_through_yaml_and_hugo(tmp_path: Path):
    """Generates EXAMPLES articles (>= 500, as CI requires), checks each with PyYAML, then builds
    them all with Hugo in one run and checks every page."""
    cases: list[Case] = []
    files: dict[str, str] = {}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(title=VALUE, site_name=VALUE, label=VALUE, body_html=BODY)
    def render_one(title: str, site_name: str, label: str, body_html: str) -> None:
        url = f"{BASE}{len(cases)}.htm"
        body = lxml.html.fragment_fromstring(body_html)
        article = ExtractedArticle(url=url, title=title, published=None, body=body)
        text = render_article(normalise_article(article), source_for(site_name, label), ARCHIVED)
        case = Case(f"{len(cases)}.md", url, title, site_name, label, body_html, text)
        assert front_matter(text) == expected_front_matter(case)
        cases.append(case)
        files[case.name] = text

    render_one()
    assert len(cases) >= 500
    site = build_site(tmp_path / "hugo", files)
    assert sorted(site.pages) == sorted(files)
    assert "WARN" not in site.output and "ERROR" not in site.output, site.output
    for case in cases:
        check_page(site.pages[case.name], case)


def check_page(page, case: Case) -> None:
    where = f"\n{case!r}"
    matter = page.front_matter
    digest = hashlib.md5(case.url.encode("utf-8")).hexdigest()
    assert matter["title"] == case.expected_title, where
    assert matter["slug"] == digest, where
    assert matter["date"] == "2021-11-26 01:22:02.872027", where
    params = matter["params"]
    assert params["tags"] == [case.site_name], where
    assert params["categories"] == [case.label, case.site_name], where
    assert (params["urlname"], params["authorbox"], params["sidebar"]) == (digest, False, False), where
    assert set(params) == {
        "title", "date", "urlname", "slug", "tags", "categories", "authorbox", "sidebar",
        "draft", "iscjklanguage", "lastmod", "publishdate",
    }, where
    source = lxml.html.fragment_fromstring(case.body_html)
    text = visible_text(page.content)
    assert text.endswith("转入文章首发地址"), where
    text = text.removesuffix("转入文章首发地址").rstrip()
    expected = visible_text(source)
    if text != expected:  # `<!--more-->` split a paragraph: one space more, where the summary ends
        summary = visible_text(page.summary)
        assert text.startswith(summary + " ") and summary + text[len(summary) + 1:] == expected, (
            f"{where}\nsource: {expected!r}\nhugo:   {text!r}"
        )
    for element in page.content.iterdescendants():
        assert isinstance(element.tag, str), f"HTML comment (raw HTML omitted?){where}"
        assert element.tag in SAFE_TAGS, f"{element.tag}{where}"
        for name, value in element.attrib.items():
            assert name in SAFE_ATTRIBUTES, f"{name}{where}"
            if name in ("href", "src"):
                assert unquote(value).split(":", 1)[0] in ("http", "https", "mailto"), f"{value}{where}"


# Everything goldmark may produce from the archive's Markdown; anything else came from a page.
SAFE_TAGS = frozenset(
    "p br strong em a img h1 h2 h3 h4 h5 h6 ul ol li table thead tbody tr th td blockquote pre "
    "code hr".split()
)
SAFE_ATTRIBUTES = frozenset({"href", "src", "alt", "id", "start", "tabindex"})
