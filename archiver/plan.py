"""What a crawl should do: an incremental `crawl` or a full `backfill`, and their knobs.

Kept apart from the spider so the CLI, `scrapy crawl -a …` and tests all describe a run the
same way, and so every value is checked before a request is made.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from archiver.dates import CHINA_TZ

MODES = ("crawl", "backfill")


class PlanError(ValueError):
    """A crawl option has a bad value (exit code 2)."""


@dataclass(frozen=True)
class CrawlPlan:
    """The options of one run.

    crawl: list pages newest first, stop after `stop_after_known_pages` pages with nothing new;
    re-fetch articles published in the last `recheck_days` days; retry failed articles.
    backfill: every list page (up to `max_pages`), every article not archived yet (all with
    `refresh`), only those published in [`since`, `until`] when given.
    """

    mode: str = "crawl"
    recheck_days: float = 3.0
    stop_after_known_pages: int = 1
    since: date | None = None
    until: date | None = None
    max_pages: int | None = None
    refresh: bool = False
    max_failed_attempts: int = 5

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise PlanError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.recheck_days < 0:
            raise PlanError("--recheck-days must be 0 or more")
        if self.stop_after_known_pages < 1:
            raise PlanError("--stop-after must be at least 1")
        if self.max_pages is not None and self.max_pages < 1:
            raise PlanError("--max-pages must be at least 1")
        if self.since and self.until and self.since > self.until:
            raise PlanError(f"--since {self.since} is after --until {self.until}")

    @classmethod
    def from_spider_args(cls, **args: str) -> CrawlPlan:
        """Build from `scrapy crawl news -a mode=backfill -a since=2020-01-01 …` strings."""
        values: dict[str, object] = {}
        for name, raw in args.items():
            if name == "mode":
                values[name] = raw
            elif name == "recheck_days":
                values[name] = _number(name, raw, float)
            elif name in ("stop_after_known_pages", "max_pages", "max_failed_attempts"):
                values[name] = _number(name, raw, int)
            elif name in ("since", "until"):
                values[name] = parse_day(raw, name)
            elif name == "refresh":
                values[name] = str(raw).lower() in ("1", "true", "yes", "on")
            else:
                raise PlanError(f"unknown spider argument {name!r}")
        return cls(**values)  # type: ignore[arg-type]

    def recheck_since(self, now: datetime) -> datetime | None:
        """Start of the re-check window, or None when re-checking is off (or in a backfill)."""
        if self.mode != "crawl" or self.recheck_days <= 0:
            return None
        moment = now if now.tzinfo else now.replace(tzinfo=CHINA_TZ)
        return moment - timedelta(days=self.recheck_days)

    def in_range(self, published: datetime | None) -> bool:
        """Whether an article published then belongs to this run (unknown dates always do)."""
        if published is None:
            return True
        day = published.astimezone(CHINA_TZ).date()
        return not ((self.since and day < self.since) or (self.until and day > self.until))

    def older_than_range(self, published: datetime) -> bool:
        return bool(self.since) and published.astimezone(CHINA_TZ).date() < self.since  # type: ignore[operator]


def spider_argument_names() -> frozenset[str]:
    """The `-a NAME=VALUE` arguments of `scrapy crawl news` that make its plan: the fields."""
    return frozenset(f.name for f in fields(CrawlPlan))


def parse_day(text: str, name: str = "date") -> date:
    """`YYYY-MM-DD` from the command line: the one day parser of every command, one message.

    Exactly that form: `date.fromisoformat` also takes `20150301` and `2015-W09-7`, which the
    message ("like 2020-01-31") would not lead anyone to expect."""
    value = str(text).strip()
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise PlanError(f"--{name} expects a date like 2020-01-31, got {text!r}") from None


def parse_days(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """`--since`/`--until` values (`YYYY-MM-DD`); a bad one is a PlanError (exit 2)."""
    return (
        parse_day(since, "since") if since is not None else None,
        parse_day(until, "until") if until is not None else None,
    )


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _number(name: str, raw: str, kind: type) -> float | int:
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise PlanError(f"{name} expects a number, got {raw!r}") from None
