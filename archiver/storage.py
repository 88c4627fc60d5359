"""Files on disk: where an article goes, and writing it so no reader ever sees half a file.

Two ways to write: `write_atomic` (one file, durable at once) and `stage` + `sync_data` + rename +
`fsync_all` of the folders (many files, made durable together: `archiver.write_batch`); either
way a reader never sees a half-written file, nor one that a power loss could truncate.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
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
    if same_bytes(path, data):
        return False
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


def stage(path: Path, data: bytes) -> Path:
    """Write `data` to a new temporary file next to `path` (`.<name>.<pid>-<n>.tmp`, which a
    killed run leaves for `remove_stale_temp_files`); not synced, not visible under `path` yet.
    The caller's thread pays a few system calls: cheaper for the reactor than a trip to a worker
    thread, where each of them waits to get the GIL back."""
    temp = path.with_name(f".{path.name}.{os.getpid()}-{next(_TEMP_NUMBERS)}{TEMP_SUFFIX}")
    try:
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.fchmod(handle, 0o644)  # whatever the umask: the published file is read by a web server
        _write_all(handle, data)
    except BaseException:
        os.close(handle)
        temp.unlink(missing_ok=True)
        raise
    os.close(handle)
    return temp


def _write_all(handle: int, data: bytes) -> None:
    """Write all of `data`: a short write means the disk is nearly full, and the next one raises
    ENOSPC."""
    rest = memoryview(data)
    while rest:
        rest = rest[os.write(handle, rest):]


def sync_data(files: Iterable[Path]) -> None:
    """Make the content of `files` durable: one `syncfs` per file system on Linux (one journal
    commit for a whole batch), an fsync per file elsewhere. Blocks: run it in a worker thread."""
    if _syncfs is None:
        fsync_all(files)
        return
    devices = {path.parent.stat().st_dev: path for path in files}
    for path in devices.values():
        descriptor = os.open(path, os.O_RDONLY)
        try:
            if _syncfs(descriptor) != 0:
                number = ctypes.get_errno()
                raise OSError(number, os.strerror(number), str(path))
        finally:
            os.close(descriptor)


def fsync_all(paths: Iterable[Path]) -> None:
    """fsync each path: a file's content, or a folder's entries (the renames into it)."""
    for path in paths:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _load_syncfs() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs  # Linux
    except (OSError, AttributeError):
        return None


_syncfs = _load_syncfs()
_TEMP_NUMBERS = itertools.count()


@contextmanager
def atomic_file(path: Path, durable: bool) -> Iterator[IO[bytes]]:
    """A binary stream that becomes `path` only when the block ends without an exception.

    It writes a temporary file and renames it: the rename is atomic on POSIX, so a crash leaves
    either the old file or the new one, never a truncated mix. The temporary file lives in the
    same folder so the rename never crosses file systems, and its name starts with a dot so Hugo
    ignores a leftover one. `durable` fsyncs before the rename (a power loss keeps the data).
    """
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide the file from a web server
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
        _write_all(handle, bytes(PROBE_BYTES))
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
