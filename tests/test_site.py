"""`archiver site build` over a real two-source crawl (200 replica articles), checked in the
built HTML: every article page, its images, attachments and original link; every list reaching
every article newest first; every internal link resolving to a file."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import pytest

from archiver.site.plan import category_slug
from conftest import run_archiver
from hugo_site import visible_text
from site_archive import build, crawl, replica_sites

ARTICLES = 100  # per source
ROOT = "http://site.test/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("site")
    sites = replica_sites(ARTICLES)
    crawl(folder, sites)
    result = build(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return {"folder": folder, "sites": sites, "public": folder / "site" / "public", "result": result}


def file_for(public: Path, url: str) -> Path:
    """The file a site URL (`http://site.test/…`) is served from."""
    path = unquote(urlsplit(url).path).lstrip("/")
    return public / path / "index.html" if path == "" or path.endswith("/") else public / path


def url_for(public: Path, file: Path) -> str:
    relative = file.relative_to(public).as_posix()
    return ROOT + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)


def parse(public: Path, url: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(file_for(public, url).read_text(encoding="utf-8"))


def article_url(source: str, url: str) -> str:
    return f"{ROOT}{source}/{hashlib.md5(url.encode()).hexdigest()}/"


def walk_list(public: Path, start: str) -> Iterator[tuple[str, str]]:
    """(article URL, shown date) of every item of a paginated list, following 下一页."""
    url: str | None = start
    pages = 0
    while url:
        page = parse(public, url)
        for item in page.xpath("//ol[@class='items']/li"):
            yield urljoin(url, item.xpath(".//a[@class='title']/@href")[0]), item.findtext(".//time")
        pages += 1
        following = page.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        url = urljoin(url, following[0]) if following else None
        assert pages < 100, "pager loops"


def test_the_build_reports_every_article_searchable(built):
    assert built["result"].stdout.startswith(
        "site: 200 articles from 2 sources, 200 pages searchable, "), built["result"].stdout
    assert (built["public"] / "pagefind" / "pagefind-ui.js").is_file()
    assert (built["public"] / "pagefind" / "pagefind-entry.json").is_file()


@pytest.mark.parametrize("source", ["hrbeu", "nefu"])
def test_every_article_has_its_page(built, source):
    """Title, body text, local images with the site's bytes, attachments, original link."""
    public, site = built["public"], built["sites"][source]
    for index in range(ARTICLES):
        article = site.article(index)
        url = article_url(source, article.url)
        page = parse(public, url)
        assert page.findtext(".//h1") == article.title
        text = "".join(visible_text(page.xpath("//div[@class='content']")[0]).split())
        for paragraph in article.paragraphs:  # the page may break a paragraph at a <br>
            assert "".join(paragraph.split()) in text, (url, paragraph)
        images = page.xpath("//div[@class='content']//img/@src")
        assert len(images) == len(article.images)
        for src, original in zip(images, article.images):
            assert file_for(public, urljoin(url, src)).read_bytes() == site.render(urlsplit(original).path).body
        files = [href for href in page.xpath("//div[@class='content']//a/@href") if "/files/" in href]
        assert len(files) == len(article.attachments)
        for href, (_, original) in zip(files, article.attachments):
            served = site.render(urlsplit(original).path + "?" + urlsplit(original).query)
            assert file_for(public, urljoin(url, href)).read_bytes() == served.body
        assert page.xpath("//a[@class='original']/@href") == [article.url]
        assert page.findtext(".//time[@class='published']") == f"发布于 {article.published_visible:%Y-%m-%d}"


@pytest.mark.parametrize("source", ["hrbeu", "nefu"])
def test_the_source_list_reaches_every_article_newest_first(built, source):
    public, site = built["public"], built["sites"][source]
    found = list(walk_list(public, f"{ROOT}{source}/"))
    articles = [site.article(i) for i in range(ARTICLES)]
    # newest first by the date the page shows; equal dates by file name, descending
    articles.sort(key=lambda a: (a.published_visible, hashlib.md5(a.url.encode()).hexdigest()), reverse=True)
    assert [u for u, _ in found] == [article_url(source, a.url) for a in articles]
    assert [day for _, day in found] == sorted((day for _, day in found), reverse=True)
    assert len(found) == ARTICLES and len(set(found)) == ARTICLES
    assert len(list(parse(public, f"{ROOT}{source}/").iterfind(".//ol[@class='items']/li"))) == 20


