"""A doctor's working pattern at one clinic, in the clinic's wall-clock time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from itertools import pairwise

from scheduler.domain.errors import InvalidValue
from scheduler.domain.intervals import DAY_RANGE_TEXT, Interval, within_range
from scheduler.domain.messages import Weekday, gettext_noop

# Bookings open at most a year ahead; notice at most a month: beyond either, a number was typed
# wrong, and the calendar arithmetic of slots would run off the end of time.
MAX_HORIZON_DAYS = 366
MAX_NOTICE_MINUTES = 30 * 24 * 60
# A day of work is a few spans, and a year has a few hundred dates that differ: more is not a
# schedule but an attack on the time it takes to check one (and to compute every slot from it).
MAX_SPANS_A_DAY = 8
MAX_OVERRIDES = MAX_HORIZON_DAYS + 31

WEEKDAY_NAMES = Weekday.NAMES


@dataclass(frozen=True, order=True)
class WallInterval:
    """A same-day wall-clock span, e.g. 10:00-13:00."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if any(moment.second or moment.microsecond for moment in (self.start, self.end)):
            raise InvalidValue(gettext_noop("Give times in whole minutes, e.g. 10:00-13:30"))
        if self.end <= self.start:
            raise InvalidValue(
                gettext_noop("%(start)s-%(end)s ends before it starts"),
                start=self.start,
                end=self.end,
            )

    def overlaps(self, other: WallInterval) -> bool:
        return self.start < other.end and other.start < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, order=True)
class WeeklyInterval:
    weekday: int  # 0 = Monday, as datetime.weekday()
    span: WallInterval

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidValue(gettext_noop("weekday must be 0 (Monday) to 6 (Sunday)"))


@dataclass(frozen=True)
class DateOverride:
    """Replaces the weekly hours and breaks of one date; no spans means closed that day."""

    day: date
    spans: tuple[WallInterval, ...] = ()

    def __post_init__(self) -> None:
        if not within_range(self.day):
            raise InvalidValue(DAY_RANGE_TEXT)
        if len(self.spans) > MAX_SPANS_A_DAY:
            raise InvalidValue(
                gettext_noop("At most %(most)s spans on %(day)s"),
                most=MAX_SPANS_A_DAY,
                day=self.day,
            )


@dataclass(frozen=True)
class Schedule:
    doctor_id: int
    clinic_id: int
    timezone: str
    hours: tuple[WeeklyInterval, ...]
    breaks: tuple[WeeklyInterval, ...] = ()
    overrides: tuple[DateOverride, ...] = ()
    time_off: tuple[Interval, ...] = ()
    slot_minutes: int = 30
    horizon_days: int = 60
    min_notice_minutes: int = 60
    requires_approval: bool = False
    _overrides_by_day: dict[date, DateOverride] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if not 5 <= self.slot_minutes <= 480:
            raise InvalidValue(gettext_noop("slot length must be between 5 and 480 minutes"))
        if not 1 <= self.horizon_days <= MAX_HORIZON_DAYS:
            raise InvalidValue(
                gettext_noop("booking horizon must be 1 to %(most)s days"), most=MAX_HORIZON_DAYS
            )
        if not 0 <= self.min_notice_minutes <= MAX_NOTICE_MINUTES:
            raise InvalidValue(
                gettext_noop("minimum notice must be 0 to %(most)s minutes"),
                most=MAX_NOTICE_MINUTES,
            )
        if len(self.overrides) > MAX_OVERRIDES:
            raise InvalidValue(
                gettext_noop("At most %(most)s dates that differ"), most=MAX_OVERRIDES
            )
        for day in range(7):
            hours = [w.span for w in self.hours if w.weekday == day]
            breaks = [b.span for b in self.breaks if b.weekday == day]
            if max(len(hours), len(breaks)) > MAX_SPANS_A_DAY:
                raise InvalidValue(
                    gettext_noop("At most %(most)s spans on %(day)s"),
                    most=MAX_SPANS_A_DAY,
                    day=Weekday(day),
                )
            _reject_overlaps(
                hours,
                gettext_noop("Working hours on %(day)s overlap: %(first)s and %(second)s"),
                day=Weekday(day),
            )
            _reject_overlaps(
                breaks,
                gettext_noop("Breaks on %(day)s overlap: %(first)s and %(second)s"),
                day=Weekday(day),
            )
            # A break may cut across two spans (lunch between a morning and an afternoon),
            # but not lie outside the day's hours: there it would pause nothing.
            opens = min(span.start for span in hours) if hours else None
            closes = max(span.end for span in hours) if hours else None
            for pause in breaks:
                if opens is None or closes is None or pause.start < opens or pause.end > closes:
                    raise InvalidValue(
                        gettext_noop(
                            "The break %(start)s-%(end)s on %(day)s is outside that day's "
                            "working hours"
                        ),
                        start=pause.start,
                        end=pause.end,
                        day=Weekday(day),
                    )
        for override in self.overrides:
            _reject_overlaps(
                list(override.spans),
                gettext_noop("Hours on %(day)s overlap: %(first)s and %(second)s"),
                day=override.day,
            )
            self._overrides_by_day[override.day] = override

    def working_spans(self, day: date) -> list[WallInterval]:
        """Wall-clock spans the doctor works on ``day``, breaks already taken out."""
        override = self._overrides_by_day.get(day)
        if override is not None:
            return sorted(override.spans)
        weekday = day.weekday()
        spans = sorted(w.span for w in self.hours if w.weekday == weekday)
        breaks = [b.span for b in self.breaks if b.weekday == weekday]
        return [piece for span in spans for piece in _subtract(span, breaks)]

    def breaks_on(self, day: date) -> list[WallInterval]:
        if day in self._overrides_by_day:
            return []
        return sorted(b.span for b in self.breaks if b.weekday == day.weekday())


def _reject_overlaps(spans: list[WallInterval], refusal: str, day: date | Weekday) -> None:
    ordered = sorted(spans)
    for first, second in pairwise(ordered):
        if first.overlaps(second):
            raise InvalidValue(refusal, day=day, first=first, second=second)


def _subtract(span: WallInterval, cuts: list[WallInterval]) -> list[WallInterval]:
    pieces = [span]
    for cut in cuts:
        next_pieces = []
        for piece in pieces:
            if not piece.overlaps(cut):
                next_pieces.append(piece)
                continue
            if piece.start < cut.start:
                next_pieces.append(WallInterval(piece.start, cut.start))
            if cut.end < piece.end:
                next_pieces.append(WallInterval(cut.end, piece.end))
        pieces = next_pieces
    return pieces
