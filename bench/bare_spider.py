"""A spider that only downloads: the throughput ceiling for a given URL list and concurrency.

`python -m bench.bare_spider URLS.txt CONCURRENCY` fetches every URL (through `http_proxy`) with
a plain Scrapy spider: Scrapy's default settings, middlewares and download handlers, none of the
archiver's (no URL policy, no WARC capture, no shared slots), no politeness delay, robots.txt not
asked for, and does nothing with the responses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs):
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        return None


def main(url_file: str, concurrency: int) -> int:
    settings = Settings()
    settings.setdict({
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0, "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
    }, priority="cmdline")
    urls = [u for u in Path(url_file).read_text(encoding="utf-8").splitlines() if not u.endswith("/robots.txt")]
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, urls=urls)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
