"""Items are plain data: what the spider hands to the pipelines survives pickling (no parsed page
travels with it), and the videos of a page are found while it is read, not later."""

from __future__ import annotations

import json
import pickle

from archiver.catalog import MediaRecord
from archiver.cms import PRESETS
from archiver.extract import decode_html, extract_article
from archiver.items import ArticleItem, MediaRetryItem
from conftest import FIXTURES

PAGES = FIXTURES / "pages"


def test_an_article_item_pickles_with_its_videos() -> None:
    expected = json.loads((PAGES / "vsb_h4_video.json").read_text(encoding="utf-8"))
    page = decode_html((PAGES / "vsb_h4_video.html").read_bytes())
    item = ArticleItem.read("hrbeu", extract_article(page, expected["url"], PRESETS["vsb"]))
    copy = pickle.loads(pickle.dumps(item))
    assert copy == item
    assert copy.article.title == expected["title"]
    assert [r.url for r in copy.refs if r.kind == "video"] == expected["videos"]
    assert [r.url for r in copy.refs if r.kind == "image"] == expected["images"]


def test_a_media_retry_item_pickles() -> None:
    item = MediaRetryItem("hrbeu", "http://gongxue.cn/info/1141/1.htm",
                          [MediaRecord("image", 0, "http://gongxue.cn/a.jpg", state="failed")])
    assert pickle.loads(pickle.dumps(item)) == item
