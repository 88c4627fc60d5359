"""Where an export goes: standard output (so it pipes), or a file replaced only when complete.

A file target is written to a temporary file beside it and renamed over it at the end, so an
interrupted or failed export never leaves a truncated dataset under the requested name.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from archiver.export.query import ExportError

STDOUT = "-"


@contextmanager
def open_target(to: str) -> Iterator[IO[bytes]]:
    """A binary stream for `to` (`-` is standard output); an unusable path is an ExportError
    before anything is read."""
    if to == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(to)
    if path.is_dir():
        raise ExportError(f"--to {to}: is a folder; give a file name")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    except OSError as exc:
        raise ExportError(f"--to {to}: cannot write there: {exc.strerror or exc}") from None
    try:
        os.fchmod(handle, 0o644)  # mkstemp's 0600 would surprise whoever shares the dataset
        with os.fdopen(handle, "wb") as stream:
            yield stream
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
