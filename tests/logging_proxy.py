"""A small HTTP server for safety tests: any number of hosts, served as a proxy, every request logged.

The crawler reaches it as `http_proxy`, so a page can link `http://169.254.169.254/…` or
`http://127.0.0.1:…/` and the test sees in `log` whether the crawler asked for it (nothing is
ever fetched from those addresses: the server only answers from `pages`). Each log entry has
the time it arrived (monotonic), for politeness measurements.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Page:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)


@dataclass
class Hit:
    at: float
    url: str
    user_agent: str


@dataclass
class LoggingProxy:
    """Serves `pages` (absolute URL → Page) on 127.0.0.1:port; 404 for anything else."""

    pages: dict[str, Page] = field(default_factory=dict)
    log: list[Hit] = field(default_factory=list)
    # Called with each requested URL before it is answered, on the server's thread.
    on_request: Callable[[str], None] | None = None

    def add(self, url: str, body: bytes | str, status: int = 200, **headers: str) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        pairs = tuple((k.replace("_", "-"), v) for k, v in headers.items()) or Page.headers
        self.pages[url] = Page(status, data, pairs)

    def urls(self) -> list[str]:
        return [hit.url for hit in self.log]

    def __enter__(self) -> LoggingProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                url = self.path if urlsplit(self.path).scheme else f"http://{self.headers.get('Host')}{self.path}"
                proxy.log.append(Hit(time.monotonic(), url, self.headers.get("User-Agent", "")))
                if proxy.on_request is not None:
                    proxy.on_request(url)
                page = proxy.pages.get(url, Page(404, b"<html>not found</html>"))
                self.send_response(page.status)
                for name, value in page.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
