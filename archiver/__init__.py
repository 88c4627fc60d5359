"""archiver: crawl Chinese university news sites into Hugo front-matter Markdown, with Scrapy.

Data flows one way: response → `extract` (page understanding) → `normalize` (Markdown blocks)
→ `article_file.render` (file text) → `storage` (atomic write), driven by the spider and item pipelines.
"""

__version__ = "0.1.0"
