"""The HTTP head of a Scrapy request or response, reconstructed for a WARC record.

Scrapy keeps neither the raw status line nor the raw header bytes, so they are rebuilt from what
it does keep: the protocol, the status code (with its standard reason phrase), and every header
value in order. Header names come back in Scrapy's normalised capitalisation. The body Scrapy
hands over is already de-chunked, so `Transfer-Encoding` is left out: a record claiming chunked
framing around a plain body would be wrong. `Content-Encoding` stays, since the body recorded is
the one before Scrapy's HttpCompressionMiddleware decompresses it. Pure functions, no I/O.
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlsplit

from scrapy.http import Request, Response
from warcio.statusandheaders import StatusAndHeaders

# Hop-by-hop framing that no longer describes the recorded body, and the proxy's credentials.
DROPPED_RESPONSE_HEADERS = frozenset({b"transfer-encoding"})
DROPPED_REQUEST_HEADERS = frozenset({b"proxy-authorization"})


def reason_phrase(status: int) -> str:
    """The standard reason phrase (`200` → `OK`); empty for codes HTTP does not name."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def response_head(response: Response) -> StatusAndHeaders:
    """`HTTP/1.1 200 OK` and the response's headers, as warcio writes them."""
    protocol = response.protocol or "HTTP/1.1"
    status_line = f"{response.status} {reason_phrase(response.status)}".rstrip()
    return StatusAndHeaders(status_line, _header_list(response.headers, DROPPED_RESPONSE_HEADERS),
                            protocol=protocol)


def request_head(request: Request) -> StatusAndHeaders:
    """`GET /path?query HTTP/1.1`, `Host` first, then the request's headers as sent."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)]
    headers += [h for h in _header_list(request.headers, DROPPED_REQUEST_HEADERS) if h[0].lower() != "host"]
    # warcio writes a head as `<protocol> <statusline>`; for a request that is the method first.
    return StatusAndHeaders(f"{target} HTTP/1.1", headers, protocol=request.method)


def _header_list(headers: object, dropped: frozenset[bytes]) -> list[tuple[str, str]]:
    """Every (name, value) pair, repeated headers kept, decoded as HTTP headers are (latin-1)."""
    pairs = []
    for name, values in headers.items():  # type: ignore[attr-defined]
        if name.lower() in dropped:
            continue
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs
