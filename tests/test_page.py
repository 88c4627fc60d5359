"""`read_article_page`: the spider's whole decision chain for an article page, as a pure function
whose input and output pickle (a worker process runs it)."""

from __future__ import annotations

import pickle
from pathlib import Path

from archiver.config import parse_config
from archiver.items import ArticleItem
from archiver.page import ArticlePage, Unread, read_article_page
from conftest import HRBEU_YAML
from test_crawl import article_page

URL = "http://gongxue.cn/info/1/1.htm"
LOGIN = '<form><input name="u"><input type="password" name="p"></form>'


def page(body: str, final_url: str = URL, redirect_urls: tuple[str, ...] = ()) -> ArticlePage:
    source = parse_config(HRBEU_YAML, Path("sources.yaml")).select([])[0]
    return ArticlePage(body.encode(), "text/html; charset=utf-8", URL, final_url, redirect_urls,
                       source.id, source.preset, source.article)


def test_an_article_is_read_into_a_picklable_item() -> None:
    readable = page(article_page("标题", '<div class="v_news_content"><p>正文。</p></div>'))
    item = read_article_page(pickle.loads(pickle.dumps(readable)))
    assert isinstance(item, ArticleItem) and item.source == "hrbeu" and item.article.title == "标题"
    assert pickle.loads(pickle.dumps(item)) == item


def test_refusals_and_extraction_failures_become_reasons() -> None:
    assert read_article_page(page("  ")).reason == "empty_body"
    sso = "http://ids.gongxue.cn/authserver/login"
    assert read_article_page(page("<html>登录</html>", sso, (URL,))).reason == "login_redirect"
    assert read_article_page(page(article_page("无", "<p>没有正文容器</p>"))).reason == "no_body"
    assert read_article_page(page(article_page("登录", LOGIN))).reason == "login_page"
    form_in_body = f'<div class="v_news_content"><p>请登录后查看全文。</p>{LOGIN}</div>'
    in_body = read_article_page(page(article_page("登录", form_in_body)))
    assert in_body == Unread("login_page", "a login form, not an article: the body holds a password field")
