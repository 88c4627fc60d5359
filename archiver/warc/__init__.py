"""Raw capture: every HTTP exchange of a crawl kept as standard WARC (ISO 28500), and read back.

The archive's Markdown is what today's extractor made of each page; the WARC files keep what the
sites actually sent, so a better extractor can re-derive every article later without the
network (`archiver rebuild`), and standard tools (warcio, pywb) can read the capture.

- `http`: the HTTP status line and headers of a Scrapy request/response, as sent on the wire.
- `cdxj`: the per-file CDXJ index (URL → record offset) and its lookups.
- `files`: WARC files under a temporary name, rotated by size, sealed after a crash.
- `capture`: the downloader middleware that records every exchange.
- `replay`: a Scrapy download handler that answers from the WARC files (and stored media).
- `rebuild`: re-deriving an archive offline through the real spider and pipelines.
"""