def test_the_month_archive_reaches_every_article_in_its_month(built):
    public, sites = built["public"], built["sites"]
    month_of = {article_url(s, a.url): f"{a.published_visible:%Y-%m}"
                for s, site in sites.items() for a in map(site.article, range(ARTICLES))}
    overview = parse(public, f"{ROOT}archive/")
    months = [urljoin(f"{ROOT}archive/", href) for href in overview.xpath("//a[@class='month']/@href")]
    seen = []
    for month in months:
        key = re.search(r"/archive/(\d{4}-\d{2})/$", month).group(1)
        items = list(walk_list(public, month))
        assert items and all(month_of[u] == key for u, _ in items), month
        seen += [u for u, _ in items]
    assert sorted(seen) == sorted(month_of)
    assert months == sorted(months, reverse=True)


def test_category_pages_reach_every_article(built):
    public, sites = built["public"], built["sites"]
    index = parse(public, f"{ROOT}categories/")
    terms = {a.text: urljoin(f"{ROOT}categories/", a.get("href")) for a in index.xpath("//ul[@class='terms']//a")}
    assert set(terms) == {"hrbeu.com.cn", "哈尔滨工程大学", "news.nefu.edu.cn", "东北林业大学"}
    for term, source in (("hrbeu.com.cn", "hrbeu"), ("东北林业大学", "nefu")):
        found = sorted(u for u, _ in walk_list(public, terms[term]))
        site = sites[source]
        assert found == sorted(article_url(source, site.article(i).url) for i in range(ARTICLES))


def test_the_home_page_lists_both_sources_and_the_newest(built):
    public, sites = built["public"], built["sites"]
    home = parse(public, ROOT)
    sources = [(li.findtext(".//a[@class='name']"), li.findtext(".//span[@class='count']"))
               for li in home.xpath("//li[@class='source-card']")]
    assert sorted(sources) == [("东北林业大学", "100 篇"), ("哈尔滨工程大学", "100 篇")]
    newest = max((a for s in sites.values() for a in map(s.article, range(ARTICLES))),
                 key=lambda a: a.published_visible)
    assert home.xpath("//section[@class='newest']//a[@class='title']")[0].text == newest.title


def test_authorbox_and_sidebar_follow_the_front_matter(built):
    public, sites = built["public"], built["sites"]
    plain = parse(public, article_url("hrbeu", sites["hrbeu"].article(0).url))
    boxed_url = article_url("nefu", sites["nefu"].article(0).url)
    boxed = parse(public, boxed_url)
    assert not plain.xpath("//aside") and plain.xpath("//div[@class='layout']")
    assert boxed.xpath("//div[@class='layout with-sidebar']")
    box = boxed.xpath("//aside[@class='authorbox']")[0]
    assert "东北林业大学" in visible_text(box) and sites["nefu"].article(0).url in visible_text(box)
    recent = boxed.xpath("//aside[@class='sidebar']//section[1]//a/@href")
    assert len(recent) == 8 and all(urljoin(boxed_url, h).startswith(f"{ROOT}nefu/") for h in recent)


def broken_links(public: Path) -> tuple[list[tuple[Path, str]], int]:
    """(file, link) of every href and src of every built page that stays on the site and names
    no file; and how many such links there are."""
    broken, checked = [], 0
    for file in public.rglob("*.html"):
        base = url_for(public, file)
        html = lxml.html.document_fromstring(file.read_text(encoding="utf-8"))
        for link in html.xpath("//a/@href | //img/@src | //link/@href | //script/@src | //form/@action"):
            target = urljoin(base, link)
            if not target.startswith(ROOT):
                assert urlsplit(target).scheme in ("http", "https"), (file, link)
                continue
            if not file_for(public, target.split("#")[0].split("?")[0]).is_file():
                broken.append((file, link))
            checked += 1
    return broken, checked


def test_no_internal_link_is_broken(built):
    public = built["public"]
    assert len(list(public.rglob("*.html"))) > 200
    broken, checked = broken_links(public)
    assert not broken
    assert checked > 4000


