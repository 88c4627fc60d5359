"""Tests for the VSB replica: the generated site must agree with its own truth, page for page.

Only stdlib HTTP clients talk to the server here; lxml plays the part of a minimal, honest
extractor, so a markup variant that hides or invents text fails these tests rather than a crawl.
"""

from __future__ import annotations

import http.client
import itertools
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.replica import ReplicaArticle, ReplicaServer, ReplicaSite
from archiver.replica.site import CHINA_TZ, CONTAINERS, DATE_STYLES, HEADINGS, MAX_ARTICLES

SEED = 7
N = 95  # five list pages; the oldest, xw/1.htm, holds 15 articles
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(N, seed=SEED)


@pytest.fixture(scope="module")
def server(site: ReplicaSite) -> Iterator[ReplicaServer]:
    with ReplicaServer(site) as running:
        yield running


def fetch(
    server: ReplicaServer, target: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection; ``target`` may be absolute-form (proxy style)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request(method, target, headers=headers or {})
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    finally:
        connection.close()


# --- a minimal reference extractor -----------------------------------------------------------------

DATE_RE = re.compile(r"(\d{4})[-年](\d{2})[-月](\d{2})日?(?:\s+(\d{2}):(\d{2})(?::(\d{2}))?)?")


def _normalise(text: str) -> str:
    return " ".join(text.replace("\u3000", " ").split())


def _parse_date(text: str) -> tuple[datetime, int] | None:
    """First date in ``text`` and how many of (hour, minute, second) it gave."""
    match = DATE_RE.search(text)
    if not match:
        return None
    numbers = [int(group) for group in match.groups() if group is not None]
    return datetime(*numbers, tzinfo=CHINA_TZ), len(numbers) - 3  # type: ignore[arg-type,misc]


def extract(html: bytes, page_url: str) -> dict[str, object]:
    """What a correct extractor takes from a replica article page."""
    tree = lxml.html.fromstring(html)
    form = tree.xpath('//form[@name="_newscontent_fromname"]')[0]
    body = form.xpath('.//div[contains(@class,"v_news_content")][not(.//div[contains(@class,"v_news_content")])]')[0]
    blocks: list[tuple[str, str]] = []
    for paragraph in body.iter("p"):
        images = paragraph.xpath(".//img")
        if images:
            blocks.extend(("img", urljoin(page_url, image.get("src"))) for image in images)
        elif text := _normalise(paragraph.text_content()):
            blocks.append(("p", text))
    heading = form.xpath('.//h1|.//h2|.//div[@class="title"]')[0]
    dates = [_parse_date(form.text_content())]
    dates += [_parse_date(value) for value in tree.xpath('//meta[@name="PubDate"]/@content')]
    published, _ = max((found for found in dates if found), key=lambda found: found[1])
    attachments = [
        (link.text_content(), urljoin(page_url, link.get("href")))
        for link in form.xpath('.//ul/li[contains(., "附件【")]/a')
    ]
    return {
        "title": _normalise(heading.text_content()),
        "blocks": blocks,
        "published": published,
        "attachments": attachments,
        "page_title": tree.findtext(".//title"),
        "meta_title": tree.xpath('//meta[@name="ArticleTitle"]/@content'),
    }


def assert_page_matches(article: ReplicaArticle, html: bytes) -> None:
    found = extract(html, article.url)
    assert found["title"] == article.title
    assert found["page_title"] == f"{article.title}-哈尔滨工程大学新闻网"
    assert found["meta_title"] == ([article.title] if article.layout.meta else [])
    assert found["blocks"] == article.body_blocks
    assert [text for kind, text in article.body_blocks if kind == "p"] == article.paragraphs
    assert [url for kind, url in article.body_blocks if kind == "img"] == article.images
    assert found["published"] == article.published_visible
    assert found["attachments"] == article.attachments


def list_page(html: bytes, page_url: str) -> tuple[list[str], str | None]:
    """(item URLs in order, next-page URL or None) from a list page."""
    tree = lxml.html.fromstring(html)
    items = [urljoin(page_url, href) for href in tree.xpath('//div[contains(@class,"list-right-tt")]/a/@href')]
    following = tree.xpath('//span[contains(@class,"p_next")]/a/@href')
    return items, (urljoin(page_url, following[0]) if following else None)


def walk_list(server: ReplicaServer, host: str = "gongxue.cn") -> tuple[list[str], list[str]]:
    """Follow "下页" from /xw.htm through the proxy; return (visited page URLs, item URLs)."""
    pages, items = [], []
    url: str | None = f"http://{host}/xw.htm"
    while url is not None:
        status, _, html = fetch(server, url)
        assert status == 200, url
        pages.append(url)
        found, url = list_page(html, pages[-1])
        items += found
    return pages, items


# --- the site as data --------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_does_not() -> None:
    one, two, other = ReplicaSite(N, seed=SEED), ReplicaSite(N, seed=SEED), ReplicaSite(N, seed=SEED + 1)
    paths = ["/xw.htm", "/xw/1.htm", "/xw/3.htm", "/info/1141/10001.htm", "/info/1141/10095.htm", "/robots.txt"]
    paths += [urlsplit(url).path for url in one.article(40).images]
    for path in paths:
        assert one.render(path) == two.render(path), path
    assert one.render("/info/1141/10050.htm").body != other.render("/info/1141/10050.htm").body


def test_publication_times_increase_by_one_to_thirty_hours(site: ReplicaSite) -> None:
    times = [site.published(index) for index in range(2000)]
    assert all(when.utcoffset() == timedelta(hours=8) for when in times)
    assert times[0] >= datetime(2015, 1, 1, 8, tzinfo=CHINA_TZ)
    steps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(steps) >= timedelta(hours=1) and max(steps) <= timedelta(hours=30)


def test_article_truth_has_the_promised_shape(site: ReplicaSite) -> None:
    articles = [site.article(index) for index in range(N)]
    assert [article.id for article in articles] == list(range(10001, 10001 + N))
    for article in articles:
        assert 2 <= len(article.paragraphs) <= 8
        assert all(30 <= len(text) <= 300 and text == text.strip() for text in article.paragraphs)
        assert 0 <= len(article.images) <= 4
        assert article.url == f"http://gongxue.cn/info/1141/{article.id}.htm"
    assert 3 <= sum(bool(article.attachments) for article in articles) <= 20
    image_uses = Counter(url for article in articles for url in article.images)
    assert max(image_uses.values()) >= 2, "some images are shared between articles"
    titles = "".join(article.title for article in articles)
    assert re.search(r"[0-9]", titles) and set("“”《》：、（）") <= set(titles)


def test_every_layout_variant_occurs_within_sixty_articles(site: ReplicaSite) -> None:
    layouts = [site.article(index).layout for index in range(60)]
    assert {layout.heading for layout in layouts} == set(HEADINGS)
    assert {layout.date_style for layout in layouts} == set(DATE_STYLES)
    assert {layout.container for layout in layouts} == set(CONTAINERS)
    assert {layout.meta for layout in layouts} == {True, False}
    pages = b"".join(site.render(f"/info/1141/{10001 + index}.htm").body for index in range(60)).decode()
    for noise in ("<o:p>", "\u3000", "&nbsp;", "vsbcontent_start", "vsbcontent_end", 'style="text-indent:2em"',
                  "mso-ascii-font-family", 'src="../../__local/', 'src="/__local/', 'src="http://gongxue.cn/__local/',
                  'id="vsb_content_2"', 'id="vsb_content_4"', "&amp;", "&lt;"):
        assert noise in pages, noise


@settings(max_examples=60, deadline=None, database=None)
@given(seed=st.integers(0, 2**40), index=st.integers(0, MAX_ARTICLES - 1))
def test_any_article_page_agrees_with_its_truth(seed: int, index: int) -> None:
    site = ReplicaSite(MAX_ARTICLES, seed=seed)
    response = site.render(site.article_url(index))
    assert response.status == 200
    assert_page_matches(site.article(index), response.body)


def test_a_huge_site_costs_nothing_until_asked() -> None:
    site = ReplicaSite(MAX_ARTICLES)
    assert site.list_page_count == MAX_ARTICLES // 20
    assert site.render("/xw/1.htm").status == 200
    assert site.render(site.article_url(MAX_ARTICLES - 1)).status == 200
    with pytest.raises(ValueError):
        site.add_articles(1)


# --- over HTTP ---------------------------------------------------------------------------------------


def test_walking_the_pager_reaches_every_article_exactly_once(server: ReplicaServer, site: ReplicaSite) -> None:
    pages, items = walk_list(server)
    assert pages == ["http://gongxue.cn/xw.htm"] + [f"http://gongxue.cn/xw/{number}.htm" for number in (4, 3, 2, 1)]
    articles = [item for item in items if item not in site.offsite_links]
    assert articles == [site.article_url(index) for index in reversed(range(N))]
    assert [item for item in items if item in site.offsite_links] == list(site.offsite_links)
    _, _, last = fetch(server, "/xw/1.htm")
    assert '<span class="p_next_d p_fun_d">下页</span><span class="p_last_d p_fun_d">尾页</span>' in last.decode()


def test_list_items_carry_title_and_date(server: ReplicaServer, site: ReplicaSite) -> None:
    _, _, html = fetch(server, "/xw/2.htm")
    tree = lxml.html.fromstring(html)
    for item in tree.xpath('//li[.//div[contains(@class,"list-right-tt")]]'):
        link = item.xpath(".//a")[0]
        article = site.article_by_id(int(link.get("href").rsplit("/", 1)[1].removesuffix(".htm")))
        assert link.get("title") == article.title
        assert link.text_content() in (article.title, article.title[:28] + "...")
        assert item.xpath(".//span/text()") == [f"{article.published:%Y-%m-%d}"]


def test_article_pages_served_through_the_proxy_match_truth(server: ReplicaServer, site: ReplicaSite) -> None:
    for index in range(N):
        article = site.article(index)
        status, headers, html = fetch(server, article.url)
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        assert_page_matches(article, html)


def test_prev_and_next_links_point_to_newer_and_older(server: ReplicaServer, site: ReplicaSite) -> None:
    newest = fetch(server, site.article_url(N - 1))[2].decode()
    middle = fetch(server, site.article_url(50))[2].decode()
    oldest = fetch(server, site.article_url(0))[2].decode()
    assert "上一条" not in newest and "下一条：" in newest
    assert '上一条：<a href="10052.htm"' in middle and '下一条：<a href="10050.htm"' in middle
    assert "上一条：" in oldest and "下一条" not in oldest


def test_origin_form_and_absolute_form_serve_the_same_bytes(server: ReplicaServer) -> None:
    for path in ("/xw.htm", "/xw/2.htm", "/info/1141/10033.htm"):
        direct, proxied = fetch(server, path), fetch(server, "http://gongxue.cn" + path)
        assert direct[0] == proxied[0] == 200
        assert direct[2] == proxied[2]


def test_unknown_hosts_get_404_unless_named(site: ReplicaSite) -> None:
    with ReplicaServer(site, host_header_names=["www.gongxue.cn"]) as server:
        assert fetch(server, "http://example.com/xw.htm")[0] == 404
        assert fetch(server, "/xw.htm", headers={"Host": "example.com"})[0] == 404
        assert fetch(server, "http://www.gongxue.cn/xw.htm")[0] == 200
        assert fetch(server, "http://GONGXUE.CN:80/xw.htm")[0] == 200


def test_robots_txt(server: ReplicaServer, site: ReplicaSite) -> None:
    status, headers, body = fetch(server, "http://gongxue.cn/robots.txt")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert body.decode() == site.robots_txt == "User-agent: *\nDisallow: /system/resource/\n"


@pytest.mark.parametrize(
    "target",
    ["/", "/index.htm", "/nope.htm", "/xw/0.htm", "/xw/5.htm", "/xw/05.htm", "/xw/4.html", "/info/1141/10000.htm",
     "/info/1141/10096.htm", "/info/1142/10001.htm", "/__local/0/00/00/000000000000000000000000000_00000000_00000.jpg",
     "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1600759291&wbfileid=1"],
)
def test_everything_else_is_404(server: ReplicaServer, target: str) -> None:
    status, headers, body = fetch(server, target)
    assert status == 404 and headers["content-type"] == "text/html; charset=utf-8" and b"404" in body


def test_images_are_small_distinct_jpegs(server: ReplicaServer, site: ReplicaSite) -> None:
    urls = sorted({url for index in range(N) for url in site.article(index).images})
    bodies = set()
    for url in urls:
        status, headers, body = fetch(server, url)
        assert status == 200 and headers["content-type"] == "image/jpeg", url
        assert body[:2] == b"\xff\xd8" and body[-2:] == b"\xff\xd9" and len(body) < 400
        bodies.add(body)
    assert len(bodies) == len(urls)
    tampered = urls[0].replace(".jpg", ".png")
    assert fetch(server, tampered)[0] == 404


def test_attachments_download_with_their_name(server: ReplicaServer, site: ReplicaSite) -> None:
    attachments = [item for index in range(N) for item in site.article(index).attachments]
    for name, href in attachments:
        status, headers, body = fetch(server, href)
        assert status == 200 and body
        assert headers["content-disposition"] == f"attachment; filename*=UTF-8''{quote(name)}"


def test_head_sends_headers_only(server: ReplicaServer) -> None:
    _, get_headers, body = fetch(server, "/xw.htm")
    status, head_headers, head_body = fetch(server, "/xw.htm", method="HEAD")
    assert status == 200 and head_body == b""
    assert head_headers["content-length"] == get_headers["content-length"] == str(len(body))


def test_request_log_counts_and_file(site: ReplicaSite, tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    with ReplicaServer(site, log_file=log) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        for target in ("/xw.htm", "http://gongxue.cn/info/1141/10001.htm", "/info/1141/10002.htm", "/missing"):
            connection.request("GET", target)
            connection.getresponse().read()  # keep-alive: one connection for all four
        connection.close()
        assert [(request.method, request.path, request.status) for request in server.requests] == [
            ("GET", "/xw.htm", 200), ("GET", "/info/1141/10001.htm", 200),
            ("GET", "/info/1141/10002.htm", 200), ("GET", "/missing", 404),
        ]
        assert server.count() == 4 and server.count("/info/") == 2
        assert server.count(lambda request: request.status == 404) == 1
        server.reset_log()
        assert server.count() == 0
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "GET http://gongxue.cn/info/1141/10001.htm 200"
    assert lines[0] == f"GET {server.url}/xw.htm 200" and lines[3].endswith("/missing 404")


def test_stop_ends_keep_alive_connections(site: ReplicaSite) -> None:
    server = ReplicaServer(site).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", "/robots.txt")
    assert connection.getresponse().read()
    server.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        connection.request("GET", "/robots.txt")
        connection.getresponse().read()
    connection.close()


# --- mutations ---------------------------------------------------------------------------------------


def test_adding_articles_shifts_every_numbered_page() -> None:
    site = ReplicaSite(45, seed=SEED)
    with ReplicaServer(site) as server:
        before = list_page(fetch(server, "/xw/1.htm")[2], "http://gongxue.cn/xw/1.htm")[0]
        assert fetch(server, "/xw/3.htm")[0] == 404
        newest_before = fetch(server, site.article_url(44))[2]
        site.add_articles(27)
        assert (len(site), site.list_page_count) == (72, 4)
        after = list_page(fetch(server, "/xw/1.htm")[2], "http://gongxue.cn/xw/1.htm")[0]
        assert before != after and after == [site.article_url(index) for index in reversed(range(12))]
        assert fetch(server, "/xw/3.htm")[0] == 200
        pages, items = walk_list(server)
        assert len(pages) == 4
        assert [item for item in items if item not in site.offsite_links] == [site.article_url(i) for i in reversed(range(72))]
        newest_after = fetch(server, site.article_url(44))[2]
        assert "上一条" not in newest_before.decode() and '上一条：<a href="10046.htm"' in newest_after.decode()


def test_editing_an_article_changes_its_page_and_truth() -> None:
    site = ReplicaSite(30, seed=SEED)
    original, untouched = site.render(site.article_url(12)).body, site.render(site.article_url(13)).body
    before = site.article(12)
    site.edit(12)
    edited = site.article(12)
    assert edited.revision == 1 and edited.paragraphs[:-1] == before.paragraphs
    assert edited.paragraphs[-1].startswith("（更新1）") and edited.body_blocks[-1] == ("p", edited.paragraphs[-1])
    page = site.render(site.article_url(12)).body
    assert_page_matches(edited, page)
    site.edit(12, revision=2)
    assert site.article(12).paragraphs[-1].startswith("（更新2）")
    assert site.render(site.article_url(13)).body == untouched
    site.edit(12, revision=0)
    assert site.render(site.article_url(12)).body == original


# --- the command line ------------------------------------------------------------------------------


def test_command_line_prints_its_url_serves_logs_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "replica.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "archiver.replica", "--articles", "30", "--seed", "3", "--edit", "4:2", "--log", str(log)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        match = re.fullmatch(r"REPLICA (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        connection = http.client.HTTPConnection("127.0.0.1", int(match[2]), timeout=5)
        connection.request("GET", "/info/1141/10005.htm")
        body = connection.getresponse().read()
        connection.close()
        expected = ReplicaSite(30, seed=3)
        expected.edit(4, 2)
        assert body == expected.render("/info/1141/10005.htm").body
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
        assert process.stdout.read() == ""  # type: ignore[union-attr]
    finally:
        process.kill()
        process.wait()
    assert log.read_text(encoding="utf-8") == f"GET {match[1]}/info/1141/10005.htm 200\n"
