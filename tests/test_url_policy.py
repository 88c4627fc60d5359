"""The URL policy (archiver.url_policy): which URLs are never fetched, whatever their spelling."""

from __future__ import annotations

import pytest

from archiver.url_policy import parse_networks, url_refusal


@pytest.mark.parametrize("url", [
    "file:///etc/passwd#download.jsp", "FILE:///proc/self/environ", "ftp://ftp.example.edu.cn/a.pdf",
    "gopher://example.com/", "data:text/html,<script>", "javascript:openWin('x')", "s3://bucket/key",
])
def test_only_http_and_https_are_fetched(url: str) -> None:
    assert url_refusal(url)[0] == "scheme"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/x", "http://127.1/", "http://2130706433/", "http://0177.0.0.1/",
    "http://0x7f.0.0.1/", "http://localhost/", "http://LocalHost./x", "http://a.localhost/",
    "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://172.16.0.1/",
    "http://192.168.1.1/", "http://0.0.0.0/", "http://224.0.0.1/", "http://[::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://[::]/", "http://3232235777/",
])
def test_internal_addresses_are_refused_in_every_spelling(url: str) -> None:
    assert url_refusal(url)[0] == "internal_address", url


@pytest.mark.parametrize("url", [
    "http://gongxue.cn/info/1.htm", "https://8.8.8.8/x", "http://[2001:4860:4860::8888]/",
    "http://news.hrbeu.edu.cn:8080/a", "http://10.example.com/",
])
def test_public_hosts_pass(url: str) -> None:
    assert url_refusal(url) is None


def test_an_allowed_network_is_exempt_and_nothing_else() -> None:
    allowed = parse_networks(["10.0.0.0/8", "127.0.0.0/8"])
    assert url_refusal("http://10.9.8.7/a.pdf", allowed) is None
    assert url_refusal("http://localhost:8000/", allowed) is None
    assert url_refusal("http://192.168.0.1/", allowed)[0] == "internal_address"
    assert url_refusal("file:///etc/passwd", allowed)[0] == "scheme"


def test_a_bad_network_setting_names_itself() -> None:
    with pytest.raises(ValueError, match="ARCHIVER_ALLOWED_NETWORKS: 'intranet'"):
        parse_networks(["intranet"])


def test_malformed_urls_are_refused_not_raised() -> None:
    assert url_refusal("http://[oops/x.pdf")[0] == "malformed_url"
    assert url_refusal("http:///nohost")[0] == "malformed_url"