def built_files(public: Path) -> dict[str, bytes]:
    """Every file of a built site except the search index (its file names follow its content)."""
    return {path.relative_to(public).as_posix(): path.read_bytes() for path in public.rglob("*")
            if path.is_file() and not path.relative_to(public).parts[0].startswith("pagefind")}


def indexed_urls(bundle: Path) -> set[str]:
    """The page URLs a Pagefind bundle holds (its fragments: gzip, a signature, then JSON)."""
    urls = set()
    for fragment in (bundle / "fragment").iterdir():
        data = gzip.decompress(fragment.read_bytes())
        urls.add(json.loads(data[data.index(b"{"):])["url"])
    return urls


def cold_build(folder: Path) -> Path:
    shutil.rmtree(folder / "cold", ignore_errors=True)
    result = run_archiver(["site", "build", "--to", "cold"], cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "cold" / "public"


def test_an_incremental_rebuild_equals_a_cold_build(tmp_path):
    """After a crawl, only the changed pages are rendered and only the new ones indexed, and
    the site is byte for byte what a build from scratch gives (the search index aside)."""
    sites = replica_sites(21)  # a second list page: numbered from the oldest, the first stays
    crawl(tmp_path, sites)
    assert build(tmp_path).returncode == 0
    public = tmp_path / "site" / "public"
    assert (public / "pagefind-bundles.js").read_text() == "window.ARCHIVER_SEARCH_BUNDLES = [];\n"
    untouched = public / "hrbeu" / hashlib.md5(sites["hrbeu"].article(0).url.encode()).hexdigest() / "index.html"
    oldest_page = public / "hrbeu" / "page" / "1" / "index.html"
    oldest_category = public / "categories" / category_slug("哈尔滨工程大学") / "page" / "1" / "index.html"
    before, oldest_before = untouched.stat().st_mtime_ns, oldest_page.stat().st_mtime_ns
    category_before = oldest_category.stat().st_mtime_ns
    sites["hrbeu"].add_articles(2)  # nefu's pages show sidebars with every source's month counts
    crawl(tmp_path, {"hrbeu": sites["hrbeu"]}, command="crawl")
    result = build(tmp_path)
    assert result.stdout.startswith("site: 44 articles from 2 sources, 44 pages searchable, "), result.stdout
    assert "; incremental: 2 article pages changed, 2 added to the search index; " in result.stdout
    assert untouched.stat().st_mtime_ns == before  # not rendered again
    assert oldest_page.stat().st_mtime_ns == oldest_before  # the new articles went to page 2
    assert oldest_category.stat().st_mtime_ns == category_before  # so do the categories' lists
    assert built_files(public) == built_files(cold_build(tmp_path))
    broken, checked = broken_links(public)
    assert not broken and checked > 500
    new = {article_url("hrbeu", sites["hrbeu"].article(i).url)[len(ROOT) - 1:] for i in (21, 22)}
    assert indexed_urls(public / "pagefind-add-1") == new
    assert (public / "pagefind-bundles.js").read_text() == 'window.ARCHIVER_SEARCH_BUNDLES = ["pagefind-add-1"];\n'
    assert build(tmp_path).stdout.startswith("site: up to date (44 articles from 2 sources")

    # an article rewritten (a later crawl found it edited): its pages again, and a full index
    edited = tmp_path / "output" / "hrbeu" / f"{hashlib.md5(sites['hrbeu'].article(5).url.encode()).hexdigest()}.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n后来补充的一段话。\n", encoding="utf-8")
    result = build(tmp_path)
    assert "; incremental: 1 article pages changed, search index built again; " in result.stdout, result.stdout
    assert not (public / "pagefind-add-1").exists()
    assert not (tmp_path / "site" / "search-index" / "pagefind-add-1").exists()
    assert "后来补充的一段话" in (public / "hrbeu" / edited.stem / "index.html").read_text(encoding="utf-8")
    assert built_files(public) == built_files(cold_build(tmp_path))
    assert len(indexed_urls(public / "pagefind")) == 44

    # an article removed: a full build (its page and its list entries go)
    edited.unlink()
    result = build(tmp_path)
    assert result.stdout.startswith("site: 43 articles from 2 sources, 43 pages searchable, "), result.stdout
    assert "; incremental:" not in result.stdout and not (public / "hrbeu" / edited.stem).exists()


