"""What an incremental site build renders (`archiver.site.changes`, pure): from the last
build's manifest and the articles now, the pages, lists and months, and when to build or index
everything instead."""

from __future__ import annotations

from archiver.site.changes import MAX_BUNDLES, find_changes, segment_config
from archiver.site.manifest import ArticleState, Manifest
from archiver.site.plan import category_slug


def state(page: str, month: str = "2021-11", boxed: bool = False) -> ArticleState:
    return ArticleState((1, 1), "sha", page, month, boxed, "slug")


BEFORE = {"a/x.md": state("1"), "a/y.md": state("2", "2021-10"), "b/z.md": state("3", boxed=True),
          **{f"a/old{n}.md": state(f"old{n}", "2021-01") for n in range(100)}}


LISTS = {"_index.md": "h0", "a/_index.md": "h1", "a/page/1/_index.md": "h2", "a/page/2/_index.md": "h3"}


def manifest(articles: dict[str, ArticleState] = BEFORE, bundles: int = 0) -> Manifest:
    return Manifest("frame", dict(articles), dict(LISTS), indexed=len(articles),
                    bundles=[{"name": f"pagefind-add-{n}", "pages": 1} for n in range(bundles)])


def test_new_articles_render_their_pages_lists_and_months():
    now = {**BEFORE, "a/new.md": state("4", "2021-12")}
    changes = find_changes(manifest(), "frame", now, LISTS)
    assert not changes.full and not changes.search_full
    assert (changes.sources, changes.boxed_sources, changes.months) == (("a",), ("b",), ("2021-12",))
    assert changes.added == changes.pages == ("a/new.md",)
    config = segment_config(changes)
    assert config == (
        "[segments.archiver-changed]\n"
        "[[segments.archiver-changed.includes]]\n"
        'kind = "home"\n'
        "[[segments.archiver-changed.includes]]\n"
        'path = "{/a,/a/new,/archive,/archive/2021-12,/search}"\n'
        "[[segments.archiver-changed.includes]]\n"
        'kind = "page"\n'
        'path = "{/b/**}"\n')  # b's boxed pages show every source's month counts


def test_a_changed_article_in_a_boxed_source_renders_the_sources_boxed_pages_and_indexes_all():
    now = {**BEFORE, "b/z.md": state("changed", "2021-09", boxed=True)}
    changes = find_changes(manifest(), "frame", now, LISTS)
    assert changes.search_full and changes.added == () and changes.pages == ("b/z.md",)
    assert changes.months == ("2021-09", "2021-11")  # the month it left and the one it joined
    assert segment_config(changes).endswith(
        '[[segments.archiver-changed.includes]]\nkind = "page"\npath = "{/b/**}"\n')


def test_names_hugo_would_normalise_render_the_whole_source():
    changes = find_changes(manifest(), "frame", {**BEFORE, "a/Some Name.md": state("5")}, LISTS)
    assert 'kind = "page"\npath = "{/a/**,/b/**}"' in segment_config(changes)
    assert find_changes(manifest(), "frame", {**BEFORE, "Src/x.md": state("5")}, LISTS).full


def test_full_builds():
    assert find_changes(None, "frame", BEFORE, LISTS).reason == "first build"
    assert find_changes(manifest(), "other", BEFORE, LISTS).full
    assert find_changes(manifest(), "frame", {"a/x.md": BEFORE["a/x.md"]}, LISTS).reason == "articles were removed"


def test_extra_search_bundles_are_compacted():
    def new(count: int) -> dict[str, ArticleState]:
        return {**BEFORE, **{f"a/new{n}.md": state(f"new{n}") for n in range(count)}}

    assert not find_changes(manifest(bundles=MAX_BUNDLES - 1), "frame", new(3), LISTS).search_full
    assert find_changes(manifest(bundles=MAX_BUNDLES), "frame", new(1), LISTS).search_full
    # 11 new of 114 pages: 9.6 % in extra bundles; 12 of 115: 10.4 %
    assert not find_changes(manifest(), "frame", new(11), LISTS).search_full
    assert find_changes(manifest(), "frame", new(12), LISTS).search_full
    assert not find_changes(manifest(), "frame", BEFORE, LISTS).search_full  # nothing new


def test_only_the_list_pages_whose_front_matter_changed_are_rendered():
    """A source's numbered pages count from the oldest article: a new one changes the newest
    page (and the landing page, the home page), not the older pages."""
    lists = {**LISTS, "_index.md": "new", "a/_index.md": "new", "a/page/2/_index.md": "new",
             "a/page/3/_index.md": "new"}
    changes = find_changes(manifest(), "frame", {**BEFORE, "a/new.md": state("4", "2021-12")}, lists)
    assert changes.lists == ("_index.md", "a/_index.md", "a/page/2/_index.md", "a/page/3/_index.md")
    assert 'path = "{/a,/a/new,/a/page/2,/a/page/3,/archive,/archive/2021-12,/search}"\n' in segment_config(changes)
    gone = {path: sha for path, sha in LISTS.items() if path != "a/page/2/_index.md"}
    assert find_changes(manifest(), "frame", BEFORE, gone).reason == "list pages were removed"


def test_a_changed_article_renders_every_numbered_page_of_its_source():
    changes = find_changes(manifest(), "frame", {**BEFORE, "a/x.md": state("changed")}, LISTS)
    assert changes.lists == ()
    assert 'path = "{/a,/a/page/**,/a/x,/archive,/archive/2021-11,/search}"\n' in segment_config(changes)


def test_a_changed_article_renders_every_page_of_its_categories():
    before = {**BEFORE, "a/x.md": ArticleState((1, 1), "sha", "1", "2021-11", False, "slug", ("旧", "both"))}
    after = {**BEFORE, "a/x.md": ArticleState((1, 1), "sha", "2", "2021-11", False, "slug", ("新", "both"))}
    changes = find_changes(manifest(before), "frame", after, LISTS)
    slugs = sorted(category_slug(name) for name in ("旧", "新", "both"))
    assert changes.categories == tuple(slugs)
    config = segment_config(changes)
    assert all(f"/categories/{slug}," in config and f"/categories/{slug}/page/**" in config for slug in slugs)
