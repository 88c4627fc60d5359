"""Serving a saved slice of a real site (`../shared/corpus/sites/<host>/`) at its real URLs.

A slice is a folder named after the host whose files sit at the paths they had on the site.
`SliceSite` answers a path with the file there (`/` with `index.htm` or `index.html`) and 404
otherwise, as the real site answers for what the slice does not hold; `ReplicaServer` puts it on
127.0.0.1 as a proxy (and, with a certificate, as an https proxy), so a crawl of
`https://cs.nankai.edu.cn/szdw/js.htm` through it fetches the saved pages.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from archiver.replica.site import Response, not_found

INDEX_FILES = ("index.htm", "index.html")


class SliceSite:
    """The files of `folder` at their paths on host `folder.name` (lower-cased)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.host = folder.name.lower()

    def render(self, target: str, /) -> Response:
        path = unquote(urlsplit(target).path)
        if path == "/robots.txt":
            return Response(200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n")
        file = self._file(path)
        if file is None:
            return not_found()
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind == "text/html":
            kind = "text/html; charset=utf-8"
        return Response(200, {"Content-Type": kind}, file.read_bytes())

    def _file(self, path: str) -> Path | None:
        candidate = (self.folder / path.lstrip("/")).resolve()
        if candidate != self.folder and self.folder not in candidate.parents:
            return None  # ../ out of the slice
        if candidate.is_dir():
            candidate = next((candidate / n for n in INDEX_FILES if (candidate / n).is_file()), candidate)
        return candidate if candidate.is_file() else None

    def html_files(self) -> list[str]:
        """Paths of the slice's pages, for counting what a crawl should find."""
        return sorted("/" + p.relative_to(self.folder).as_posix()
                      for p in self.folder.rglob("*") if p.suffix in (".htm", ".html"))
