"""Attachment file names: the real name from Content-Disposition, decoded, made safe.

Chinese download scripts name files every way there is: RFC 5987 `filename*=UTF-8''%E5…`
(what browsers prefer), raw UTF-8 or raw GBK bytes inside `filename="…"` (what most JSP/ASP
servers send), the name percent-encoded inside `filename="…"` (Java's `URLEncoder`, `+` for
space), or a MIME encoded word. Each is decoded here; bytes that are not UTF-8 are read as
GB18030 (the superset of GBK and GB2312).

A name from a server is not trusted: `safe_file_name` turns it into one plain file name that
cannot leave the folder it is written to, cannot be hidden or reserved on Windows, and fits any
file system, while keeping the Chinese text as it was (no transliteration, no case change).
"""

from __future__ import annotations

import re
import unicodedata
from email.header import decode_header, make_header
from email.errors import HeaderParseError
from urllib.parse import unquote_to_bytes, urlsplit

from archiver.extract import FILE_EXTENSIONS

MAX_NAME_BYTES = 200  # file systems allow 255; room for a collision suffix
FALLBACK_STEM = "attachment"
# Server-side scripts: a URL ending in one names the script, not the file.
SCRIPT_EXTENSIONS = frozenset("jsp asp aspx php do action cgi htm html shtml".split())
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)
_PARAM = re.compile(rb"""([!#$%&'*+.^`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)""")
_ESCAPED = re.compile(rb"\\(.)")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_ENCODED_WORD = re.compile(r"=\?[^?]+\?[BbQq]\?[^?]*\?=")
_SEPARATORS = re.compile(r"[/\\]+")
_RESERVED = re.compile(r'[:*?"<>|]')
_EXTENSION = re.compile(r"\.([0-9A-Za-z]{1,8})$")


def disposition_filename(header: bytes | str | None) -> str | None:
    """The file name a Content-Disposition header value gives (`filename*` wins), decoded."""
    if not header:
        return None
    raw = header.encode("latin-1", "replace") if isinstance(header, str) else header
    kind, _, rest = raw.partition(b";")
    params: dict[str, bytes] = {}
    for match in _PARAM.finditer(raw if b"=" in kind else rest):  # some servers omit the type
        params.setdefault(match.group(1).lower().decode("ascii"), match.group(2).strip())
    extended = params.get("filename*")
    if extended:
        name = _decode_extended(_unquote(extended))
        if name:
            return name
    plain = params.get("filename")
    if plain:
        return _decode_plain(_unquote(plain)) or None
    return None


def _unquote(value: bytes) -> bytes:
    if value.startswith(b'"'):
        return _ESCAPED.sub(rb"\1", value[1:-1] if value.endswith(b'"') and len(value) > 1 else value[1:])
    return value


def _decode_extended(value: bytes) -> str | None:
    """RFC 5987 `charset'language'percent-encoded`."""
    charset, _, rest = value.partition(b"'")
    _, _, encoded = rest.partition(b"'")
    if not encoded:
        return None
    data = unquote_to_bytes(encoded)
    return _text(data, charset.decode("ascii", "replace").strip().lower())


def _decode_plain(value: bytes) -> str:
    """Raw UTF-8 or GBK bytes, then a MIME encoded word or percent-encoding inside them."""
    text = _text(value)
    if _ENCODED_WORD.search(text):
        try:
            return str(make_header(decode_header(text)))
        except (HeaderParseError, LookupError, UnicodeDecodeError):
            return text
    if _PERCENT.search(text) and text.isascii():
        spaced = text if " " in text else text.replace("+", " ")  # Java URLEncoder writes + for space
        return _text(unquote_to_bytes(spaced))
    return text


