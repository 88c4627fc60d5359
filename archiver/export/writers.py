"""Record writers, one per format, each writing records as they come (nothing is held back but
one Parquet row group).

- JSON Lines: one object per line, keys in schema order, UTF-8 without escaping CJK; U+2028,
  U+2029 and U+0085 are escaped too, so `str.splitlines()` cannot cut a record in two.
- CSV: RFC 4180 (CRLF line ends, fields quoted when needed), the header row names the columns;
  null is an empty field, lists are JSON in their field; `excel=True` starts with a UTF-8 BOM so
  Excel reads the Chinese text as UTF-8, and neutralises cells a spreadsheet would run as a
  formula (`excel_cell`); without it every value is written exactly as archived.
- Parquet: typed columns (timestamps, lists of structs), zstd-compressed row groups of at most
  `ROW_GROUP_ROWS` rows and `ROW_GROUP_CHARS` characters of text, `schema_version` in the
  file's key-value metadata. Needs pyarrow.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import IO, Any, Protocol

from archiver.export.query import ExportError
from archiver.export.records import FIELDS, SCHEMA_VERSION, ExportRecord, json_ready

FORMATS = ("jsonl", "csv", "parquet")
# A row group is written when it has this many rows or this many characters of text and
# Markdown, whichever comes first: memory is bounded by the second however long articles are.
ROW_GROUP_ROWS = 1000
ROW_GROUP_CHARS = 1_000_000
UTF8_BOM = "\ufeff"
PARQUET_HINT = "pip install 'archiver[parquet]'"
_LINE_SEPARATORS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


class RecordWriter(Protocol):
    def write(self, record: ExportRecord) -> None: ...

    def finish(self) -> None:
        """Write what is pending (Parquet: the last row group and the footer)."""


def _compact_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _LINE_SEPARATORS.items():
        text = text.replace(char, escape)  # only ever inside a string, where \\uXXXX is valid
    return text


class JsonlWriter:
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def write(self, record: ExportRecord) -> None:
        self.stream.write((_compact_json(json_ready(record)) + "\n").encode("utf-8"))

    def finish(self) -> None:
        self.stream.flush()


# First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a title like `=HYPERLINK(...)` or `+cmd|...` taken
    from a web page gets a leading `'` (OWASP's advice), which Excel and LibreOffice read as
    "text follows" and do not display."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class CsvWriter:
    def __init__(self, stream: IO[bytes], excel: bool = False) -> None:
        self.text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        self.excel = excel
        if excel:
            self.text.write(UTF8_BOM)
        self.rows = csv.writer(self.text, lineterminator="\r\n")
        self.rows.writerow(FIELDS)

    def write(self, record: ExportRecord) -> None:
        values = json_ready(record)
        for name in ("images", "attachments"):
            values[name] = _compact_json(values[name])
        cells = ["" if values[name] is None else values[name] for name in FIELDS]
        if self.excel:
            cells = [excel_cell(c) if isinstance(c, str) else c for c in cells]
        self.rows.writerow(cells)

    def finish(self) -> None:
        self.text.flush()
        self.text.detach()  # the binary stream belongs to the caller (it may be stdout)


def _import_pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise ExportError(f"--format parquet needs pyarrow ({exc}): {PARQUET_HINT}") from None
    return pyarrow, pyarrow.parquet


def parquet_schema(pa: Any) -> Any:
    """Schema version 1 as Arrow types: `published` with its +08:00 zone, `archived`/`updated`
    as local (zone-less) timestamps, images and attachments as lists of structs."""
    local = pa.timestamp("us")
    image = pa.struct([("url", pa.string()), ("path", pa.string()), ("sha256", pa.string()),
                       ("bytes", pa.int64())])
    attachment = pa.struct([("name", pa.string()), ("url", pa.string()), ("path", pa.string())])
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("url", pa.string(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
            pa.field("site_name", pa.string()),
            pa.field("title", pa.string()),
            pa.field("published", pa.timestamp("us", tz="+08:00")),
            pa.field("archived", local, nullable=False),
            pa.field("updated", local),
            pa.field("text", pa.string()),
            pa.field("markdown", pa.string()),
            pa.field("images", pa.list_(image), nullable=False),
            pa.field("attachments", pa.list_(attachment), nullable=False),
            pa.field("path", pa.string(), nullable=False),
            pa.field("chars", pa.int64()),
        ],
        metadata={"schema_version": str(SCHEMA_VERSION)},
    )


class ParquetWriter:
    def __init__(self, stream: IO[bytes]) -> None:
        self.pa, parquet = _import_pyarrow()
        self.schema = parquet_schema(self.pa)
        self.file = parquet.ParquetWriter(stream, self.schema, compression="zstd")
        self.rows: list[dict[str, Any]] = []
        self.chars = 0

    def write(self, record: ExportRecord) -> None:
        row = record.__dict__.copy()
        row["images"] = [asdict(image) for image in record.images]
        row["attachments"] = [asdict(attachment) for attachment in record.attachments]
        self.rows.append(row)
        self.chars += len(record.text or "") + len(record.markdown or "")
        if len(self.rows) >= ROW_GROUP_ROWS or self.chars >= ROW_GROUP_CHARS:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.file.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []
            self.chars = 0

    def finish(self) -> None:
        self._flush()
        self.file.close()


def check_format_available(format_name: str) -> None:
    """Fail before any work when the format's library is missing."""
    if format_name == "parquet":
        _import_pyarrow()


WRITERS: dict[str, Callable[[IO[bytes], bool], RecordWriter]] = {
    "jsonl": lambda stream, excel: JsonlWriter(stream),
    "csv": CsvWriter,
    "parquet": lambda stream, excel: ParquetWriter(stream),
}
