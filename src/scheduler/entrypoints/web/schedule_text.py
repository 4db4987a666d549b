"""A schedule as people type it: spans ``10:00-13:00, 14:00-17:00`` for a day, a week as lines
``Mon 10:00-13:00``, dates that differ as ``2026-12-24 closed`` or ``2026-12-24 09:00-12:00``.
Read into the commands' spans and written back from the domain's schedule, for the admin and
the doctor's hours page alike. A line that cannot be read is a form error quoting it.

Persian is read too, as a Persian keyboard types it: Persian digits, the Persian comma between
spans, Persian weekday names, Jalali dates (a year before 1700 can only be one: ``1405-10-03``)
and ``تعطیل`` for closed; a Persian page is written back that way. Dates may be written with
slashes, as the Jalali picker writes them (``1405/10/05``).

What a message quotes (a line as typed, an example) is in the page's digits and in a
left-to-right isolate: it reads as the left-to-right field it was typed in, where a Persian
sentence would otherwise lay its digits out right to left around the hyphen."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any

import jdatetime
from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scheduler.adapters.local_dates import (
    PERSIAN,
    digits,
    is_persian,
    jalali,
    latin_digits,
    weekday_name,
)
from scheduler.domain.model import Actor
from scheduler.domain.schedule import Schedule, WallInterval, WeeklyInterval
from scheduler.services import commands

# What a schedule form holds, by the names ReplaceSchedule gives them.
SCHEDULE_FIELDS = (
    "hours",
    "breaks",
    "overrides",
    "slot_minutes",
    "horizon_days",
    "min_notice_minutes",
    "requires_approval",
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RANGE = r"(\d{1,2}:\d{2})\s*[-\u2013]\s*(\d{1,2}:\d{2})"  # a hyphen or an en dash
_SPAN = re.compile(rf"^(\D+?)\s+{_RANGE}$")
_CLOSED = ("closed", "تعطیل")
_OVERRIDE = re.compile(
    rf"^(\d{{4}})[-/](\d{{1,2}})[-/](\d{{1,2}})\s+(?:({'|'.join(_CLOSED)})|{_RANGE})$"
)
# Where a year is Jalali: the Solar Hijri calendar is at 14xx while the Gregorian is at 20xx.
_JALALI_BEFORE = 1700
# Between a day's spans: a comma, the Persian one, or a semicolon of either script.
_SPAN_SEPARATORS = re.compile("[,،;؛]")
_DAY_SPANS = re.compile(rf"^{_RANGE}$")
# The day the examples show: 24 December 2026 (Jalali 1405-10-03).
_EXAMPLE_DAY = date(2026, 12, 24)
SPANS_HELP = _("One span a line, e.g. “Mon 10:00-13:00”. Weekdays: Mon Tue Wed Thu Fri Sat Sun.")


def _reader() -> str:
    return get_language() or settings.LANGUAGE_CODE


def quoted(text: str) -> str:
    """Text a message quotes, in the reader's digits, in a left-to-right isolate."""
    return f"\u2066{digits(text, _reader())}\u2069"


def _override_examples() -> dict[str, str]:
    """A closed date and a date's hours, as the reader's page writes them."""
    persian = is_persian(_reader())
    day = _jalali_text(_EXAMPLE_DAY) if persian else _EXAMPLE_DAY.isoformat()
    return {
        "closed": quoted(f"{day} {_CLOSED[1] if persian else _CLOSED[0]}"),
        "open": quoted(f"{day} 09:00-12:00"),
    }


def _overrides_help() -> str:
    return str(_("One a line: “%(closed)s” or “%(open)s”.")) % _override_examples()


# A form field's help, written when the page is drawn (the examples are in its language).
OVERRIDES_HELP = lazy(_overrides_help, str)()


def replace_schedule(
    data: Mapping[str, Any], *, actor: Actor, doctor_id: int, clinic_id: int, **insist: Any
) -> commands.ReplaceSchedule:
    """The command a schedule form's cleaned data asks for (``insist``: force or accept)."""
    fields = {name: data[name] for name in SCHEDULE_FIELDS}
    return commands.ReplaceSchedule(
        actor=actor, doctor_id=doctor_id, clinic_id=clinic_id, **fields, **insist
    )


def spans_text(spans: list[WallInterval], language: str = "en") -> str:
    """One day's spans: ``10:00-13:00, 14:00-17:00`` (Persian: ``10:00-13:00، 14:00-17:00``)."""
    comma = "، " if is_persian(language) else ", "
    return comma.join(f"{span.start:%H:%M}-{span.end:%H:%M}" for span in sorted(spans))


