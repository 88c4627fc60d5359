"""CMS recognition (`cms: auto`), the presets in the configuration, and list-page pagers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.cms import PRESETS, detect_preset
from archiver.cms.detect import count_markers
from archiver.cms.listing import read_list
from archiver.config import ConfigError, parse_config
from archiver.extract import decode_html, parse_html

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
LISTS = json.loads((PAGES / "lists.json").read_text(encoding="utf-8"))


def page(name: str) -> str:
    return decode_html((PAGES / f"{name}.html").read_bytes())


@pytest.mark.parametrize("name, cms", [
    ("vsb_meta_title", "vsb"), ("vsb_table_layout_gbk", "vsb"), ("vsb_h4_video", "vsb"),
    ("vsb_list_old_pager", "vsb"), ("webplus_article", "webplus"), ("webplus_pdf_only", "webplus"),
    ("webplus_list_first", "webplus"), ("generic_article", "generic"),
])
def test_recognises_the_cms_from_the_page(name: str, cms: str) -> None:
    assert detect_preset(page(name)).name == cms
    assert detect_preset(parse_html(page(name))).name == cms


def test_as_many_marks_of_each_is_not_a_guess() -> None:
    html = '<script src="/system/resource/js/x.js"></script><div class="wp_articlecontent">x</div>'
    assert count_markers(html) == {"vsb": 1, "webplus": 1}
    assert detect_preset(html).name == "generic"


SOURCE = "sources:\n  s:\n    name: 某大学\n    label: x.edu.cn\n    cms: {cms}\n    start_urls: [http://x.edu.cn/xw.htm]\n"


@pytest.mark.parametrize("cms", ["vsb", "webplus", "auto"])
def test_config_accepts_every_preset(cms: str) -> None:
    source = parse_config(SOURCE.format(cms=cms), Path("sources.yaml")).sources["s"]
    assert source.preset is PRESETS[cms]
    assert source.list_items_selector and source.next_page_selector


def test_generic_sources_must_say_where_the_list_is() -> None:
    with pytest.raises(ConfigError, match="source 's': key 'list.items': cms 'generic' has no default"):
        parse_config(SOURCE.format(cms="generic"), Path("sources.yaml"))
    text = SOURCE.format(cms="generic") + "    list:\n      items: ul.news a\n"
    source = parse_config(text, Path("sources.yaml")).sources["s"]
    assert source.preset is PRESETS["generic"] and source.list_items_selector == "ul.news a"


def test_config_names_the_known_presets_for_an_unknown_one() -> None:
    text = "sources:\n  s:\n    name: a\n    label: b\n    cms: joomla\n    start_urls: [http://x.cn/]\n"
    with pytest.raises(ConfigError, match="unknown CMS 'joomla' .*vsb, webplus, auto, generic"):
        parse_config(text, Path("sources.yaml"))


def test_auto_lists_read_both_cms_list_pages() -> None:
    """The spider applies one selector to every list page; auto's covers VSB and WebPlus."""
    auto = PRESETS["auto"]
    for name in ("vsb_list_new_pager", "webplus_list_first"):
        doc = parse_html(page(name))
        hrefs = {a.get("href") for a in doc.cssselect(auto.list_items)}
        assert len(hrefs) == LISTS[name]["links"], name
        assert len(doc.cssselect(auto.next_page)) >= 1
    # WebPlus's last page has only javascript: next links: nothing to follow.
    assert parse_html(page("webplus_list_last")).cssselect(auto.next_page) == []


def test_webplus_list_items_leave_out_the_sidebar_and_the_pager() -> None:
    doc = parse_html(page("webplus_list_first"))
    hrefs = [a.get("href") for a in doc.cssselect(PRESETS["webplus"].list_items)]
    assert all("/c24258a" in h for h in hrefs)
    assert not any("c24257a" in h or "list" in h for h in hrefs)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_page_reading(name: str) -> None:
    expected = LISTS[name]
    html = page(name)
    preset = detect_preset(html)
    reading = read_list(parse_html(html), expected["url"], preset)
    assert preset.name == expected["cms"]
    assert len(reading.links) == expected["links"]
    assert reading.links[0] == expected["first_link"]
    assert reading.items_selector == expected["items_selector"]
    assert reading.next_url == expected["next_url"]
    assert reading.next_selector == expected["next_selector"]
    pager = reading.pager
    assert {"current": pager.current, "total": pager.total, "items": pager.items,
            "numbering": pager.numbering} == expected["pager"]


def test_a_pager_without_preset_classes_is_found_by_its_text() -> None:
    html = """<html><body><div class="news"><ul class="items">
    <li><a href="/info/7/1.htm">第一篇新闻的标题文字</a></li><li><a href="/info/7/2.htm">第二篇新闻的标题文字</a></li>
    <li><a href="/info/7/3.htm">第三篇新闻的标题文字</a></li></ul></div>
    <div class="pages"><a href="list_1.htm">上一页</a><a href="list_3.htm">下一页</a></div></body></html>"""
    vsb = read_list(parse_html(html), "http://x.cn/news/list_2.htm", PRESETS["vsb"])
    assert vsb.links == [f"http://x.cn/info/7/{n}.htm" for n in (1, 2, 3)]
    assert vsb.items_selector == "ul.items a[href]"
    assert vsb.next_url == "http://x.cn/news/list_3.htm"
    assert vsb.next_selector == 'a[href]:contains("下一页"):not([href^="javascript"])'
    assert vsb.pager.numbering == "up"
    # The generic preset's own pager rule is that text match: nothing to add to the source.
    generic = read_list(parse_html(html), "http://x.cn/news/list_2.htm", PRESETS["generic"])
    assert generic.links == vsb.links and generic.items_selector == "ul.items a[href]"
    assert (generic.next_url, generic.next_selector) == ("http://x.cn/news/list_3.htm", None)
