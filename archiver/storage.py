"""Files on disk: where an article goes, and writing it so no reader ever sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from archiver.catalog import CATALOG_DIR

# Free space a crawl needs to start: a new catalog, its first transactions, a few articles.
PROBE_BYTES = 256 * 1024


def source_dir(output: str | os.PathLike[str], source_id: str) -> Path:
    """`OUTPUT/<source>`: one folder per configured source."""
    return Path(output) / source_id


def article_path(output: str | os.PathLike[str], source_id: str, urlname: str) -> Path:
    """`OUTPUT/<source>/<urlname>.md`."""
    return source_dir(output, source_id) / f"{urlname}.md"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temporary file and a rename; False if it already held it.

    The rename is atomic on POSIX, so a crash leaves either the old file or the new one, never a
    truncated mix; the temporary file lives in the same folder so the rename never crosses file
    systems, and its name starts with a dot so Hugo ignores a leftover one.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide the archive from a web server
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return True


def probe_writable(output: str | os.PathLike[str]) -> None:
    """Raise the OSError a write into `output` would meet (read-only, full, not permitted).

    Creates `OUTPUT/.archiver/` (where the lock and the catalog live) and writes, syncs and
    deletes a `PROBE_BYTES` file there, so a crawl that could not store anything fails before
    its first request rather than after it, and the catalog's first transactions (the run's
    record) find room.
    """
    folder = Path(output) / CATALOG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=folder)
    try:
        rest = memoryview(bytes(PROBE_BYTES))
        while rest:  # a short write means the disk is nearly full: the next one raises ENOSPC
            rest = rest[os.write(handle, rest):]
        os.fsync(handle)
    finally:
        os.close(handle)
        Path(name).unlink(missing_ok=True)


def remove_stale_temp_files(folder: Path) -> int:
    """Delete temporary files a killed run left behind (`.<name>.<random>.tmp`).

    Only called while holding the output folder's lock, when no other writer can exist.
    """
    if not folder.is_dir():
        return 0
    stale = [p for p in folder.glob(".*.tmp") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)