def test_the_sites_own_layouts_override_the_theme_and_force_rebuilds(tmp_path):
    crawl(tmp_path, {"hrbeu": replica_sites(3)["hrbeu"]})
    assert build(tmp_path).returncode == 0
    footer = tmp_path / "site" / "layouts" / "_partials" / "footer.html"
    footer.parent.mkdir(parents=True)
    footer.write_text("<footer>我们的页脚</footer>\n", encoding="utf-8")
    changed = build(tmp_path)
    assert changed.stdout.startswith("site: 3 articles"), changed.stdout
    assert "<footer>我们的页脚</footer>" in (tmp_path / "site" / "public" / "index.html").read_text(encoding="utf-8")
    assert build(tmp_path).stdout.startswith("site: up to date")
    assert build(tmp_path, "--force").stdout.startswith("site: 3 articles from 1 sources, 3 pages searchable")


def test_an_archive_without_catalog_is_listed_from_its_files(built, tmp_path):
    """A copied archive without catalog: titles and links from the files, order by archive time."""
    output = shutil.copytree(built["folder"] / "output", tmp_path / "output",
                             ignore=shutil.ignore_patterns(".archiver"))
    result = run_archiver(["site", "build", "--to", "site", "--output", str(output)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    article = built["sites"]["hrbeu"].article(7)
    page = parse(tmp_path / "site" / "public", article_url("hrbeu", article.url))
    assert page.findtext(".//h1") == article.title
    assert page.xpath("//a[@class='original']/@href") == [article.url]
    assert not page.xpath("//time[@class='published']")  # unknown without the catalog


@pytest.mark.parametrize(("setup", "message"), [
    (lambda folder: None, "output: no archive folder here (run a crawl first, or pass --output)"),
    (lambda folder: (folder / "output" / "hrbeu").mkdir(parents=True),
     "output: no article files in any source folder: nothing to show"),
])
def test_nothing_to_build_is_a_clear_error(tmp_path, setup, message):
    setup(tmp_path)
    result = run_archiver(["site", "build", "--to", "site"], cwd=tmp_path)
    assert (result.returncode, result.stderr.strip()) == (1, f"archiver: error: {message}")
    assert not (tmp_path / "site").exists()


def test_a_site_under_a_sub_path_links_relatively(built):
    """`--base-url https://example.org/news/`: no root-relative link is left (they would leave
    /news/), and the search is told where its pages live."""
    result = run_archiver(["site", "build", "--to", "sub", "--base-url", "https://example.org/news/"],
                          cwd=built["folder"])
    assert result.returncode == 0, result.stderr
    public = built["folder"] / "sub" / "public"
    article = built["sites"]["nefu"].article(0)
    for url in (ROOT, f"{ROOT}search/", article_url("nefu", article.url)):
        page = parse(public, url)
        links = page.xpath("//a/@href | //img/@src | //link/@href | //script/@src | //form/@action")
        assert links and not [link for link in links if link.startswith("/")], url
    assert parse(public, f"{ROOT}search/").xpath("//div[@id='search']/@data-base") == ["/news/"]


def test_a_damaged_catalog_is_a_clear_error(built, tmp_path):
    output = shutil.copytree(built["folder"] / "output" / "hrbeu", tmp_path / "output" / "hrbeu")
    (output.parent / ".archiver").mkdir()
    (output.parent / ".archiver" / "catalog.sqlite").write_bytes(b"not a database")
    result = run_archiver(["site", "build", "--to", "site"], cwd=tmp_path)
    assert (result.returncode, result.stderr.strip()) == (
        2, "archiver: error: output/.archiver/catalog.sqlite: cannot read catalog: file is not a database")


def test_a_site_folder_that_cannot_be_written_is_a_clear_error(built, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder\n", encoding="utf-8")
    result = run_archiver(["site", "build", "--output", str(built["folder"] / "output"),
                           "--to", str(tmp_path / "taken" / "site")], cwd=tmp_path)
    assert (result.returncode, result.stderr.strip()) == (
        1, f"archiver: error: cannot write the site: Not a directory: {tmp_path}/taken/site/layouts")
