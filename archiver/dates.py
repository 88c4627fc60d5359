"""Publication dates as Chinese news templates write them, read as UTC+08:00.

Templates write `2020-07-09`, `2017年09月27日 21:32`, `2019-03-06 09:11:45`, `2019.04.16`,
`2018/05/17`; the first well-formed one in the text is the date.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")

_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?:T\s*)?(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?!\d)"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?!\d))?)?"
)


def find_date(text: str | None) -> datetime | None:
    """The first valid date (with time when given) in `text`, as an aware UTC+08:00 datetime."""
    if not text:
        return None
    for match in _DATE.finditer(text):
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
        try:
            return datetime(
                parts["y"], parts["m"], parts["d"],
                parts.get("H", 0), parts.get("M", 0), parts.get("S", 0),
                tzinfo=CHINA_TZ,
            )
        except ValueError:
            continue
    return None
