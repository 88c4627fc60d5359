"""An HTTP/1.1 server that puts a :class:`~archiver.replica.site.ReplicaSite` on 127.0.0.1.

The crawler under test reaches the replica in one of two ways: directly (``GET /xw.htm`` to
``127.0.0.1:PORT``) or, to keep the real site's URLs (``http://gongxue.cn/...``) in its items, by
using the server as an HTTP proxy (``http_proxy=http://127.0.0.1:PORT``), which sends absolute-form
requests (``GET http://gongxue.cn/xw.htm HTTP/1.1``).  Both are served.  Every response is recorded
so that tests can assert what the crawler fetched (and what it did not fetch again).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import IO, NamedTuple, Protocol
from urllib.parse import urlsplit, urlunsplit

from archiver.replica.hosts import normal_host
from archiver.replica.site import Response, Transport, not_found


class Site(Protocol):
    """What the server needs from a site, so tests can serve hand-made pages as well as a ReplicaSite."""

    host: str

    def render(self, target: str, /) -> Response:
        """The response for an origin-form target (path and query)."""


class LoggedRequest(NamedTuple):
    """One answered request: ``path`` is origin-form (path and query) even for proxy requests."""

    method: str
    path: str
    status: int


RequestMatch = str | Callable[[LoggedRequest], bool] | None
"""A path prefix, a predicate, or ``None`` for "every request"."""


class ReplicaServer:
    """Serves ``site`` on ``127.0.0.1:port`` (port 0: the OS picks one, read it from ``url``).

    Host names accepted (in an absolute-form URL, or in the ``Host`` header of an origin-form
    request) are the site's host, the server's own ``127.0.0.1:PORT``/``localhost:PORT`` and any
    ``host_header_names``; any other host gets a 404, as a proxy for an unknown site would.
    A request without a ``Host`` header is served.
    """

    def __init__(
        self,
        site: Site,
        host_header_names: Iterable[str] | None = None,
        *,
        port: int = 0,
        log_file: str | os.PathLike[str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.site = site
        self.tls = tls
        self._httpd = _HTTPServer(("127.0.0.1", port), self)
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        own = getattr(site, "hosts", None) or [site.host]  # a HostSites serves several
        names = {*own, f"127.0.0.1:{self.port}", f"localhost:{self.port}", *(host_header_names or ())}
        self._hosts = {normal_host(name) for name in names}
        self._lock = threading.Lock()
        self._requests: list[LoggedRequest] = []
        self._log_path = log_file
        self._log: IO[str] | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle

    def start(self) -> ReplicaServer:
        if self._thread is not None:
            raise RuntimeError("ReplicaServer already started")
        if self._log_path is not None:
            self._log = open(self._log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed by stop()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"replica:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close the listening socket and cut open keep-alive connections."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()
        self._httpd.close_connections()
        with self._lock:
            if self._log is not None:
                self._log.close()
                self._log = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- request log

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of every request answered so far, in order."""
        with self._lock:
            return list(self._requests)

    def count(self, match: RequestMatch = None) -> int:
        """How many requests so far match (a path prefix such as ``"/info/"``, or a predicate)."""
        if match is None:
            return len(self.requests)
        if isinstance(match, str):
            prefix = match
            return sum(1 for request in self.requests if request.path.startswith(prefix))
        return sum(1 for request in self.requests if match(request))

    def reset_log(self) -> None:
        """Forget recorded requests (the log file, if any, is left as it is)."""
        with self._lock:
            self._requests.clear()

    # -- used by the handler

    def accepts_host(self, host: str) -> bool:
        return normal_host(host) in self._hosts

    def site_for(self, host: str | None) -> Site:
        """The site that answers for `host` (a `HostSites` picks one of its sites)."""
        chosen = self.site.site_for(host) if host is not None and hasattr(self.site, "site_for") else None
        return chosen or self.site

    def record(self, request: LoggedRequest, url: str) -> None:
        with self._lock:
            self._requests.append(request)
            if self._log is not None:
                self._log.write(f"{request.method} {url} {request.status}\n")
                self._log.flush()


