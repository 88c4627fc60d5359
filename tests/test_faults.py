"""The replica's fault mode on its own: which requests a rule or the random mode spoils, and what
each fault looks like on the wire. How the crawler copes is in test_faults_crawl.py."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.replica import FAULTS, FaultRule, FaultTiming, FaultySite, ReplicaServer, ReplicaSite
from archiver.replica.faults import LOGIN_PATH
from conftest import StaticSite, clean_env

ARTICLE = "/info/1141/10003.htm"


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(articles=40, seed=2)


def fetch(server: ReplicaServer, target: str, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture
def serve(site: ReplicaSite) -> Iterator:
    servers: list[ReplicaServer] = []

    def start(faulty: FaultySite) -> ReplicaServer:
        servers.append(ReplicaServer(faulty).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


# --- choosing what to spoil -------------------------------------------------------------------------


def test_a_rule_spoils_matching_targets_the_given_number_of_times(site: ReplicaSite):
    faulty = FaultySite(site, [("/info/1141/1000[0-4].htm", "http_503", 2)])
    assert [faulty.render(ARTICLE).status for _ in range(3)] == [503, 503, 200]
    assert faulty.render("/info/1141/10004.htm").status == 200  # the rule is spent
    assert faulty.render("/info/1141/10005.htm").status == 200  # never matched
    assert [hit[:3] for hit in faulty.hits] == [(ARTICLE, "http_503", False)] * 2


def test_regex_rules_first_match_wins_and_rules_change_while_serving(site: ReplicaSite):
    faulty = FaultySite(site)
    faulty.add(r"re:^/info/1141/1000\d\.htm$", "http_500")
    faulty.add("/info/*", "http_429")
    assert faulty.render(ARTICLE).status == 500
    assert faulty.render("/info/1141/10013.htm").status == 429
    faulty.clear()
    assert faulty.render(ARTICLE).body == site.render(ARTICLE).body
    with pytest.raises(ValueError, match="unknown fault 'http_418'"):
        faulty.add("/x", "http_418")


def test_random_mode_is_seeded_per_target_and_request(site: ReplicaSite):
    targets = [f"/info/1141/{10001 + i}.htm" for i in range(39)] * 3

    def spoiled(seed: int, order: list[str]) -> Counter:
        faulty = FaultySite(site, random_rate=0.3, seed=seed)
        for target in order:
            faulty.render(target)
        return Counter(hit[:3] for hit in faulty.hits)

    first = spoiled(7, targets)
    # The k-th request for a target meets the same fate whatever the order (threads vary it).
    assert first == spoiled(7, targets[::-1]) and first != spoiled(8, targets)
    assert 0.2 < sum(first.values()) / len(targets) < 0.4


def test_random_mode_spoils_only_pages_that_exist_and_html_faults_only_html(site: ReplicaSite):
    faulty = FaultySite(site, random_rate=1.0, seed=1)
    assert faulty.render("/info/1141/99999.htm").status == 404
    images = [url.removeprefix("http://gongxue.cn") for i in range(40) for url in site.article(i).images]
    for target in images:
        faulty.render(target)
    assert len(images) > 10 and len(faulty.hits) == len(images)
    assert {hit.fault for hit in faulty.hits}.isdisjoint({name for name, f in FAULTS.items() if f.html_only})


# --- each fault on the wire ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "retry_after"),
    [("http_500", 500, None), ("http_502", 502, None), ("http_503", 503, None),
     ("http_503_retry_after", 503, "9"), ("http_429", 429, None), ("http_429_retry_after", 429, "9")],
)
def test_status_faults_with_and_without_retry_after(site: ReplicaSite, serve, fault: str, status: int,
                                                     retry_after: str | None):
    server = serve(FaultySite(site, [(ARTICLE, fault, 1)], timing=FaultTiming(retry_after=9)))
    code, headers, body = fetch(server, ARTICLE)
    assert code == status and headers.get("retry-after") == retry_after and str(status).encode() in body
    assert fetch(server, ARTICLE)[0] == 200


def test_reset_closes_with_nothing_said(site: ReplicaSite, serve):
    server = serve(FaultySite(site, [(ARTICLE, "reset", 1)]))
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        fetch(server, ARTICLE)
    assert [tuple(r) for r in server.requests] == [("GET", ARTICLE, 0)]
    assert fetch(server, ARTICLE)[0] == 200


def test_timeout_holds_the_connection_until_the_client_gives_up(site: ReplicaSite, serve):
    server = serve(FaultySite(site, [(ARTICLE, "timeout", 1)], timing=FaultTiming(stall=60)))
    began = time.monotonic()
    with pytest.raises(socket.timeout):
        fetch(server, ARTICLE, timeout=0.5)
    assert time.monotonic() - began >= 0.5
    assert fetch(server, ARTICLE)[0] == 200


def test_truncated_declares_the_whole_length_and_sends_half(site: ReplicaSite, serve):
    server = serve(FaultySite(site, [(ARTICLE, "truncated", 1)]))
    whole = site.render(ARTICLE).body
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", ARTICLE)
    response = connection.getresponse()
    assert response.getheader("Content-Length") == str(len(whole))
    with pytest.raises(http.client.IncompleteRead) as raised:
        response.read()
    assert raised.value.partial == whole[: len(whole) // 2]
    connection.close()


def test_drip_sends_everything_slowly(site: ReplicaSite, serve):
    server = serve(FaultySite(site, [(ARTICLE, "drip")], timing=FaultTiming(drip=0.4, drip_chunks=8)))
    began = time.monotonic()
    assert fetch(server, ARTICLE)[2] == site.render(ARTICLE).body
    assert time.monotonic() - began >= 0.35


def test_redirect_loop_and_login_redirect(site: ReplicaSite):
    faulty = FaultySite(site, [(ARTICLE, "redirect_loop"), ("/info/1141/10004.htm", "login_redirect")])
    first = faulty.render(ARTICLE)
    assert first.status == 302 and first.headers["Location"] == f"http://gongxue.cn{ARTICLE}?_replica_loop=1"
    back = faulty.render(f"{ARTICLE}?_replica_loop=1")
    assert back.status == 302 and back.headers["Location"] == f"http://gongxue.cn{ARTICLE}"
    login = faulty.render("/info/1141/10004.htm")
    assert login.headers["Location"] == (
        f"http://gongxue.cn{LOGIN_PATH}?service=http%3A%2F%2Fgongxue.cn%2Finfo%2F1141%2F10004.htm")
    page = faulty.render(login.headers["Location"].removeprefix("http://gongxue.cn"))
    assert page.status == 200 and b'type="password"' in page.body


def test_empty_and_error_pages_are_200(site: ReplicaSite):
    faulty = FaultySite(site, [(ARTICLE, "empty", 1), (ARTICLE, "error_page", 1)])
    empty = faulty.render(ARTICLE)
    assert empty.status == 200 and empty.body == b""
    error = faulty.render(ARTICLE)
    assert error.status == 200 and "系统繁忙".encode() in error.body and b"v_news_content" not in error.body


@pytest.mark.parametrize(
    ("fault", "header", "meta"),
    [
        ("gbk", "text/html; charset=gbk", b"charset=gbk"),
        ("gb2312_meta", "text/html", b"charset=gb2312"),
        ("gbk_undeclared", "text/html", None),
        ("gbk_as_utf8", "text/html; charset=utf-8", b"charset=utf-8"),
    ],
)
def test_gbk_faults_are_the_same_page_in_gbk(site: ReplicaSite, fault: str, header: str, meta: bytes | None):
    clean = site.render(ARTICLE).body.decode("utf-8")
    spoiled = FaultySite(site, [(ARTICLE, fault)]).render(ARTICLE)
    assert spoiled.headers["Content-Type"] == header
    text = spoiled.body.decode("gbk")
    assert re.findall(r"charset=[\w-]+", text) == ([meta.decode()] if meta else [])
    strip = re.compile(r"<meta[^>]*charset[^>]*>")
    assert strip.sub("", text) == strip.sub("", clean)


def test_mixed_encoding_has_gbk_paragraphs_in_a_utf8_page(site: ReplicaSite):
    clean = site.render(ARTICLE).body
    spoiled = FaultySite(site, [(ARTICLE, "mixed_encoding")]).render(ARTICLE).body
    title = site.article(2).title.encode("utf-8")
    paragraph = site.article(2).paragraphs[0][:8]
    assert title in spoiled and title in clean  # the template stays UTF-8
    assert paragraph.encode("gbk") in spoiled and paragraph.encode("utf-8") not in spoiled


def test_huge_and_nested_pages(site: ReplicaSite):
    faulty = FaultySite(site, [(ARTICLE, "huge", 1), (ARTICLE, "nested", 1), (ARTICLE, "too_deep", 1)],
                        timing=FaultTiming(huge=3_000_000))
    assert len(faulty.render(ARTICLE).body) == 3_000_000
    assert faulty.render(ARTICLE).body.count(b"<font>") == 1_000
    assert faulty.render(ARTICLE).body.count(b"<font>") == 3_000


def test_a_hand_made_site_can_be_spoiled_too():
    static = StaticSite("example.edu.cn")
    static.add("/a.htm", "<html><head><meta charset='utf-8'></head><body><p>你好</p></body></html>")
    faulty = FaultySite(static, [("/a.htm", "gbk_undeclared")])
    assert faulty.host == "example.edu.cn"
    assert faulty.render("/a.htm").body == "<html><head></head><body><p>你好</p></body></html>".encode("gbk")


def test_a_lying_pager_counts_pages_that_are_not_there():
    site = ReplicaSite(articles=50, seed=1, per_page=10)
    site.set_pager_lie(3)  # 5 real pages, 8 claimed
    first = site.render("/xw.htm").body.decode()
    assert "共80条" in first and "1/8页" in first and 'href="xw/7.htm"' in first
    assert [site.render(f"/xw/{n}.htm").status for n in range(1, 9)] == [404, 404, 404, 200, 200, 200, 200, 404]
    last = site.render("/xw/4.htm").body.decode()
    assert "5/8页" in last and '<span class="p_next p_fun"><a href="3.htm">下页</a>' in last
    site.set_pager_lie(0)
    assert site.render("/xw/4.htm").status == 200 and "共50条" in site.render("/xw.htm").body.decode()


def test_rules_reject_bad_values():
    with pytest.raises(ValueError, match="times must be"):
        FaultRule("/x", "reset", -1)
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        FaultySite(StaticSite("a.cn"), random_rate=1.5)


# --- command line ----------------------------------------------------------------------------------------


def test_command_line_fault_and_chaos_options(tmp_path: Path):
    command = [sys.executable, "-m", "archiver.replica", "--articles", "30", "--seed", "3", "--pager-lies", "2",
               "--fault", f"{ARTICLE}=http_503:1", "--fault", "/info/1141/10004.htm=gbk", "--chaos", "0:5"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=clean_env())
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        match = re.fullmatch(r"REPLICA http://127\.0\.0\.1:(\d+)\n", line)
        assert match, line

        def get(target: str) -> tuple[int, bytes]:
            connection = http.client.HTTPConnection("127.0.0.1", int(match[1]), timeout=5)
            connection.request("GET", target)
            response = connection.getresponse()
            return response.status, response.read()

        assert [get(ARTICLE)[0], get(ARTICLE)[0]] == [503, 200]
        expected = ReplicaSite(30, seed=3).render("/info/1141/10004.htm").body.decode()
        assert get("/info/1141/10004.htm")[1].decode("gbk").endswith(expected[-200:])
        assert "1/4页" in get("/xw.htm")[1].decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
    bad = subprocess.run([*command[:5], "--fault", "/x=bogus"], capture_output=True, text=True, env=clean_env())
    assert bad.returncode == 2 and "KIND one of http_500" in bad.stderr
    bad = subprocess.run([*command[:5], "--chaos", "2"], capture_output=True, text=True, env=clean_env())
    assert bad.returncode == 2 and "RATE must be between 0 and 1" in bad.stderr
