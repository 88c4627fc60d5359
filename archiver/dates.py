"""Publication dates as Chinese news templates write them, read as UTC+08:00.

Templates write `2020-07-09`, `2017年09月27日 21:32`, `2019-03-06 09:11:45`, `2019.04.16`,
`2018/05/17`, `[2020-12-07]`, and meta tags ISO 8601 with an offset (`2021-11-25T10:00:00Z`).
A date without an offset is the site's local time, which for these sites is China's (UTC+08:00);
one with an offset is converted to it, so every date the archiver reports has the same offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")

_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?:T\s*)?(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?!\d)"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?!\d)(?:\.\d{1,9})?)?"
    r"(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2})(?!\d))?)?"
)


def iter_dates(text: str | None) -> Iterator[datetime]:
    """Every valid date (with time when given) in `text`, in order, as UTC+08:00 datetimes."""
    if not text:
        return
    for match in _DATE.finditer(text):
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None and k != "tz"}
        try:
            moment = datetime(
                parts["y"], parts["m"], parts["d"],
                parts.get("H", 0), parts.get("M", 0), parts.get("S", 0),
                tzinfo=_offset(match.group("tz")),
            )
        except ValueError:  # 2019-02-30, 25:61: not a date, look further
            continue
        yield moment.astimezone(CHINA_TZ)


def find_date(text: str | None) -> datetime | None:
    """The first valid date in `text`, or None."""
    return next(iter_dates(text), None)


def _offset(text: str | None) -> timezone:
    if not text:
        return CHINA_TZ
    if text == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
