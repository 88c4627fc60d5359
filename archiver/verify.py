"""Do the catalog and the files agree? The checks behind `archiver verify`.

A crawl writes an article's media, then its file, then commits its catalog row, each write
atomic (`archiver.pipelines`), so an interrupted run leaves at worst a file the catalog does not
know yet. A full disk, a restored backup, a hand edit or a damaged disk can still leave the two
sides disagreeing. Per source, in this order (each step sees the repairs of the one before),
unless the source's folder is missing altogether (`missing_folder`: more likely a wrong
`--output` or an unmounted disk than lost files, so nothing else is checked or repaired):

1. every article row has its file, inside the output folder, with the bytes its `content_hash`
   and `bytes` describe (`missing_file`, `outside_output`, `hash_mismatch`, `damaged_file`:
   the bytes changed and the file is no longer a whole article file);
2. every `OUTPUT/<source>/*.md` has its row (`missing_row`, or `damaged_file` when it is not a
   whole article file), and no temporary file is left (`temp_file`);
3. every media row in state `done` has its `local_path` file with its sha256 and size
   (`media_missing`, `media_hash`, `media_outside`);
4. every file under `images/`, `files/`, `videos/` is referenced by a media row (`orphan`, a
   notice rather than a problem: it harms nothing, and a later download may claim it).

Memory stays flat with the archive's size: rows are streamed from SQLite and files listed with
`os.scandir`; what is kept is the set of paths the catalog refers to (to find files it does not)
and the findings. Each file is read once, unless it disagrees with its row.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import groupby

from archiver.catalog import Catalog
from archiver.article_file.parse import ArticleFileError, read_article_file
from archiver.article_file.front_matter import read_front_matter
from archiver.markdown import markdown_url
from archiver.media.pipeline import FOLDERS
from archiver.storage import file_digest, is_temp_file

MISSING_FOLDER = "missing_folder"
MISSING_FILE = "missing_file"
OUTSIDE_OUTPUT = "outside_output"
HASH_MISMATCH = "hash_mismatch"
DAMAGED_FILE = "damaged_file"
MISSING_ROW = "missing_row"
UNREADABLE = "unreadable"
TEMP_FILE = "temp_file"
MEDIA_MISSING = "media_missing"
MEDIA_HASH = "media_hash"
MEDIA_OUTSIDE = "media_outside"
ORPHAN = "orphan"
NOTICES = frozenset({ORPHAN})
"""Kinds that are reported but do not make the archive inconsistent (exit code 0)."""


@dataclass(frozen=True)
class Finding:
    """One disagreement between the catalog and the files.

    `path` is relative to the output folder (as the row has it, or as the file was found);
    `url` and `article_id` are the article's when a row is involved. `outcome` says what
    `--repair` did (or why it could not), `repaired` whether that fixed it.
    """

    kind: str
    source: str
    path: str
    message: str
    url: str | None = None
    article_id: int | None = None
    outcome: str | None = None
    repaired: bool = False

    @property
    def problem(self) -> bool:
        return self.kind not in NOTICES

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "problem": self.problem}

    def line(self) -> str:
        text = f"{self.kind}: {self.path}: {self.message}"
        if self.outcome and not self.problem and not self.repaired:
            text += f" -> {self.outcome}"
        elif self.outcome:
            text += f" -> {'repaired' if self.repaired else 'NOT repaired'}: {self.outcome}"
        return text


Repair = Callable[[Finding], Finding]


@dataclass
class SourceReport:
    """What was checked for one source, and what was found (and done about it)."""

    source: str
    articles: int = 0
    files: int = 0
    media: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return sum(f.problem for f in self.findings)

    @property
    def unresolved(self) -> int:
        """Problems still there: all of them without `--repair`, the unrepaired ones with it."""
        return sum(f.problem and not f.repaired for f in self.findings)

    @property
    def repaired(self) -> int:
        return sum(f.problem and f.repaired for f in self.findings)

    @property
    def orphans(self) -> int:
        return sum(f.kind == ORPHAN and not f.repaired for f in self.findings)

    def add(self, findings: Iterable[Finding], repair: Repair | None) -> None:
        for finding in findings:
            self.findings.append(repair(finding) if repair else finding)

    def summary(self) -> str:
        text = (f"{self.source}: {self.articles} articles, {self.files} files, "
                f"{self.media} media files checked; {self.problems} problems")
        if self.repaired:
            text += f", {self.repaired} repaired"
        if self.orphans:
            text += f"; {self.orphans} orphan media files (kept)"
        return text

    def as_dict(self) -> dict[str, object]:
        return {"articles": self.articles, "files": self.files, "media": self.media,
                "problems": self.problems, "repaired": self.repaired,
                "unresolved": self.unresolved, "orphans": self.orphans}


def verify_source(catalog: Catalog, output: str, source: str,
                  repair: Repair | None = None) -> SourceReport:
    """Check one source's rows and files; with `repair`, apply it to each finding as found.

    Each step's findings are complete (its query finished) before they are repaired, so a
    repair never changes rows under a running query.
    """
    report = SourceReport(source)
    if not os.path.isdir(os.path.join(output, source)):
        count = catalog.count(source)
        if count:  # a wrong --output, or an unmounted disk, rather than thousands of lost files
            report.articles = count
            report.add([Finding(MISSING_FOLDER, source, source,
                                f"the catalog has {count} articles of {source} but there is no "
                                f"folder {os.path.join(output, source)}")], repair)
        return report
    rows, known = check_article_rows(catalog, output, source, report)
    report.add(rows, repair)
    report.add(list(check_article_files(output, source, known, report)), repair)
    media, referenced = check_media_rows(catalog, output, source, report)
    report.add(media, repair)
    report.add(list(check_media_files(output, source, referenced)), repair)
    return report


# -- 1. article rows


def check_article_rows(catalog: Catalog, output: str, source: str,
                       report: SourceReport) -> tuple[list[Finding], set[str]]:
    """Findings about the source's article rows, and the (normalised) paths they refer to."""
    findings: list[Finding] = []
    known: set[str] = set()
    for row_id, url, raw, content_hash, size in catalog.article_rows(source):
        report.articles += 1
        path = normal_path(raw)
        if path is None:
            findings.append(Finding(OUTSIDE_OUTPUT, source, raw,
                                    f"the row of {url} points outside the output folder",
                                    url, row_id))
            continue
        known.add(path)
        try:
            digest, actual = file_digest(os.path.join(output, path))
        except FileNotFoundError:
            findings.append(Finding(MISSING_FILE, source, path,
                                    f"the catalog lists {url} but its file is not there", url, row_id))
            continue
        except OSError as exc:
            findings.append(Finding(UNREADABLE, source, path, f"cannot read: {exc.strerror or exc}",
                                    url, row_id))
            continue
        if digest == content_hash and actual == size:
            continue
        damage = article_file_problem(os.path.join(output, path), url)
        if damage:
            findings.append(Finding(DAMAGED_FILE, source, path,
                                    f"differs from the catalog and is damaged: {damage}", url, row_id))
        else:
            findings.append(Finding(HASH_MISMATCH, source, path,
                                    f"differs from the catalog ({actual} bytes, sha256 {digest[:12]}…; "
                                    f"catalog: {size} bytes, {content_hash[:12]}…) but is a whole "
                                    "article file", url, row_id))
    return findings, known


