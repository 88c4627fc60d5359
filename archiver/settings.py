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

# Pages larger than this are cut off while they stream (the article fails with `too_large` and
# is tried again by the next run); a 10 MB page (inline data: images) is still read. Media
# downloads have their own caps (ARCHIVER_MEDIA_MAX_BYTES).
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024

# Retries: Scrapy's bounds (RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS), our waits.
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "archiver.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "archiver.middlewares.RedirectGuardMiddleware": 600,
    # First: an article request waits here while its pages pile up ahead of the reading workers.
    "archiver.page_workers.PageBacklogMiddleware": 50,
}
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# `scrapy crawl` logs INFO; the archiver's commands default to WARNING (`-v`, `-vv`, archiver/logs.py).
LOG_LEVEL = "INFO"
# Set by `--log-file`: the level of the extra stderr handler while the file gets everything.
ARCHIVER_STDERR_LOG_LEVEL = None

ITEM_PIPELINES = {
    # Media first: the Markdown links what it archived, and the catalog records both at once.
    "archiver.media.pipeline.MediaFilesPipeline": 300,
    "archiver.pipelines.MarkdownPipeline": 800,
}
# Download scripts (VSB's download.jsp) often answer with a redirect to the file.
MEDIA_ALLOW_REDIRECTS = True
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

# Retries (archiver.middlewares.BackoffRetryMiddleware): first wait before a retry, in seconds;
# each next one twice as long, at most _MAX.
ARCHIVER_RETRY_BACKOFF = 1.0
ARCHIVER_RETRY_BACKOFF_MAX = 60.0
# Longest Retry-After (429/503) honoured; a server asking for more is left for the next run.
ARCHIVER_RETRY_AFTER_MAX = 600.0
# Longest wait of any kind before retrying a media download or robots.txt.
ARCHIVER_RETRY_MEDIA_WAIT_MAX = 10.0

# Media (images, attachments, videos), into OUTPUT/<source>/images, files and videos.
# Off: media are only linked (catalog state `linked`), nothing is downloaded.
ARCHIVER_MEDIA_ENABLED = True
# Largest image or attachment, in bytes; a bigger download is cut off while it streams.
ARCHIVER_MEDIA_MAX_BYTES = 50 * 1024 * 1024
# Largest video (videos download only for sources with `download_videos: true`).
ARCHIVER_MEDIA_VIDEO_MAX_BYTES = 200 * 1024 * 1024
# A failed medium is retried by later crawls at most this many times in all...
ARCHIVER_MEDIA_MAX_ATTEMPTS = 5
# ...waiting this many seconds after the first failure, four times longer after each next one.
ARCHIVER_MEDIA_RETRY_DELAY = 3600
# Set by `archiver media --retry`: retry the failed media, crawl nothing else.
ARCHIVER_MEDIA_RETRY_ONLY = False

# Safety (README "Safety"): one URL policy for every request and redirect hop, one polite rate
# per host shared by all sources of a run, robots.txt Crawl-delay as a floor on it.
DOWNLOADER_MIDDLEWARES = {
    **DOWNLOADER_MIDDLEWARES,
    # After HttpProxyMiddleware (750): it checks resolved addresses only when there is no proxy.
    "archiver.url_guard.UrlPolicyMiddleware": 760,
}
# Internal networks (CIDR) an intranet deployment may crawl, e.g. ["10.0.0.0/8"]; default none.
ARCHIVER_ALLOWED_NETWORKS: list[str] = []
# Sources of one host share one download slot (archiver.politeness); robots.txt Crawl-delay is a
# floor on its delay, up to ARCHIVER_CRAWL_DELAY_MAX seconds.
DOWNLOADER = "archiver.politeness.SharedSlotsDownloader"
ARCHIVER_CRAWL_DELAY_MAX = 60.0
# Who runs this crawler: a URL or mail address put into the User-Agent, so that a site's operator
# can reach you (`-s ARCHIVER_CONTACT=https://example.edu.cn/archive-about`).
ARCHIVER_CONTACT = ""
# How long a catalog write waits (SQLite retrying) while another process holds the catalog; at
# start a run exits 2, mid-run it stops like a refused write (exit 74), nothing half-recorded.
ARCHIVER_CATALOG_BUSY_TIMEOUT = 10.0
# Articles' files and catalog rows are made durable and recorded in batches (archiver.write_batch):
# every this many articles, and at most this many seconds after the first one waiting.
ARCHIVER_WRITE_BATCH = 16
ARCHIVER_WRITE_BATCH_SECONDS = 2.0
# Longest time reading one article page may take (in a worker process); longer fails the article
# as `extract_timeout` (a selector too slow for that page), the worker is killed and the crawl
# goes on. 0: none.
ARCHIVER_EXTRACT_TIMEOUT = 30.0
# Worker processes reading article pages (parse, extract, normalise; archiver.page_workers), per
# source crawled (one crawl of several sources starts that many per source).
# 0: read them on the reactor thread itself, where ARCHIVER_EXTRACT_TIMEOUT cannot apply.
ARCHIVER_EXTRACT_PROCESSES = 1
# Raw capture (archiver.warc): every HTTP exchange as WARC request + response records in
# OUTPUT/.archiver/warc/<source>/. pages (robots.txt, lists, articles), all (media too) or off;
# a source's `warc` key wins. At 950 the middleware sees raw bodies, every redirect hop and retry.
ARCHIVER_WARC = "pages"
# A WARC file is closed (indexed, renamed) and a new one started past this size.
ARCHIVER_WARC_MAX_BYTES = 1024 * 1024 * 1024
DOWNLOADER_MIDDLEWARES = {**DOWNLOADER_MIDDLEWARES, "archiver.warc.capture.WarcCaptureMiddleware": 950}
