"""The site plan (pure): order by publication date with the archive time as fallback, months,
and the generated section pages."""

from __future__ import annotations

import json

from archiver.site.inventory import Entry, SourceInfo
from archiver.site.plan import category_slug, plan_site, with_categories

SOURCES = [SourceInfo("a", "甲大学", "a.edu.cn"), SourceInfo("b", "乙大学", "b.edu.cn")]


def entry(source: str, name: str, published: str | None, archived: str = "2024-07-01 03:00:00") -> Entry:
    return Entry(source, f"{source}/{name}.md", f"http://{source}/{name}", f"标题{name}", published, archived)


def test_newest_first_by_publication_then_archive_time():
    entries = [
        entry("a", "old", "2021-01-05T10:00:00+08:00"),
        entry("a", "utc", "2021-03-01T20:00:00+00:00"),  # 2021-03-02 04:00 in China: March
        entry("b", "new", "2021-03-02T09:00:00+08:00"),
        entry("b", "unknown", None, archived="2021-02-10 08:00:00"),
    ]
    plan = plan_site(SOURCES, entries)
    assert plan.data["newest"] == ["b/new.md", "a/utc.md", "b/unknown.md", "a/old.md"]
    assert [plan.data["articles"][p]["r"] for p in plan.data["newest"]] == [0, 1, 2, 3]
    assert plan.data["articles"]["a/utc.md"] == {
        "r": 1, "t": "标题utc", "u": "http://a/utc", "d": "2021-03-02", "p": True}
    assert plan.data["articles"]["b/unknown.md"]["p"] is False
    assert plan.data["months"] == {"2021-03": ["b/new.md", "a/utc.md"], "2021-02": ["b/unknown.md"],
                                   "2021-01": ["a/old.md"]}
    assert [m["key"] for m in plan.data["month_list"]] == ["2021-03", "2021-02", "2021-01"]
    assert plan.data["sources"][0] == {"id": "a", "name": "甲大学", "label": "a.edu.cn", "count": 2,
                                       "newest": "2021-03-02", "oldest": "2021-01-05"}


def test_generated_pages_are_json_front_matter():
    plan = plan_site(SOURCES, [entry("a", "x", "2021-11-24T10:00:00+08:00")])
    assert sorted(plan.pages) == ["_index.md", "a/_index.md", "a/page/1/_index.md", "archive/2021-11/_index.md",
                                  "archive/_index.md", "b/_index.md", "search/_index.md"]
    assert json.loads(plan.pages["archive/2021-11/_index.md"]) == {"title": "2021年11月", "month": "2021-11"}
    assert json.loads(plan.pages["a/_index.md"]) == {
        "title": "甲大学", "label": "a.edu.cn", "items": ["a/x.md"], "older": 0, "pages": 1}
    assert json.loads(plan.pages["b/_index.md"]) == {
        "title": "乙大学", "label": "b.edu.cn", "items": [], "older": 0, "pages": 0}


def pages_of(count: int) -> dict[str, dict]:
    entries = [entry("a", f"n{n:03}", f"2021-01-01T10:{n // 60:02}:{n % 60:02}+08:00") for n in range(count)]
    plan = plan_site(SOURCES, entries)
    return {path: json.loads(text) for path, text in plan.pages.items() if path.startswith("a/")}


def test_source_pages_are_numbered_from_the_oldest_so_new_articles_change_only_the_newest():
    before, after = pages_of(45), pages_of(46)  # 20 + 20 + 5, then one more
    assert before["a/page/1/_index.md"] == {
        "title": "甲大学 · 第 1 页", "page": 1, "items": [f"a/n{n:03}.md" for n in range(19, -1, -1)],
        "newer": 2, "older": 0}
    assert before["a/page/3/_index.md"]["items"] == [f"a/n{n:03}.md" for n in range(44, 39, -1)]
    assert before["a/page/3/_index.md"]["newer"] == 0  # the landing page
    assert {p: v for p, v in after.items() if before.get(p) != v} == {
        "a/page/3/_index.md": after["a/page/3/_index.md"], "a/_index.md": after["a/_index.md"]}
    # the newest page is not full: the landing page shows it and the one before, then page 1
    assert after["a/_index.md"]["items"] == [f"a/n{n:03}.md" for n in range(45, 19, -1)]
    assert (after["a/_index.md"]["older"], after["a/_index.md"]["pages"]) == (1, 3)
    full = pages_of(60)
    assert full["a/_index.md"]["items"] == full["a/page/3/_index.md"]["items"]
    assert full["a/_index.md"]["older"] == 2
    assert pages_of(61)["a/page/3/_index.md"]["newer"] == 4  # the old newest page links onwards


def category_pages(count: int) -> dict[str, dict]:
    """The category pages for `count` articles of source a and one of b: every article of a
    is in 甲类, b's and the first of a's also in 乙类."""
    entries = [entry("a", f"n{n:03}", f"2021-01-01T10:{n // 60:02}:{n % 60:02}+08:00") for n in range(count)]
    entries.append(entry("b", "m", "2020-01-01T10:00:00+08:00"))
    categories = {e.path: ("甲类",) for e in entries if e.source == "a"} | {"b/m.md": ("乙类",), "a/n000.md": ("甲类", "乙类")}
    plan = with_categories(plan_site(SOURCES, entries), categories)
    return {path: json.loads(text) for path, text in plan.pages.items() if path.startswith("categories/")}


def test_category_pages_are_numbered_from_the_oldest_like_a_sources():
    one, other = category_slug("甲类"), category_slug("乙类")
    before, after = category_pages(45), category_pages(46)
    assert before["categories/_index.md"] == {"title": "分类", "terms": [
        {"name": "甲类", "slug": one, "count": 45}, {"name": "乙类", "slug": other, "count": 2}]}
    assert before[f"categories/{one}/page/1/_index.md"] == {
        "title": "甲类 · 第 1 页", "page": 1, "items": [f"a/n{n:03}.md" for n in range(19, -1, -1)],
        "newer": 2, "older": 0}
    assert before[f"categories/{other}/_index.md"]["items"] == ["a/n000.md", "b/m.md"]  # newest first
    assert {p for p, v in after.items() if before.get(p) != v} == {
        "categories/_index.md", f"categories/{one}/_index.md", f"categories/{one}/page/3/_index.md"}
    assert category_slug("甲类") == one and len({one, other}) == 2 and one.isascii()
