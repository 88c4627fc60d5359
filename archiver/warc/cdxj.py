"""CDXJ indexes: one line per response record, `<key> <timestamp> <json>`, sorted by key.

The format is the one pywb and the Internet Archive's tools read (a SURT-style URL key, a
14-digit timestamp, then JSON with `url`, `mime`, `status`, `digest`, `length`, `offset` and
`filename`), so a lookup by URL reads the small index and seeks straight to the record instead
of scanning the WARC. One index sits beside each closed WARC file (`<name>.cdxj`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from archiver.storage import atomic_file

INDEX_SUFFIX = ".cdxj"


@dataclass(frozen=True)
class IndexEntry:
    """Where one response record is: its WARC file (a name beside the index) and byte range."""

    url: str
    timestamp: str
    status: int
    mime: str
    digest: str
    offset: int
    length: int
    filename: str

    def line(self) -> str:
        fields = {
            "url": self.url, "mime": self.mime, "status": str(self.status), "digest": self.digest,
            "length": str(self.length), "offset": str(self.offset), "filename": self.filename,
        }
        return f"{url_key(self.url)} {self.timestamp} {json.dumps(fields, ensure_ascii=False)}"


def url_key(url: str) -> str:
    """A SURT-style key: host labels reversed (`www.` dropped), lower case, then `)` and the
    path and query: `http://www.gongxue.cn/xw.htm` → `cn,gongxue)/xw.htm`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return ",".join(reversed(host.split("."))) + port + ")" + path


def warc_timestamp(warc_date: str) -> str:
    """`2026-12-01T06:44:44.123456Z` → `20261201064444`."""
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


def write_index(path: Path, entries: list[IndexEntry]) -> None:
    """The index file for one WARC, sorted by key then time (stable: file order within);
    written atomically and durably, since the WARC is renamed to its final name right after."""
    ordered = sorted(entries, key=lambda entry: (url_key(entry.url), entry.timestamp))
    # Line by line: a whole index in memory at once (its lines, their join, its encoding) was
    # the peak of a long backfill's memory, at the very end (README, Performance).
    with atomic_file(path, durable=True) as out:
        for entry in ordered:
            out.write(entry.line().encode("utf-8") + b"\n")


def read_index(path: Path) -> list[IndexEntry]:
    """The entries of one index file; `filename` resolved against the index's folder."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        _key, timestamp, data = line.split(" ", 2)
        fields = json.loads(data)
        entries.append(IndexEntry(
            url=fields["url"], timestamp=timestamp, status=int(fields["status"]), mime=fields["mime"],
            digest=fields["digest"], offset=int(fields["offset"]), length=int(fields["length"]),
            filename=fields["filename"],
        ))
    return entries
