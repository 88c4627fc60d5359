"""`python -m archiver.page_worker`: one worker process of `archiver.page_workers`.

It says `READY` once its imports are done, then reads length-prefixed pickles of `ArticlePage`
from stdin and writes the pickle of each page's `ArticleItem` or `Unread` to stdout, in order,
until stdin ends (the crawl closed it). It dies with the crawl (`archiver.parent_death`), even a
SIGKILLed one busy with a slow page. A page that raises is answered as `internal_error`, as the
spider would record it.
"""

from __future__ import annotations

import pickle
import sys
from typing import BinaryIO

from archiver.page import Unread, read_article_page
from archiver.parent_death import die_with

HEADER = 4  # bytes of the big-endian length before each pickle
READY = "ready"


def encode(value: object) -> bytes:
    """One message: its length, then its pickle."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(HEADER, "big") + data


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    """Answer every page `source` sends until it ends."""
    while len(header := source.read(HEADER)) == HEADER:
        page = pickle.loads(source.read(int.from_bytes(header, "big")))
        try:
            result = read_article_page(page)
        except Exception as exc:  # a bug or an unforeseen page: that page fails, not the worker
            result = Unread("internal_error", f"{type(exc).__name__}: {exc}")
        sink.write(encode(result))
        sink.flush()


if __name__ == "__main__":
    die_with(int(sys.argv[1]))
    sys.stdout.buffer.write(encode(READY))
    sys.stdout.buffer.flush()
    serve(sys.stdin.buffer, sys.stdout.buffer)
