"""`archiver media SOURCE [--retry]`: the state of a source's media; retry failed downloads now."""

from __future__ import annotations

import argparse

from archiver.catalog import Catalog, MediaRecord
from archiver.commands.common import (
    UsageError,
    add_crawl_options,
    catalog_location,
    execute,
    parse_setting_overrides,
)
from archiver.config import load_config
from archiver.plan import CrawlPlan

NAME = "media"
EXIT_STILL_FAILING = 1


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="show a source's media downloads; --retry the failed ones now",
        description="Print how many images, attachments and videos of SOURCE are archived, "
        "linked or failed, and every failed one with its reason. With --retry, first download "
        "every failed medium again (now, whatever its back-off and attempts), without fetching "
        "the articles; with `image_links: local` their files are relinked. Exit code 1 when "
        "some media still fail after --retry.",
    )
    parser.add_argument("source", metavar="SOURCE", help="source id from the sources file")
    parser.add_argument("--retry", action="store_true", help="download the failed media again now")
    add_crawl_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    source = load_config(args.config).select([args.source])[0]
    code = 0
    if args.retry:
        plan = CrawlPlan(mode="crawl", recheck_days=0)
        code = execute(args, NAME, [source], plan, {"ARCHIVER_MEDIA_RETRY_ONLY": True})
    with Catalog(catalog_location(args, args.output), create=False) as catalog:
        summary = catalog.media_summary(source.id)
        failed = catalog.failed_media(source.id)
    counts = "; ".join(
        f"{kind} " + ", ".join(f"{state} {number}" for state, number in states.items())
        for kind, states in summary.items()
    )
    print(f"{source.id}: media {counts or 'none'}")
    max_attempts = _max_attempts(args.settings)
    for article_url, records in failed:
        for record in records:
            print(f"failed {record.kind} {record.url} (in {article_url}): {record.last_error} "
                  f"(attempts {record.attempts}, {retry_note(record, max_attempts)})")
    if args.retry and failed and code == 0:
        return EXIT_STILL_FAILING
    return code


def retry_note(record: MediaRecord, max_attempts: int) -> str:
    """What the next crawl does with a failed medium, by the rule it applies (media/policy.py):
    a row without a back-off time that has attempts left (e.g. marked by `verify --repair`)
    is downloaded by the next crawl."""
    if record.attempts >= max_attempts:
        return "no automatic retry"
    if record.next_attempt:
        return f"next try {record.next_attempt}"
    return "retried by the next crawl"


def _max_attempts(pairs: list[str]) -> int:
    """ARCHIVER_MEDIA_MAX_ATTEMPTS as a crawl with these `-s` values would use it."""
    from archiver.media.options import MediaSettings, MediaSettingsError
    from archiver.runner import build_settings

    try:
        return MediaSettings.from_settings(build_settings(parse_setting_overrides(pairs))).max_attempts
    except MediaSettingsError as exc:
        raise UsageError(str(exc)) from None
