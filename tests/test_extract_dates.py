"""Publication dates in the forms templates write them, all read as UTC+08:00."""

from __future__ import annotations

from datetime import datetime

import pytest

from archiver.dates import CHINA_TZ, find_date, iter_dates


@pytest.mark.parametrize("text, expected", [
    ("2020-07-09", datetime(2020, 7, 9)),
    ("发布时间：2017年09月27日 21:32 作者：", datetime(2017, 9, 27, 21, 32)),
    ("时间：2019-03-06 09:11:45  点击：", datetime(2019, 3, 6, 9, 11, 45)),
    ("发布日期：2012-12-13", datetime(2012, 12, 13)),
    ("| 发布时间: 2018-05-17 | 浏览次数: 2168", datetime(2018, 5, 17)),
    ("2019.04.16", datetime(2019, 4, 16)),
    ("[2020-12-07]", datetime(2020, 12, 7)),
    ("2019/12/18&nbsp;", datetime(2019, 12, 18)),
    ("佚名\n2018-09-14 10:26:03\n", datetime(2018, 9, 14, 10, 26, 3)),
    ("2021年2月8日", datetime(2021, 2, 8)),
])
def test_template_forms(text: str, expected: datetime) -> None:
    assert find_date(text) == expected.replace(tzinfo=CHINA_TZ)
    assert find_date(text).utcoffset().total_seconds() == 8 * 3600


def test_an_offset_is_converted_to_china_time() -> None:
    assert find_date("2024-04-20T01:30:00Z") == datetime(2024, 4, 20, 9, 30, tzinfo=CHINA_TZ)
    assert find_date("2024-04-20T09:30:00.123+08:00") == datetime(2024, 4, 20, 9, 30, tzinfo=CHINA_TZ)


def test_impossible_dates_are_skipped_and_later_ones_found() -> None:
    assert find_date("2019-02-30 然后 2019-03-01") == datetime(2019, 3, 1, tzinfo=CHINA_TZ)
    assert list(iter_dates("2020-01-02 与 2020-01-03")) == [
        datetime(2020, 1, 2, tzinfo=CHINA_TZ), datetime(2020, 1, 3, tzinfo=CHINA_TZ)]


@pytest.mark.parametrize("text", ["", None, "12-23", "第2020号", "20201207", "2020.06"])
def test_no_date(text) -> None:
    assert find_date(text) is None
