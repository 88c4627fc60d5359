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
