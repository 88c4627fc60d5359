"""WARC files on disk: `OUTPUT/.archiver/warc/<source>/<timestamp>-<n>.warc.gz`.

A file is written as `.<name>.open` and renamed when closed, after its CDXJ index is written
beside it, so a name ending in `.warc.gz` always means a whole, indexed file. Each record is its
own gzip member, written with one `write` and flushed at once: a run killed with SIGKILL leaves
the open file readable up to its last whole record. The next run holding the output lock
`seal`s such a file: it cuts any half-written member off, indexes the rest, and renames it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import os
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from archiver.catalog import CATALOG_DIR
from archiver.warc.cdxj import INDEX_SUFFIX, IndexEntry, warc_timestamp, write_index

logger = logging.getLogger(__name__)
WARC_DIR = "warc"
WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
WARC_VERSION = "1.1"
# zlib level 6: the default of gzip(1); warcio's own level 9 costs twice the CPU for ~2 % less.
GZIP_LEVEL = 6


def warc_root(output: str | os.PathLike[str]) -> Path:
    """`OUTPUT/.archiver/warc`: one folder per source below it."""
    return Path(output) / CATALOG_DIR / WARC_DIR


def warc_files(folder: Path) -> list[Path]:
    """The closed WARC files of a folder, oldest first (names start with their UTC time)."""
    return sorted(folder.glob(f"*{WARC_SUFFIX}")) if folder.is_dir() else []


def index_path(warc: Path) -> Path:
    return warc.with_name(warc.name + INDEX_SUFFIX)


class WarcFile:
    """One WARC file being written: records go in, `close()` indexes and renames it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temp = path.with_name(f".{path.name}{OPEN_SUFFIX}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.temp, "xb")  # noqa: SIM115 - closed by close()
        self._entries: list[IndexEntry] = []
        # warcio serialises each record (digests, lengths) into this buffer; we gzip it.
        self._buffer = io.BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version=WARC_VERSION)

    @property
    def size(self) -> int:
        return self._handle.tell()

    def write(self, records: list[ArcWarcRecord]) -> None:
        """Append records (one gzip member each) in one write, flushed to the kernel: a kill
        after this returns cannot lose them."""
        chunks, entries = [], []
        offset = self._handle.tell()
        for record in records:
            member = self._member(record)
            if record.rec_type == "response":
                entries.append(_entry(record, offset, len(member), self.path.name))
            chunks.append(member)
            offset += len(member)
        self._handle.write(b"".join(chunks))
        self._handle.flush()
        self._entries += entries  # indexed only once wholly written

    def _member(self, record: ArcWarcRecord) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)
        return gzip.compress(self._buffer.getvalue(), compresslevel=GZIP_LEVEL, mtime=0)

    def abandon(self) -> None:
        """Stop writing after a failed write (disk full): the file stays under its temporary
        name, to be cut after its last whole record and sealed by the next run."""
        with contextlib.suppress(OSError):
            self._handle.close()

    def close(self) -> Path:
        """fsync, write the index, then rename to the final name; returns it."""
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        write_index(index_path(self.path), self._entries)
        os.replace(self.temp, self.path)
        return self.path


def new_warc_path(folder: Path, now: datetime | None = None) -> Path:
    """`<folder>/<UTC yyyymmddhhmmss>-<n>.warc.gz`, `n` the first number not taken yet."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d%H%M%S")
    n = 0
    while True:
        name = f"{stamp}-{n}{WARC_SUFFIX}"
        if not (folder / name).exists() and not (folder / f".{name}{OPEN_SUFFIX}").exists():
            return folder / name
        n += 1


def seal_open_files(folder: Path) -> list[Path]:
    """Finish the files a killed run left open (call only while holding the output lock)."""
    sealed = []
    if folder.is_dir():
        for temp in sorted(folder.glob(f".*{WARC_SUFFIX}{OPEN_SUFFIX}")):
            sealed.append(seal(temp))
    return sealed


def seal(temp: Path) -> Path:
    """Cut an open file after its last whole gzip member, index it and give it its final name."""
    final = temp.with_name(temp.name[1:].removesuffix(OPEN_SUFFIX))
    whole = whole_members_length(temp)
    size = temp.stat().st_size
    if whole < size:
        logger.warning("WARC %s: cutting off a half-written record (%d bytes) left by an "
                       "interrupted run", temp, size - whole)
        with open(temp, "r+b") as handle:
            handle.truncate(whole)
            os.fsync(handle.fileno())
    write_index(index_path(final), list(scan_index(temp, final.name)))
    os.replace(temp, final)
    logger.info("Sealed WARC file left open by an interrupted run: %s", final)
    return final


def whole_members_length(path: Path) -> int:
    """Bytes from the start of a gzip file up to the end of its last complete member."""
    end = 0
    with open(path, "rb") as handle:
        data = b""
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        position = 0  # file offset of the start of `data`
        while True:
            chunk = handle.read(1 << 16)
            if not chunk:
                return end
            data += chunk
            while data:
                try:
                    decompressor.decompress(data)
                except zlib.error:
                    return end  # garbage after the last member: cut it too
                if not decompressor.eof:
                    position += len(data)
                    data = b""
                    break
                rest = decompressor.unused_data
                position += len(data) - len(rest)
                end = position
                data = rest
                decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)


def scan_index(path: Path, filename: str) -> Iterator[IndexEntry]:
    """Index entries of a WARC file's response records, read from the file itself."""
    with open(path, "rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            if record.rec_type != "response":
                continue
            records.read_to_end(record)
            yield _entry(record, records.get_record_offset(), records.get_record_length(), filename)


def _entry(record: ArcWarcRecord, offset: int, length: int, filename: str) -> IndexEntry:
    headers = record.rec_headers
    http = record.http_headers
    mime = (http.get_header("Content-Type") or "").split(";")[0].strip() if http else ""
    status = int(http.get_statuscode() or 0) if http else 0
    return IndexEntry(
        url=headers.get_header("WARC-Target-URI"),
        timestamp=warc_timestamp(headers.get_header("WARC-Date")),
        status=status,
        mime=mime or "-",
        digest=(headers.get_header("WARC-Payload-Digest") or "-").removeprefix("sha1:"),  # as pywb
        offset=offset,
        length=length,
        filename=filename,
    )
