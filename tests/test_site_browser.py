"""The built site in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`, installed by .ci/run) driven by Selenium against `archiver site serve`.

Opens the home page, follows links to an article, checks its images load, runs a Chinese
search that finds a known article, and saves screenshots (to $ARCHIVER_SCREENSHOTS if set,
else the test's temporary folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import clean_env
from site_archive import build, crawl, replica_sites

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
HUGO_DEFAULT_PORT = 1313
SERVING = re.compile(r"Web Server is available at (http://127\.0\.0\.1:\d+/)")
WAIT = 60  # seconds: an upper bound for a page or a search to appear, not a pause

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
    reason="needs Debian's chromium and chromium-driver (installed by .ci/run)",
)


@contextlib.contextmanager
def hugo_default_port_taken() -> Iterator[None]:
    """Keep 1313 busy (if nobody else does), so Hugo's server takes a port the OS picks."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", HUGO_DEFAULT_PORT))
        holder.listen()
    except OSError:
        pass  # already taken: just as good
    try:
        yield
    finally:
        holder.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("browser")
    sites = replica_sites(30)
    crawl(folder, sites)
    assert build(folder).returncode == 0
    sites["hrbeu"].add_articles(2)  # an incremental build: the search merges an extra bundle
    crawl(folder, {"hrbeu": sites["hrbeu"]}, command="crawl")
    assert "; incremental: " in build(folder).stdout
    with hugo_default_port_taken():
        server = subprocess.Popen(
            [sys.executable, "-m", "archiver", "site", "serve", "--to", "site"], cwd=folder,
            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        url, seen = None, []
        for line in server.stdout:  # type: ignore[union-attr]
            seen.append(line)
            if found := SERVING.search(line):
                url = found.group(1)
                break
    try:
        assert url is not None, "".join(seen)
        assert not url.endswith(f":{HUGO_DEFAULT_PORT}/")
        yield {"url": url, "sites": sites, "folder": folder}
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,900", "--lang=zh-CN"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("ARCHIVER_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_serve_answers_with_the_site(served):
    with urllib.request.urlopen(served["url"], timeout=WAIT) as response:
        assert response.status == 200
        assert "新闻存档" in response.read().decode("utf-8")


def test_home_to_article_with_images_that_load(served, browser, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    site = served["sites"]["nefu"]
    # the newest article with images is on the source's first list page
    newest = sorted(map(site.article, range(30)), key=lambda a: a.published_visible, reverse=True)
    article = next(a for a in newest[:20] if len(a.images) >= 2)
    browser.get(served["url"])
    assert browser.find_element(By.TAG_NAME, "h1").text == "新闻存档"
    browser.save_screenshot(str(shots / "home.png"))
    browser.find_element(By.LINK_TEXT, "东北林业大学").click()
    browser.find_element(By.LINK_TEXT, article.title).click()
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == article.title)
    assert browser.current_url == f"{served['url']}nefu/{hashlib.md5(article.url.encode()).hexdigest()}/"
    sizes = WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(
        "const imgs = [...document.querySelectorAll('.content img')];"
        "return imgs.every(i => i.complete) && imgs.map(i => [i.naturalWidth, i.naturalHeight]);"))
    assert len(sizes) == len(article.images)
    assert all(width > 0 and height > 0 for width, height in sizes), sizes
    assert browser.find_element(By.CLASS_NAME, "authorbox").is_displayed()
    browser.save_screenshot(str(shots / "article.png"))


@pytest.mark.parametrize("index", [3, 31], ids=["indexed-first", "added-later"])
def test_a_chinese_search_finds_a_known_article(served, browser, shots, index):
    """Article 3 is in the index of the first build; 31 came with the crawl after it, and is in
    the extra bundle of the incremental build."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    article = served["sites"]["hrbeu"].article(index)
    browser.get(served["url"])
    box = browser.find_element(By.CSS_SELECTOR, "form.search-form input[name=q]")
    box.send_keys(article.title, Keys.ENTER)  # the home page's form opens the search page
    expected = f"hrbeu/{hashlib.md5(article.url.encode()).hexdigest()}/"
    links = WebDriverWait(browser, WAIT).until(lambda d: [
        a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "a.pagefind-ui__result-link")
    ] or False)
    assert any(link.endswith(expected) for link in links), (expected, links)
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "a.pagefind-ui__result-link")]
    assert article.title in titles
    if index == 3:
        browser.save_screenshot(str(shots / "search.png"))