# -- 2. article files


def check_article_files(output: str, source: str, known: set[str],
                        report: SourceReport) -> Iterator[Finding]:
    """Article files without a row (or damaged), and temporary files, in `OUTPUT/<source>/`."""
    for entry in _files(os.path.join(output, source)):
        path = f"{source}/{entry.name}"
        if is_temp_file(entry.name):
            yield Finding(TEMP_FILE, source, path, "temporary file left by an interrupted write")
        elif entry.name.endswith(".md") and not entry.name.startswith("."):
            report.files += 1
            if path in known:
                continue
            damage = article_file_problem(entry.path)
            if damage:
                yield Finding(DAMAGED_FILE, source, path, f"no catalog row, and damaged: {damage}")
            else:
                yield Finding(MISSING_ROW, source, path, "the catalog has no row for this article file")


# -- 3. media rows


def check_media_rows(catalog: Catalog, output: str, source: str,
                     report: SourceReport) -> tuple[list[Finding], set[str]]:
    """Findings about archived media (each file hashed once, however many rows share it), and
    every path the source's media rows refer to."""
    findings: list[Finding] = []
    referenced: set[str] = set()
    for raw, group in groupby(catalog.media_files(source), key=lambda row: row[0]):
        path = normal_path(raw)
        referenced.add(path or raw)
        expected = {(sha256, size) for _, sha256, size, state in group if state == "done"}
        if not expected:
            continue
        if path is None:
            findings.append(Finding(MEDIA_OUTSIDE, source, raw,
                                    "an archived medium's path points outside the output folder"))
            continue
        report.media += 1
        try:
            digest, actual = file_digest(os.path.join(output, path))
        except FileNotFoundError:
            findings.append(Finding(MEDIA_MISSING, source, raw, "archived medium's file is not there"))
            continue
        except OSError as exc:
            findings.append(Finding(UNREADABLE, source, raw, f"cannot read: {exc.strerror or exc}"))
            continue
        wrong = [(sha, size) for sha, size in expected if sha != digest or (size is not None and size != actual)]
        if wrong:
            sha, size = wrong[0]
            findings.append(Finding(MEDIA_HASH, source, raw,
                                    f"file ({actual} bytes, sha256 {digest[:12]}…) does not match its "
                                    f"catalog row ({size} bytes, {(sha or '')[:12]}…)"))
    return findings, referenced


# -- 4. media files


def check_media_files(output: str, source: str, referenced: set[str]) -> Iterator[Finding]:
    """Files under the source's media folders that no media row refers to, and temporary files."""
    for folder in FOLDERS.values():
        for entry in _files(os.path.join(output, source, folder)):
            path = f"{source}/{folder}/{entry.name}"
            if is_temp_file(entry.name):
                yield Finding(TEMP_FILE, source, path, "temporary file left by an interrupted write")
            elif path not in referenced:
                yield Finding(ORPHAN, source, path, "no media row refers to this file")


# -- helpers


def article_file_problem(path: str, url: str | None = None) -> str | None:
    """Why the file at `path` is not a whole article file (of `url`, when given), or None.

    A whole file has its front matter (closed, with title, date and urlname) and ends with the
    source link; a truncated or overwritten one lacks one of them.
    """
    try:
        parts = read_article_file(path)
        read_front_matter(parts.front_matter)
    except ArticleFileError as exc:
        return str(exc)
    if url is not None and parts.source_url != markdown_url(url):
        return f"its source link is {parts.source_url}, not {url}"
    return None


def normal_path(path: str) -> str | None:
    """A catalog path (relative to the output folder) in normal form, or None when it leads
    outside the output folder (absolute, or climbing out with `..`)."""
    if not path or path.startswith("/"):
        return None
    normal = posixpath.normpath(path)
    if normal == ".." or normal.startswith("../") or normal == ".":
        return None
    return normal


def _files(folder: str) -> Iterator[os.DirEntry[str]]:
    """Regular files directly in `folder` (none when it does not exist)."""
    try:
        entries = os.scandir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    with entries:
        for entry in entries:
            if entry.is_file():
                yield entry
