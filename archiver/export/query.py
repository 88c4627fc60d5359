"""Which articles an export takes: sources, a publication-day range, a change time; and the order.

Order: by `published` (every stored date is +08:00, so this is time order), then URL, then
source; articles whose publication date is unknown come last. The same rule applies to
`--from-files`, where no publication date is known, so that export is in URL order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from archiver.dates import CHINA_TZ


class ExportError(Exception):
    """The export cannot run as asked (exit code 2): bad option, unknown source, bad target."""


@dataclass(frozen=True)
class ExportQuery:
    """`sources` (empty: all); `since`/`until`: publication days in +08:00, both inclusive;
    `changed_since`: local time at or after which the article was archived or last updated."""

    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    changed_since: datetime | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ExportError(f"--since {self.since} is after --until {self.until}")

    @property
    def filters_published(self) -> bool:
        return self.since is not None or self.until is not None

    def published_in_range(self, published: datetime | None) -> bool:
        """Whether the publication day (+08:00) is in [since, until]; an unknown date is in
        only when no range is asked for."""
        if not self.filters_published:
            return True
        if published is None:
            return False
        day = published.astimezone(CHINA_TZ).date()
        return not ((self.since and day < self.since) or (self.until and day > self.until))

    def changed(self, archived: datetime, updated: datetime | None) -> bool:
        """Whether the article's last change (`updated`, else `archived`) is at or after
        `changed_since`: what an incremental export since the previous one needs."""
        if self.changed_since is None:
            return True
        return (updated or archived) >= self.changed_since


def parse_local_time(text: str, option: str) -> datetime:
    """A local date or date and time without offset (`2024-01-31`, `2024-01-31 08:00:00`), as
    the front matter and the catalog write times."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ExportError(
            f"{option} expects a local date or time like 2024-01-31 or 2024-01-31 08:00:00, "
            f"got {text!r}"
        ) from None
    if moment.tzinfo is not None:
        raise ExportError(
            f"{option} takes local time without an offset (archive times are recorded that "
            f"way), got {text!r}"
        )
    return moment
