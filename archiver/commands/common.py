"""What every crawling command shares: its options, the output lock, the run and its report."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from archiver.catalog import Catalog, default_catalog_path
from archiver.catalog.dialect import is_url
from archiver.commands.errors import UsageError
from archiver.clock import archive_time
from archiver.config import Source
from archiver.disk import disk_error
from archiver.lock import OutputLock, SourceLocks
from archiver.logs import add_log_options, log_settings
from archiver.plan import CrawlPlan
from archiver.report import RunReport
from archiver.storage import probe_writable

DEFAULT_OUTPUT = "output"
CATALOG_URL_ENV = "ARCHIVER_CATALOG_URL"


def parse_setting_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """`-s NAME=VALUE` pairs, as `scrapy crawl` takes them."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        overrides[name.strip()] = value
    return overrides


def checked_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """`-s` values whose types are checked now (UsageError), not when Scrapy reads them."""
    from archiver.setting_checks import SettingError, check_overrides

    overrides = parse_setting_overrides(pairs)
    try:
        warnings = check_overrides(overrides)
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    for warning in warnings:
        print(f"archiver: warning: {warning}", file=sys.stderr)
    return overrides


def check_output_folder(output: str | os.PathLike[str]) -> None:
    """`--output` names a folder (created when missing); an existing file there is a usage
    error, said in those words rather than as "no such folder" or a failed mkdir."""
    if Path(output).exists() and not Path(output).is_dir():
        raise UsageError(f"{output}: is a file, not a folder (--output names the archive folder)")


def check_file_option(option: str, value: str | None) -> None:
    """A `--report`/`--log-file` FILE must be creatable: refused before the crawl, not after
    it (a folder there, or a missing parent folder, used to end a finished crawl in a traceback)."""
    if value is None:
        return
    path = Path(value)
    if path.is_dir():
        raise UsageError(f"{option} {value}: is a folder; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {value}: no such folder {path.parent}")


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    """Options of every crawling command."""
    parser.add_argument("--output", "-o", default=DEFAULT_OUTPUT, help="archive folder (default ./output)")
    parser.add_argument("--config", "-c", default=None,
                        help="sources file (default $ARCHIVER_CONFIG or ./sources.yaml)")
    add_catalog_options(parser)
    parser.add_argument("--report", default=None, metavar="FILE",
                        help="also write the run summary as JSON to FILE")
    parser.add_argument(
        "-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
        help="Scrapy setting, as for `scrapy crawl` (repeatable)",
    )
    add_log_options(parser)


def add_catalog_options(parser: argparse.ArgumentParser) -> None:
    """`--catalog FILE` (SQLite) and `--catalog-url URL` (PostgreSQL)."""
    parser.add_argument("--catalog", default=None,
                        help="catalog file (default OUTPUT/.archiver/catalog.sqlite)")
    parser.add_argument("--catalog-url", default=None, metavar="URL",
                        help="PostgreSQL catalog, postgresql://USER@HOST/DB or "
                        "postgresql:///DB?host=/socket/folder (default $ARCHIVER_CATALOG_URL; "
                        "without either, the SQLite file)")


def catalog_location(args: argparse.Namespace, output: str | os.PathLike[str]) -> str | Path:
    """Where the catalog is: `--catalog-url` or `$ARCHIVER_CATALOG_URL` (PostgreSQL), else
    `--catalog` or the output folder's SQLite file."""
    url = getattr(args, "catalog_url", None) or os.environ.get(CATALOG_URL_ENV) or None
    if url is None:
        return Path(args.catalog) if getattr(args, "catalog", None) else default_catalog_path(output)
    origin = "--catalog-url" if getattr(args, "catalog_url", None) else f"${CATALOG_URL_ENV}"
    if not is_url(url):
        raise UsageError(f"{origin} {url!r}: not a postgresql:// URL")
    if getattr(args, "catalog", None) and getattr(args, "catalog_url", None):
        raise UsageError("--catalog and --catalog-url name two catalogs: give one")
    return url


