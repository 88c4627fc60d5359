"""Files on disk: where an article goes, and writing it so no reader ever sees half a file.

Two ways to write: `write_atomic` (one file, durable at once) and `write_durably` (many files,
made durable together, so a batch costs one trip to a worker thread instead of one per file);
either way a reader never sees a half-written file, nor one that a power loss could truncate.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from archiver.catalog import CATALOG_DIR

# Free space a crawl needs to start: a new catalog, its first transactions, a few articles.
PROBE_BYTES = 256 * 1024
TEMP_SUFFIX = ".tmp"


def source_dir(output: str | os.PathLike[str], source_id: str) -> Path:
    """`OUTPUT/<source>`: one folder per configured source."""
    return Path(output) / source_id


def article_path(output: str | os.PathLike[str], source_id: str, urlname: str) -> Path:
    """`OUTPUT/<source>/<urlname>.md`."""
    return source_dir(output, source_id) / f"{urlname}.md"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through `atomic_file`, durably; False if it already held it."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, durable=True) as temp:
        temp.write(data)
    return True


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether `path` already holds exactly `data` (rewriting it would change nothing)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False


def write_durably(files: Iterable[tuple[Path, bytes]]) -> None:
    """Write many files so that each appears under its name only complete and on disk: each
    goes to a temporary name in its folder and is fsynced, then all are renamed, then their
    folders are fsynced (so the renames survive a power loss too). A name given twice ends
    with its last content. On an error no new temporary file is left behind.

    One call for a whole batch of files: it runs in a worker thread, and one trip there costs
    the reactor less than one per file (`archiver.write_batch`)."""
    files = list(files)
    temps: list[str] = []
    try:
        for path, data in files:
            temps.append(_synced_temp(path, data))
        for temp, (path, _) in zip(temps, files):
            os.replace(temp, path)
    except BaseException:
        for temp in temps:
            Path(temp).unlink(missing_ok=True)
        raise
    for folder in {path.parent for path, _ in files}:
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _synced_temp(path: Path, data: bytes) -> str:
    """A temporary file next to `path` holding `data`, fsynced; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = _temp_next_to(path)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return name


def _temp_next_to(path: Path) -> tuple[int, str]:
    """An open temporary file in `path`'s folder, `.<name>.<random>.tmp`, readable by all
    (mkstemp's 0600 would hide the published file from a web server)."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(handle, 0o644)
    except BaseException:
        os.close(handle)
        Path(name).unlink(missing_ok=True)
        raise
    return handle, name


@contextmanager
def atomic_file(path: Path, durable: bool) -> Iterator[IO[bytes]]:
    """A binary stream that becomes `path` only when the block ends without an exception.

    It writes a temporary file and renames it: the rename is atomic on POSIX, so a crash leaves
    either the old file or the new one, never a truncated mix. The temporary file lives in the
    same folder so the rename never crosses file systems, and its name starts with a dot so Hugo
    ignores a leftover one. `durable` fsyncs before the rename (a power loss keeps the data).
    """
    handle, temp_name = _temp_next_to(path)
    try:
        with os.fdopen(handle, "wb") as temp:
            yield temp
            if durable:
                temp.flush()
                os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def file_digest(path: str | os.PathLike[str]) -> tuple[str, int]:
    """sha256 hex digest and size of a file, read once."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        return digest.hexdigest(), handle.tell()


def is_temp_file(name: str) -> bool:
    """`.<name>.<random>.tmp`, as `atomic_file` (and the start-up probe) name temporary files."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def probe_writable(output: str | os.PathLike[str]) -> None:
    """Raise the OSError a write into `output` would meet (read-only, full, not permitted).

    Creates `OUTPUT/.archiver/` (where the lock and the catalog live) and writes, syncs and
    deletes a `PROBE_BYTES` file there, so a crawl that could not store anything fails before
    its first request rather than after it, and the catalog's first transactions (the run's
    record) find room.
    """
    folder = Path(output) / CATALOG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".probe.", suffix=TEMP_SUFFIX, dir=folder)
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
    stale = [p for p in folder.iterdir() if is_temp_file(p.name) and p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)
