"""The article file's format read back as written: render → parse → render gives the same bytes,
for every fixture article of the test suite (the hand-written pages, the Markdown constructs and
the sample page), so the renderer (`archiver.article_file.render`) and the readers (`archiver.article_file.parse`,
`archiver.article_file.front_matter`, used by export, verify and repair) cannot drift apart."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from archiver.cms import PRESETS
from archiver.config import FrontMatter, Source
from archiver.article_file.parse import split_article_file
from archiver.article_file.front_matter import article_title, read_front_matter, site_names
from archiver.extract import Attachment, decode_html, extract_article
from archiver.normalize import NormalisedArticle, normalise_article
from archiver.article_file.render import render_article
from conftest import FIXTURES

ARCHIVED = datetime(2021, 11, 26, 1, 22, 2, 872027)
HRBEU = Source(id="hrbeu", name="哈尔滨工程大学", label="hrbeu.com.cn",
               start_urls=("http://gongxue.cn/xw.htm",))
# A second layout: title slugs, another title format, tags and categories, no divider.
OTHER = replace(HRBEU, slug="title", summary_chars=0, front_matter=FrontMatter(
    title_format="{title} | {label}", tags=("{name}", "新闻"), categories=("{label}",)))


def fixture_articles() -> list[object]:
    """(page, URL, preset) of every article page among the fixtures, named by the page."""
    pages = FIXTURES / "pages"
    cases = []
    for answer in sorted(pages.glob("*.json")):
        if answer.stem != "lists":
            expected = json.loads(answer.read_text(encoding="utf-8"))
            cases.append(pytest.param(pages / f"{answer.stem}.html", expected["url"], expected["cms"], id=answer.stem))
    for page in sorted((FIXTURES / "constructs").glob("*.html")):
        url = f"http://gongxue.cn/info/1141/{page.stem.split('_')[0]}.htm"
        cases.append(pytest.param(page, url, "vsb", id=page.stem))
    sample = FIXTURES / "gongxue_68951.html"
    cases.append(pytest.param(sample, "http://gongxue.cn/info/1141/68951.htm", "vsb", id="sample"))
    return cases


def reparsed(text: str, article: NormalisedArticle, source: Source) -> tuple[NormalisedArticle, datetime]:
    """The article as its file says it: URL, title, attachments, body and archive date all read
    back from `text` (the body's blocks are the original's once their Markdown is checked)."""
    parts = split_article_file(text)
    fields = read_front_matter(parts.front_matter)
    title = article_title(fields, source.front_matter, site_names(fields, source.front_matter))
    assert parts.markdown == article.markdown
    assert title is not None
    again = replace(article, url=parts.source_url, title=title,
                    attachments=[Attachment(name=name, href=url) for name, url in parts.attachments])
    return again, fields.date


@pytest.mark.parametrize("source", [HRBEU, OTHER], ids=["sample_layout", "other_layout"])
@pytest.mark.parametrize("page, url, preset", fixture_articles())
def test_render_parse_render_is_identical(page: Path, url: str, preset: str, source: Source) -> None:
    extracted = extract_article(decode_html(page.read_bytes()), url, PRESETS[preset])
    article = normalise_article(extracted)
    text = render_article(article, source, ARCHIVED)
    again, archived = reparsed(text, article, source)
    assert archived == ARCHIVED
    assert render_article(again, source, archived) == text