def execute(args: argparse.Namespace, command: str, sources: list[Source], plan: CrawlPlan,
            extra_settings: dict[str, object] | None = None) -> int:
    """Lock the output folder, crawl, print the summary, write the report; return the exit code.

    The lock is taken before Scrapy is even imported, so a run that finds another one in
    progress exits (75) within a fraction of a second. An output folder that cannot be written
    to is a usage error (2) before anything is fetched; one that fills up or turns read-only
    during the run stops it (`archiver.disk`, exit 74).
    """
    archive_time()  # a malformed ARCHIVER_NOW is a usage error before any request is made
    check_output_folder(args.output)
    check_file_option("--report", args.report)
    check_file_option("--log-file", getattr(args, "log_file", None))
    location = catalog_location(args, args.output)
    with writable_lock(args.output, " ".join(["archiver", command, *(s.id for s in sources)]),
                       location, [s.id for s in sources]):
        from archiver.runner import build_settings, run_crawls

        overrides = {**log_settings(args), **(extra_settings or {}), **checked_overrides(args.settings)}
        overrides["ARCHIVER_CATALOG"] = str(location)
        settings = build_settings(overrides, output=args.output, config=getattr(args, "config", None))
        # Corrupt, locked or too new: exit 2 before crawling.
        with Catalog(location, busy_timeout=catalog_busy_timeout(settings)) as catalog:
            catalog.check_writable()
        _check_media_settings(settings)
        _check_allowed_networks(settings)
        _check_warc_setting(settings)
        started, clock = _wall_clock(), time.monotonic()
        results = run_crawls(sources, settings, plan)
        report = RunReport.from_results(command, started, _wall_clock(),
                                        time.monotonic() - clock, results)
    for line in report.lines():
        print(line)
    for failure in (f for c in report.sources.values() for f in c["failed"]):
        print(f"failed ({failure['reason']}): {failure['url']}: {failure['message']}", file=sys.stderr)
    if report.disk_error:
        print(f"archiver: cannot write to {args.output}: {report.disk_error}; stopped; nothing "
              "already archived was lost (free space or fix the folder, then run the same "
              "command again)", file=sys.stderr)
    elif report.interrupted:
        print("archiver: interrupted; run the same command again to resume", file=sys.stderr)
    if args.report:
        report.write(args.report)
    return report.exit_code


@contextmanager
def writable_lock(output: str | os.PathLike[str], command: str, catalog: str | Path | None = None,
                  sources: list[str] | None = None) -> Iterator[None]:
    """Hold the lock (`LockedError`, exit 75, when another run has it) in an output folder that
    can be written to (a usage error, exit 2, when it is read-only, full or not permitted:
    nothing is fetched to be lost). The lock is the output folder's with a SQLite catalog; with
    a PostgreSQL one (`catalog` a URL) it is the database's, per source (`sources`; None: the
    whole archive), so it holds across machines.

    The probe write comes after the lock, so it never takes room from a run in progress.
    """
    lock: OutputLock | SourceLocks
    if catalog is not None and is_url(catalog):
        lock = SourceLocks(str(catalog), sources, command)
    else:
        lock = OutputLock(output, command)
    try:
        lock.acquire()
    except OSError as exc:  # creating `.archiver/` or the lock file failed
        raise _unwritable(output, exc) from None
    try:
        try:
            probe_writable(output)
        except OSError as exc:
            raise _unwritable(output, exc) from None
        yield
    finally:
        lock.release()


def _unwritable(output: str | os.PathLike[str], exc: OSError) -> UsageError:
    reason = disk_error(exc) or exc.strerror or str(exc)
    return UsageError(f"cannot write to {output}: {reason}; nothing was done")


def catalog_busy_timeout(settings: Any) -> float:
    """`ARCHIVER_CATALOG_BUSY_TIMEOUT`: how long a write waits for a catalog another process holds."""
    raw = settings.get("ARCHIVER_CATALOG_BUSY_TIMEOUT", 10.0)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1.0
    if value < 0:
        raise UsageError(f"setting ARCHIVER_CATALOG_BUSY_TIMEOUT must be 0 or more seconds, got {raw!r}")
    return value


def _check_media_settings(settings: object) -> None:
    """A bad `-s ARCHIVER_MEDIA_*` value is a usage error (exit 2), not a crawl that dies starting."""
    from archiver.media.options import MediaSettings, MediaSettingsError

    try:
        MediaSettings.from_settings(settings)  # type: ignore[arg-type]
    except MediaSettingsError as exc:
        raise UsageError(str(exc)) from None


def _check_allowed_networks(settings: Any) -> None:
    """A bad `-s ARCHIVER_ALLOWED_NETWORKS` is a usage error (exit 2) before anything is fetched."""
    from archiver.url_policy import parse_networks

    try:
        parse_networks(settings.getlist("ARCHIVER_ALLOWED_NETWORKS"))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _check_warc_setting(settings: object) -> None:
    """A bad `-s ARCHIVER_WARC` is a usage error (exit 2), not a crawl that dies starting."""
    from archiver.warc.capture import WarcModeError, capture_mode

    try:
        capture_mode(None, settings.get("ARCHIVER_WARC"))  # type: ignore[attr-defined]
    except WarcModeError as exc:
        raise UsageError(f"-s ARCHIVER_WARC: {exc}") from None


def _wall_clock() -> str:
    """Real time for the report (ARCHIVER_NOW fixes archive stamps, not when a run happened)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")
