"""Front matter values that YAML or Hugo could misread, read back exactly by PyYAML and by Hugo,
and no value can add or change a key. (tests/test_hugo_properties.py does the same for
generated values; these are the cases FORMAT.md lists, always checked.)"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from archiver.config import Source
from archiver.normalize import NormalisedArticle
from archiver.article_file.render import render_article
from hugo_site import build_site

ARCHIVED = datetime(2021, 11, 26, 1, 22, 2, 872027)
NAME, LABEL = "哈尔滨工程大学", "hrbeu.com.cn"
HOSTILE_TITLES = [
    "学校举行第二期“党建业务深度融合”主题交流会",
    # FORMAT.md: unquoted, these fail the build ...
    "a: b", "ends with:", "*star", "%pct", "@at", "`tick", "[x]", "{x}", '"q"', "'q'", "| pipe",
    "> gt", "- dash", "line\nbreak",
    # ... or read back wrong
    "a #x", "&a x", "!a x", " padded ", "null", "~", "True", "yes", "no", "on", "off", "0123",
    "0x1F", "1_000", ".inf", "0o17", "+.5", "1.5e3", "123", "1:30", "2021-11-26",
    # trying to end the front matter or add keys
    "x\n---\nurlname: evil", "x\ndraft: true", 'x"\ndraft: true\ntitle: "y', "---", "...",
    "x\r\ndraft: true", "x\u2028draft: true", "x\u0085draft: true", "\ufeffbom", "tab\there",
    "back\\slash", "\x00nul", "\x7fdel", "emoji 😀", "{{< shortcode >}}", "<!--more-->",
    "<script>alert(1)</script>", "",
]


def render(title: str, index: int, name: str = NAME, label: str = LABEL) -> str:
    source = Source(id="hrbeu", name=name, label=label, start_urls=("http://gongxue.cn/xw.htm",))
    article = NormalisedArticle(url=f"http://gongxue.cn/info/1141/{index}.htm", title=title, published=None)
    return render_article(article, source, ARCHIVED)


def front_matter(text: str) -> dict:
    head, separator, _ = text.removeprefix("---\n").partition("\n---\n")
    assert separator
    return yaml.safe_load(head)


def test_plain_titles_stay_unquoted_as_in_the_sample():
    assert render(HOSTILE_TITLES[0], 1).split("\n")[1] == (
        "title: 哈尔滨工程大学->学校举行第二期“党建业务深度融合”主题交流会 | hrbeu.com.cn"
    )


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_pyyaml_reads_every_value_back_exactly(title):
    digest = hashlib.md5(b"http://gongxue.cn/info/1141/7.htm").hexdigest()
    assert front_matter(render(title, 7, name=title, label=title)) == {
        "title": f"{title}->{title} | {title}", "date": ARCHIVED, "urlname": digest, "slug": digest,
        "tags": [title], "categories": [title, title], "authorbox": False, "sidebar": False,
    }


def test_hugo_reads_every_title_back_exactly(tmp_path: Path):
    files = {f"{i}.md": render(title, i) for i, title in enumerate(HOSTILE_TITLES)}
    files.update({f"n{i}.md": render("标题", 1000 + i, name=t, label=t) for i, t in enumerate(HOSTILE_TITLES)})
    site = build_site(tmp_path, files)
    for i, title in enumerate(HOSTILE_TITLES):
        matter = site.pages[f"{i}.md"].front_matter
        assert matter["title"] == f"{NAME}->{title} | {LABEL}"
        assert set(matter["params"]) == {
            "title", "date", "urlname", "slug", "tags", "categories", "authorbox", "sidebar",
            "draft", "iscjklanguage", "lastmod", "publishdate",
        }
        assert matter["params"]["draft"] is False
        params = site.pages[f"n{i}.md"].front_matter["params"]
        assert (params["tags"], params["categories"]) == ([title], [title, title])
