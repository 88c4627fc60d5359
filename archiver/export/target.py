"""Where an export goes: standard output (so it pipes), or a file replaced only when complete.

A file target is written to a temporary file beside it and renamed over it at the end, so an
interrupted or failed export never leaves a truncated dataset under the requested name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

from archiver.export.query import ExportError
from archiver.storage import atomic_file

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
    with ExitStack() as stack:
        try:
            stream = stack.enter_context(atomic_file(path, durable=False))
        except OSError as exc:
            raise ExportError(f"--to {to}: cannot write there: {exc.strerror or exc}") from None
        yield stream