def _text(data: bytes, charset: str = "") -> str:
    """Decode with the declared charset, else UTF-8, else GB18030 (GBK's superset)."""
    charsets = [charset] if charset and charset not in ("utf-8", "utf8") else []
    for name in (*charsets, "utf-8", "gb18030"):
        try:
            return data.decode("gb18030" if name in ("gbk", "gb2312", "cp936") else name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def safe_file_name(name: str) -> str:
    """One file name, safe in any folder on any OS; "" when nothing usable is left.

    Path separators never survive (`../../etc/passwd` → `etc_passwd`, `..\\x.doc` → `x.doc`:
    the `.`/`..` parts are dropped, the rest joined by `_`); control and format characters
    (bidi overrides that disguise an extension) are removed; characters Windows reserves become
    `_`; white space runs become one space; leading dots and trailing dots or spaces go; a
    reserved device name (`CON`, `NUL`...) gets a `_` prefix; the name is cut to
    `MAX_NAME_BYTES` bytes of UTF-8, keeping its extension.
    """
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if unicodedata.category(c) == "Zs" else c for c in name
                   if c.isspace() or unicodedata.category(c)[0] != "C")
    parts = [p for p in _SEPARATORS.split(name) if p.strip() not in ("", ".", "..")]
    name = "_".join(p.strip() for p in parts)
    name = _RESERVED.sub("_", " ".join(name.split()))
    name = name.lstrip(". ").rstrip(". ")
    if split_extension(name)[0].upper() in _WINDOWS_DEVICES:
        name = f"_{name}"
    return _fit(name)


def _fit(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, extension = split_extension(name)
    budget = MAX_NAME_BYTES - len(extension.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip(". ")
    return cut + extension


def split_extension(name: str) -> tuple[str, str]:
    """`("report", ".pdf")`; an extension is a dot and 1–8 letters or digits at the end."""
    match = _EXTENSION.search(name)
    if not match or match.start() == 0:
        return name, ""
    return name[: match.start()], name[match.start():]


def attachment_name(disposition: str | None, url: str, link_text: str | None, sniffed_extension: str | None) -> str:
    """The name an attachment is stored under, from the best source there is.

    Content-Disposition first (the name it was uploaded with); then the visible link text when it
    ends in a file extension (`2021年工作安排.docx`); then the URL's last path segment when it is
    a file rather than a script; then the link text; then `attachment`. A name without an
    extension gets the one its bytes show.
    """
    from_url = unquote_to_bytes(urlsplit(url).path.rsplit("/", 1)[-1])
    url_name = safe_file_name(_text(from_url))
    url_extension = split_extension(url_name)[1][1:].lower()
    text_name = safe_file_name(link_text or "")
    candidates = [
        safe_file_name(disposition or ""),
        text_name if split_extension(text_name)[1][1:].lower() in FILE_EXTENSIONS else "",
        url_name if url_extension and url_extension not in SCRIPT_EXTENSIONS else "",
        text_name,
    ]
    name = next((c for c in candidates if c), FALLBACK_STEM)
    if not split_extension(name)[1] and sniffed_extension:
        name = _fit(name + sniffed_extension)
    return name


def alternative_name(name: str, digest: str) -> str:
    """The name for a different file that wants a name already taken: `stem-1a2b3c4d.ext`."""
    stem, extension = split_extension(name)
    suffix = f"-{digest[:8]}{extension}"
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    return stem.encode("utf-8")[:budget].decode("utf-8", "ignore") + suffix


# Stored under their own name: documents, archives, raster images, audio and video, which a
# browser downloads or shows as what they are and Hugo does not read as content. Anything else
# (html, svg, xml, js, md, an unknown or missing extension) and any file whose bytes start like
# markup gets INERT_SUFFIX.
INERT_EXTENSIONS = FILE_EXTENSIONS | frozenset(
    "jpg jpeg png gif webp bmp avif mp3 wav m4a mp4 m4v mov webm ogv ogg flv f4v avi wmv mkv 3gp"
    " mpg mpeg gz tgz bz2 xz tar docm xlsm pptm vsd vsdx mpp epub".split()
)
INERT_SUFFIX = ".bin"
_MARKUP_START = (b"<", b"\xef\xbb\xbf<")


def inert_name(name: str, body: bytes) -> str:
    """`name`, or `name` + `.bin` when a browser could run it or Hugo could render it.

    An archive is served from the archive's own site, next to its articles: a stored
    `notice.html` with a `<script>`, a `chart.svg` with `onload=`, or a `.md` with shortcodes would
    run as that site. Served as `application/octet-stream` (`.bin`), it is only ever downloaded;
    the name before `.bin` keeps what the server called it.
    """
    extension = split_extension(name)[1][1:].lower()
    if extension in INERT_EXTENSIONS and not body.lstrip(b" \t\r\n\x0c").startswith(_MARKUP_START):
        return name
    return _fit(name + INERT_SUFFIX) if not name.endswith(INERT_SUFFIX) else name
