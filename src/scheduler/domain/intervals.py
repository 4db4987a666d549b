"""Half-open time intervals on the absolute (UTC-comparable) time line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.errors import InvalidValue
from scheduler.domain.messages import gettext_noop

# The dates Nobat reckons with: wide enough for any booking or record, narrow enough that a
# day's midnight in any zone is a datetime (in year 1 or 9999 it may not be).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)
DAY_RANGE_TEXT = gettext_noop("Give a date from 2000-01-01 to 2199-12-31.")  # as just above


def within_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def days_from(first: date, count: int) -> date:
    """The last of ``count`` days from ``first``, or LAST_DAY where they would run past it."""
    return min(first + timedelta(days=count - 1), LAST_DAY)


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("interval bounds must be timezone-aware")
        if self.end <= self.start:
            # Said to whoever gave the times (found in review: in English on a Persian page).
            raise InvalidValue(gettext_noop("The end must be after the start."))

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


def local_days(first: date, last: date, zone: ZoneInfo) -> Interval:
    """From the midnight that starts ``first`` to the one that ends ``last``, on the calendar
    of ``zone`` (a day is 23 or 25 hours where clocks change)."""
    return Interval(
        datetime.combine(first, time(), zone),
        datetime.combine(last + timedelta(days=1), time(), zone),
    )
