"""Is a download what the article needs? Status, size and the bytes themselves decide.

Sites answer a missing picture with a 200 "page not found" HTML page labelled `image/jpeg`, and
download scripts answer an expired link with an HTML error page labelled as a Word file, so the
declared Content-Type is never trusted: the first bytes (magic numbers) say what a file is. An
image must be one of the raster formats browsers show (SVG is refused: served from the archive's
own origin its scripts would run); an attachment or video may be anything except an HTML page.

Truncation is caught below this module: Scrapy fails a body shorter than its Content-Length
(`ResponseDataLossError`, which the pipeline reports as `truncated`) and cancels one that grows
past the per-request size cap (`download_maxsize`) while it streams. A response that ends when the
connection closes (no Content-Length) cannot be told from a complete one and is accepted.

Reason codes double as stats keys: `archiver/media/failed/{reason}`.
"""

from __future__ import annotations

from dataclasses import dataclass

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/avif"})
# (offset, magic bytes, MIME type, file extension), most specific first.
SIGNATURES: tuple[tuple[int, bytes, str, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (0, b"GIF87a", "image/gif", ".gif"),
    (0, b"GIF89a", "image/gif", ".gif"),
    (8, b"WEBP", "image/webp", ".webp"),  # after "RIFF" and a length (checked below)
    (8, b"AVI ", "video/x-msvideo", ".avi"),
    (4, b"ftypavif", "image/avif", ".avif"),
    (4, b"ftypqt", "video/quicktime", ".mov"),
    (4, b"ftyp", "video/mp4", ".mp4"),
    (0, b"BM", "image/bmp", ".bmp"),
    (0, b"%PDF-", "application/pdf", ".pdf"),
    (0, b"PK\x03\x04", "application/zip", ".zip"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage", ".doc"),
    (0, b"Rar!\x1a\x07", "application/vnd.rar", ".rar"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed", ".7z"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm", ".webm"),
    (0, b"FLV\x01", "video/x-flv", ".flv"),
    (0, b"OggS", "video/ogg", ".ogv"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "video/x-ms-asf", ".wmv"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<script")
_HTML_INSIDE = (b"<html", b"<body", b"<title", b"<head")
_SNIFF_BYTES = 1024


class MediaError(Exception):
    """A medium could not be archived; `reason` is short and stats-friendly (`http_404`)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are, when their signature is known."""

    content_type: str | None
    extension: str | None


def sniff(body: bytes) -> Sniffed:
    """The type of `body` from its first bytes, or `Sniffed(None, None)`."""
    for offset, magic, content_type, extension in SIGNATURES:
        if body.startswith(magic, offset):
            if offset == 8 and not body.startswith(b"RIFF"):
                continue
            if magic == b"BM" and len(body) < 26:  # a BMP header is 14 + 12 bytes at least
                continue
            return Sniffed(content_type, extension)
    return Sniffed(None, None)


def looks_like_html(body: bytes) -> bool:
    """An HTML page (an error page, a login form), whatever its Content-Type said."""
    head = body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    if head.startswith(_HTML_STARTS):
        return True
    return head.startswith(b"<") and any(tag in head for tag in _HTML_INSIDE)


def check_download(kind: str, status: int, body: bytes, flags: list[str] | tuple[str, ...] = ()) -> Sniffed:
    """What a finished download holds, or MediaError when it must not be archived.

    `kind` is image, attachment or video; `flags` are Scrapy's response flags (`dataloss` marks
    a body cut short that Scrapy was told to accept).
    """
    if status != 200:
        raise MediaError(f"http_{status}", f"HTTP status {status}")
    if "dataloss" in flags:
        raise MediaError("truncated", "the body is shorter than its Content-Length")
    if not body:
        raise MediaError("empty", "the response body is empty")
    found = sniff(body)
    if kind == "image":
        if found.content_type in IMAGE_TYPES:
            return found
        what = "an HTML page" if looks_like_html(body) else f"unrecognised bytes {body[:8]!r}"
        raise MediaError("not_image", f"expected an image, got {what}")
    if found.content_type is None and looks_like_html(body):
        raise MediaError("html_page", f"expected a file, got an HTML page ({len(body)} bytes)")
    return found