class _HTTPServer(ThreadingHTTPServer):
    """Keeps a handle on open client sockets, so that stopping really ends keep-alive sessions."""

    daemon_threads = True
    # socketserver's default backlog of 5 overflows when a crawl opens 16+ connections at once on
    # a busy machine: dropped handshakes then surface as download timeouts of the crawl.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], replica: ReplicaServer) -> None:
        self.replica = replica
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        """Stay quiet when a client hangs up mid-response (crawlers cancel requests); report the rest."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._open_lock:
            sockets, self._open = self._open, set()
        for sock in sockets:
            with contextlib.suppress(OSError):  # the client closed it first
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD for origin-form and absolute-form targets; every response is recorded.

    A response carrying a ``transport`` fault is acted out on the wire (``archiver.replica.faults``);
    a request that gets no answer at all (reset, stall) is recorded with status 0.
    """

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "VWebServer"  # what VSB sites answer with
    disable_nagle_algorithm = True  # headers and body are two writes: do not wait for an ACK
    timeout = 60

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_CONNECT(self) -> None:
        """An https request through the proxy: open the tunnel and speak TLS in it (only when
        the server has a certificate, see `archiver.replica.tls`), then serve the requests that
        come through it like any other, as `https://host/...`."""
        tls = self.server.replica.tls
        host = self.path.rsplit(":", 1)[0]
        if tls is None or not self.server.replica.accepts_host(host):
            self.send_error(502, "no tunnel to this host")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        try:
            self.connection = tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.rfile = self.connection.makefile("rb", self.rbufsize)
        self.wfile = socketserver._SocketWriter(self.connection)  # sendall: whole writes over TLS
        self.tunnel_host = host
        self.close_connection = False

    def _answer(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        host = parts.netloc if parts.scheme else self.headers.get("Host") or getattr(self, "tunnel_host", None)
        if host is not None and not self.server.replica.accepts_host(host):
            response = not_found()
        else:
            site = self.server.replica.site_for(host)
            response = site.render(urlunsplit(("", "", parts.path, parts.query, "")))
        transport = response.transport
        if transport is not None and transport.action in ("reset", "stall"):
            self.log_request(0)
            self.close_connection = True
            if transport.action == "stall":
                self._hold(transport.seconds)
            self._reset()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        # A site may declare its own length (a test's truncated download declares more than it
        # sends) or send `Connection: close` for a body that ends when the connection does.
        declared = response.headers.get("Content-Length")
        streamed = response.headers.get("Connection", "").lower() == "close"
        if declared is None and not streamed:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body:
            self._send_body(response.body, transport)
        if declared is not None and declared != str(len(response.body)):
            self.close_connection = True  # the client sees the body cut short
        if transport is not None and transport.action == "truncate":
            self.close_connection = True

    def _send_body(self, body: bytes, transport: Transport | None) -> None:
        if transport is None:
            self.wfile.write(body)
        elif transport.action == "truncate":
            self.wfile.write(body[: transport.keep])
        else:  # drip: a slow server (or link) trickling the body out
            step = -(-len(body) // transport.chunks) or 1
            pause = transport.seconds / transport.chunks
            for start in range(0, len(body), step):
                self.wfile.write(body[start:start + step])
                time.sleep(pause)

    def _hold(self, seconds: float) -> None:
        """Answer nothing for up to ``seconds``; return early once the client hangs up (or the
        server stops, which shuts the socket down)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable:
                try:
                    if not self.connection.recv(4096):
                        return
                except OSError:
                    return

    def _reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0) rather than an orderly FIN."""
        with contextlib.suppress(OSError):  # the client may have closed it already
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Called by ``send_response`` for every answer, including the base class's error pages."""
        target = getattr(self, "path", "") or ""
        parts = urlsplit(target)
        path = urlunsplit(("", "", parts.path, parts.query, ""))
        headers = getattr(self, "headers", None)  # absent when the request line was unparsable
        host = (headers.get("Host") if headers is not None else None) or self.server.replica.site.host
        scheme = "https" if hasattr(self, "tunnel_host") else "http"
        url = target if parts.scheme else f"{scheme}://{host}{path}"
        status = int(code) if isinstance(code, int) else 0
        self.server.replica.record(LoggedRequest(self.command or "-", path, status), url)

    def log_message(self, format: str, *args: object) -> None:
        """Silenced: the request log above replaces the stderr access log."""
