"""`archiver verify --repair`: make the catalog and the files agree, trusting whichever side
can be trusted, and never deleting what cannot be fetched again.

- A row without its file (or pointing outside the output folder): the row and its media rows
  go, and the article is recorded as failed, so the next `crawl` fetches it again (a `backfill`
  does anyway: the catalog no longer knows it).
- A file without a row: the row is rebuilt from the file (front matter, source link, bytes);
  its media rows from the file's image and attachment links (`done` for links to archived
  copies that are there, `linked` otherwise). The publication date is unknown until the
  article is fetched again.
- A damaged file (truncated, overwritten: not a whole article file): deleted, with its row,
  so it is fetched again.
- A file that changed but is a whole article file: trusted (someone edited it); the catalog
  takes its hash and size.
- An archived medium missing or not matching its sha256: its rows become `failed` (reason
  `verify_missing`/`verify_hash`, attempts reset, no back-off), so the next `crawl` downloads
  it again; a file that matches none of its rows is deleted.
- A temporary file: deleted. An orphan media file: kept, or deleted with `--prune-orphans`.
- A source's whole folder missing: nothing is done (a wrong `--output` or an unmounted disk
  must not empty the catalog).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from archiver.catalog import ArticleRecord, Catalog, MediaRecord
from archiver.config import Source
from archiver.article_file.parse import ArticleFileError, split_article_file
from archiver.export.from_files import local_copy
from archiver.article_file.front_matter import article_title, read_front_matter, source_layout
from archiver.export.markdown_text import image_urls, parse_markdown
from archiver.article_file.render import format_timestamp
from archiver.storage import file_digest
from archiver.verify import (
    DAMAGED_FILE,
    HASH_MISMATCH,
    MEDIA_HASH,
    MEDIA_MISSING,
    MEDIA_OUTSIDE,
    MISSING_FILE,
    MISSING_FOLDER,
    MISSING_ROW,
    ORPHAN,
    OUTSIDE_OUTPUT,
    TEMP_FILE,
    Finding,
    normal_path,
)

REFETCH = "the next crawl fetches the article again"
REDOWNLOAD = "the next crawl downloads it again"


class Repairer:
    """Repairs findings one at a time, each in its own catalog transaction.

    `configured` are the sources file's sources (for the front-matter title layout when a row
    is rebuilt; the default layout otherwise); `now` the catalog timestamp for failure records.
    """

    def __init__(self, catalog: Catalog, output: str, configured: Mapping[str, Source], *,
                 prune_orphans: bool, now: str) -> None:
        self.catalog = catalog
        self.output = output
        self.configured = configured
        self.prune_orphans = prune_orphans
        self.now = now

    def __call__(self, finding: Finding) -> Finding:
        action = {
            MISSING_FOLDER: self._refuse_folder,
            MISSING_FILE: self._forget_missing,
            OUTSIDE_OUTPUT: self._forget_outside,
            DAMAGED_FILE: self._delete_damaged,
            HASH_MISMATCH: self._trust_file,
            MISSING_ROW: self._rebuild_row,
            MEDIA_MISSING: self._fail_media,
            MEDIA_HASH: self._fail_media,
            MEDIA_OUTSIDE: self._fail_media,
            TEMP_FILE: self._delete_temp,
            ORPHAN: self._prune_orphan,
        }.get(finding.kind)
        if action is None:
            return replace(finding, outcome="an unreadable file is left alone: check the disk and its permissions")
        try:
            outcome, repaired = action(finding)
        except OSError as exc:
            return replace(finding, outcome=f"failed: {exc.strerror or exc}")
        except (ArticleFileError, UnicodeDecodeError) as exc:  # changed since it was checked
            return replace(finding, outcome=f"failed: the file is no longer an article file ({exc})")
        return replace(finding, outcome=outcome, repaired=repaired)

    # -- articles

    def _refuse_folder(self, finding: Finding) -> tuple[str, bool]:
        return ("nothing done: check --output (and that the disk is mounted); if the folder is "
                "really gone, create it empty and run --repair again to forget its articles"), False

    def _forget_missing(self, finding: Finding) -> tuple[str, bool]:
        self._forget(finding, "verify_missing", "its file was missing (archiver verify --repair)")
        return f"row removed; {REFETCH}", True

    def _forget_outside(self, finding: Finding) -> tuple[str, bool]:
        self._forget(finding, "verify_outside", "its row pointed outside the output folder")
        return f"row removed (the file it pointed at is left alone); {REFETCH}", True

    def _delete_damaged(self, finding: Finding) -> tuple[str, bool]:
        self._path(finding).unlink(missing_ok=True)
        if finding.article_id is None:
            return "file deleted; the next backfill fetches the article again", True
        self._forget(finding, "verify_damaged", "its file was damaged (archiver verify --repair)")
        return f"file deleted and row removed; {REFETCH}", True

    def _trust_file(self, finding: Finding) -> tuple[str, bool]:
        digest, size = file_digest(str(self._path(finding)))
        assert finding.article_id is not None  # a hash mismatch is always about a row
        self.catalog.set_file_facts(finding.article_id, digest, size)
        return "the catalog now has the file's hash and size (the file is kept as it is)", True

    def _rebuild_row(self, finding: Finding) -> tuple[str, bool]:
        record, media = rebuild_row(self.output, finding.source, finding.path,
                                    self.configured.get(finding.source))
        other = self.catalog.article(record.source, record.url)
        if other is not None:
            return (f"the catalog has {record.url} as {other.path} already; this file is a "
                    "second copy: delete one of them"), False
        self.catalog.save_article(record, media)
        return ("row rebuilt from the file (publication date unknown until the article is "
                "fetched again)"), True

    def _forget(self, finding: Finding, reason: str, message: str) -> None:
        """Delete the article's row (its media rows go with it) and record it as failed, so
        a `crawl` retries it; a `backfill` fetches it anyway once the catalog does not know it."""
        assert finding.article_id is not None  # only findings about a row are forgotten
        self.catalog.forget_article(finding.article_id)
        if finding.url is not None:
            self.catalog.record_failure(finding.source, finding.url, reason, message, self.now)

    # -- media

    def _fail_media(self, finding: Finding) -> tuple[str, bool]:
        """Mark the rows of an archived medium whose file is missing or wrong as failed,
        due for a new download; delete the file when it matches none of them."""
        reason = {MEDIA_MISSING: "verify_missing", MEDIA_HASH: "verify_hash",
                  MEDIA_OUTSIDE: "verify_outside"}[finding.kind]
        keep: tuple[str, int] | None = None
        if finding.kind == MEDIA_HASH:
            keep = file_digest(str(self._path(finding)))
        failed, still_used = self.catalog.fail_media_file(
            finding.source, finding.path, f"{reason}: {finding.message} (archiver verify)", keep)
        deleted = ""
        if finding.kind == MEDIA_HASH and not still_used:
            self._path(finding).unlink(missing_ok=True)
            deleted = "file deleted, "
        return f"{deleted}{failed} media rows marked failed; {REDOWNLOAD}", True

    # -- files

    def _delete_temp(self, finding: Finding) -> tuple[str, bool]:
        self._path(finding).unlink(missing_ok=True)
        return "deleted", True

    def _prune_orphan(self, finding: Finding) -> tuple[str, bool]:
        if not self.prune_orphans:
            return "kept (--prune-orphans deletes orphan media files)", False
        self._path(finding).unlink(missing_ok=True)
        return "deleted (--prune-orphans)", True

    def _path(self, finding: Finding) -> Path:
        path = normal_path(finding.path)
        if path is None:  # never touch a file outside the output folder
            raise OSError(f"{finding.path} is outside the output folder")
        return Path(self.output, path)


def rebuild_row(output: str, source: str, path: str,
                configured: Source | None) -> tuple[ArticleRecord, list[MediaRecord]]:
    """The catalog row and media rows an article file stands for (`path` relative to `output`).

    The URL is the source link's, the archive time the front matter's `date`, the page title
    the front-matter title matched against the source's `title_format` (the whole front-matter
    title when it does not fit); the publication date is unknown (NULL).
    """
    data = Path(output, path).read_bytes()
    parts = split_article_file(data.decode("utf-8"))
    fields = read_front_matter(parts.front_matter)
    names, layout = source_layout(fields, configured)
    archived = format_timestamp(fields.date)
    record = ArticleRecord(
        source=source,
        url=parts.source_url,
        urlname=fields.urlname,
        title=article_title(fields, layout, names) or fields.title,
        published=None,
        archived=archived,
        updated=None,
        checked=archived,
        content_hash=hashlib.sha256(data).hexdigest(),
        path=path,
        bytes=len(data),
    )
    links = [("image", None, url) for url in image_urls(parse_markdown(parts.markdown))]
    links += [("attachment", name, url) for name, url in parts.attachments]
    positions = {"image": 0, "attachment": 0}
    media = []
    for kind, name, url in links:
        media.append(_medium(output, source, kind, positions[kind], url, name))
        positions[kind] += 1
    return record, media


def _medium(output: str, source: str, kind: str, position: int, url: str,
            name: str | None) -> MediaRecord:
    """A link to the archive's own copy of a medium (`image_links: local`) that is there is
    `done`; any other link is `linked` (the file keeps pointing at the original)."""
    local = local_copy(url)
    path = normal_path(local) if local else None
    if path is not None and path.startswith(f"{source}/") and os.path.isfile(os.path.join(output, path)):
        digest, size = file_digest(os.path.join(output, path))
        return MediaRecord(kind, position, url, name=name, state="done", local_path=path,
                           sha256=digest, bytes=size, attempts=1)
    return MediaRecord(kind, position, url, name=name)
