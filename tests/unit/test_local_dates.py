"""Shown dates: Jalali with Persian digits for Persian readers, Gregorian for English ones, on
the clinic's clock. Known dates, checked against the Iranian calendar, not against jdatetime."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scheduler.adapters import local_dates

TEHRAN = "Asia/Tehran"


@pytest.mark.parametrize(
    ("day", "persian", "english"),
    [
        (date(2026, 12, 7), "دوشنبه ۱۶ آذر ۱۴۰۵", "Monday 7 December 2026"),
        # Nowruz: the first day of the year (1 Farvardin) after 29 Esfand.
        (date(2027, 3, 21), "یک‌شنبه ۱ فروردین ۱۴۰۶", "Sunday 21 March 2027"),
        (date(2027, 3, 20), "شنبه ۲۹ اسفند ۱۴۰۵", "Saturday 20 March 2027"),
        (date(2026, 12, 21), "دوشنبه ۳۰ آذر ۱۴۰۵", "Monday 21 December 2026"),
    ],
)
def test_a_day_reads_in_the_readers_calendar(day: date, persian: str, english: str) -> None:
    assert local_dates.day_label(day, "fa") == persian
    assert local_dates.day_label(day, "en") == english


def test_a_moment_is_on_the_clinics_clock_not_utc() -> None:
    # 21:00 UTC on Sunday 6 December is 00:30 on Monday 7 December in Tehran (UTC+3:30).
    at = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)

    assert local_dates.moment_label(at, TEHRAN, "fa") == "دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۰۰:۳۰"
    assert local_dates.moment_label(at, TEHRAN, "en") == "Monday 7 December 2026, 00:30"


def test_digits_follow_the_reader_whatever_was_typed() -> None:
    assert local_dates.digits("Room 12, 09:30", "fa") == "Room ۱۲, ۰۹:۳۰"
    assert local_dates.digits("۱۲:۳۰", "en") == "12:30"
    assert local_dates.latin_digits("۰۹۱۲ ٣٤٥") == "0912 345"


def test_a_persian_week_starts_on_saturday() -> None:
    names = [local_dates.weekday_name(n, "fa") for n in local_dates.WEEK_ORDER["fa"]]

    assert names[0] == "شنبه" and names[-1] == "جمعه"
    assert local_dates.weekday_name(local_dates.WEEK_ORDER["en"][0], "en") == "Monday"


def test_month_headings() -> None:
    assert local_dates.month_label(date(2026, 12, 7), "fa") == "آذر ۱۴۰۵"
    assert local_dates.month_label(date(2026, 12, 7), "en-gb") == "December 2026"


def test_typed_text_is_isolated_in_persian_only() -> None:
    assert local_dates.isolated("Sara Ahmadi", "fa") == "\u2068Sara Ahmadi\u2069"
    assert local_dates.isolated("Sara Ahmadi", "en") == "Sara Ahmadi"
    assert local_dates.isolated("", "fa") == ""
