"""Local copies of an article's images, attachments and videos.

Pure parts, importable without Scrapy (normalisation and rendering use them):
`found` (which media an article has, video players as links), `checks` (is this download what it
claims to be), `names` (file names from Content-Disposition, made safe), `links` (the Markdown of
attachment lists and of local links), `policy` (what to do with each medium, when to retry).
The Scrapy side is `archiver.media.pipeline`, configured by `archiver.media.options`.
"""
