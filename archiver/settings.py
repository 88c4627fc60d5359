"""Scrapy settings for the archiver, in one place (`scrapy.cfg` points here).

Polite by default: robots.txt obeyed, AutoThrottle on, a few requests per domain at a time.
Against a local replica, turn that off with `-s AUTOTHROTTLE_ENABLED=0 -s DOWNLOAD_DELAY=0`.
Standard `http_proxy`/`https_proxy` variables work through Scrapy's HttpProxyMiddleware.
"""

BOT_NAME = "archiver"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = "Mozilla/5.0 (compatible; archiver/0.1; news archive crawler)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 60
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# One article per response: processing a callback's output in parallel buys nothing and
# Scrapy's default (100) creates 100 asyncio tasks per response (measured: ~20% of CPU).
CONCURRENT_ITEMS = 1

RETRY_ENABLED = True
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "archiver.pipelines.MarkdownPipeline": 800,
}
EXTENSIONS = {
    "archiver.progress.Progress": 500,
}

# archiver's own settings (all prefixed ARCHIVER_).
# Folder that receives OUTPUT/<source>/<urlname>.md.
ARCHIVER_OUTPUT = "output"
# Sources file; None means $ARCHIVER_CONFIG, else ./sources.yaml.
ARCHIVER_CONFIG = None
# Catalog file; None means OUTPUT/.archiver/catalog.sqlite.
ARCHIVER_CATALOG = None
# Progress: auto (a bar on a terminal, log lines otherwise), bar, log or off.
ARCHIVER_PROGRESS = "auto"
ARCHIVER_PROGRESS_INTERVAL = 30.0