def weekly_text(spans: tuple[WeeklyInterval, ...]) -> str:
    return "\n".join(
        f"{WEEKDAYS[s.weekday]} {s.span.start:%H:%M}-{s.span.end:%H:%M}" for s in sorted(spans)
    )


def override_text(schedule: Schedule, language: str = "en") -> str:
    """Dates that differ, a line each; on a Persian page with Jalali dates."""
    persian = is_persian(language)
    closed = _CLOSED[1] if persian else _CLOSED[0]
    lines = []
    for override in sorted(schedule.overrides, key=lambda o: o.day):
        day = _jalali_text(override.day) if persian else override.day.isoformat()
        if not override.spans:
            lines.append(f"{day} {closed}")
        lines += [f"{day} {s.start:%H:%M}-{s.end:%H:%M}" for s in override.spans]
    return "\n".join(lines)


def _jalali_text(day: date) -> str:
    j = jalali(day)
    return f"{j.year:04d}-{j.month:02d}-{j.day:02d}"


def parse_day(weekday: int, text: str) -> tuple[commands.WeeklySpan, ...]:
    """One weekday's spans from ``10:00-13:00, 14:00-17:00`` (empty: none that day)."""
    spans = []
    for part in (piece.strip() for piece in _SPAN_SEPARATORS.split(latin_digits(text))):
        if not part:
            continue
        found = _DAY_SPANS.match(part)
        if found is None:
            raise forms.ValidationError(
                _("“%(line)s” is not like “%(example)s”."),
                params={"line": quoted(part), "example": quoted("10:00-13:00")},
            )
        start, end = _time(found.group(1), part), _time(found.group(2), part)
        spans.append(commands.WeeklySpan(weekday, start, end))
    return tuple(spans)


def _weekday_key(name: str) -> str:
    """A weekday's name as typed: "Mon", "mon", "سه‌شنبه", "سه شنبه" or "سهشنبه"."""
    return re.sub(r"[\s\u200c]", "", name).title()


_WEEKDAY_OF = {
    **{name: day for day, name in enumerate(WEEKDAYS)},
    **{_weekday_key(weekday_name(day, PERSIAN)): day for day in range(7)},
}


def parse_weekly(text: str) -> tuple[commands.WeeklySpan, ...]:
    spans = []
    for line in _lines(text):
        found = _SPAN.match(line)
        weekday = _WEEKDAY_OF.get(_weekday_key(found.group(1))) if found else None
        if found is None or weekday is None:
            persian = is_persian(_reader())
            monday = weekday_name(0, PERSIAN) if persian else WEEKDAYS[0]
            raise forms.ValidationError(
                _("“%(line)s” is not like “%(example)s”."),
                params={"line": quoted(line), "example": quoted(f"{monday} 10:00-13:00")},
            )
        start, end = _time(found.group(2), line), _time(found.group(3), line)
        spans.append(commands.WeeklySpan(weekday, start, end))
    return tuple(spans)


def parse_overrides(text: str) -> tuple[commands.OverrideSpan, ...]:
    spans = []
    for line in _lines(text):
        found = _OVERRIDE.match(line)
        if found is None:
            raise forms.ValidationError(
                _("“%(line)s” is not like “%(closed)s” or “%(open)s”."),
                params={"line": quoted(line), **_override_examples()},
            )
        day = _date(*(int(found.group(n)) for n in (1, 2, 3)), line=line)
        if found.group(4):
            spans.append(commands.OverrideSpan(day))
        else:
            start, end = _time(found.group(5), line), _time(found.group(6), line)
            spans.append(commands.OverrideSpan(day, start, end))
    return tuple(spans)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in latin_digits(text).splitlines() if line.strip()]


_DAY = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


def parse_date(text: str) -> date:
    """A day typed as ``2026-12-07`` or ``1405-09-16`` (Jalali), with either digits, with
    hyphens or slashes; a form error otherwise."""
    line = latin_digits(text).strip()
    found = _DAY.match(line)
    if found is None:
        raise forms.ValidationError(_("Enter a date like 2026-12-07."))
    return _date(*(int(part) for part in found.groups()), line=text.strip())


def _date(year: int, month: int, day: int, *, line: str) -> date:
    try:
        if year < _JALALI_BEFORE:
            gregorian: date = jdatetime.date(year, month, day).togregorian()
            return gregorian
        return date(year, month, day)
    except ValueError:
        raise forms.ValidationError(
            _("“%(line)s” has no such date."), params={"line": quoted(line)}
        ) from None


def _time(text: str, line: str) -> time:
    try:
        return time.fromisoformat(text.zfill(5))
    except ValueError:
        raise forms.ValidationError(
            _("“%(line)s” has no such time."), params={"line": quoted(line)}
        ) from None
