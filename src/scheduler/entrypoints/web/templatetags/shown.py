"""Values as the page's reader reads them. Dates, times and numbers: Jalali with Persian digits
on a Persian page, Gregorian with Latin digits on an English one (filters over
adapters.local_dates, in the language the request activated, so a template never formats a
date itself). Text people typed, where no <bdi> may stand: isolated.

    {% load shown %}
    {{ period.first_day|day }}           Monday 7 December 2026 / دوشنبه ۱۶ آذر ۱۴۰۵
    {{ visit.start|moment:zone }}        ..., 14:30 / ...، ساعت ۱۴:۳۰ (on that zone's clock)
    {{ count|number }}                   12 / ۱۲
    {{ clinic.phone|phone }}             +98 21 8877 6655 (in <bdi dir="ltr">, a tel: link's text)
    <option>{{ doctor|isolated }}</option>
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import translation

from scheduler.adapters import local_dates, phones

register = template.Library()


def _language() -> str:
    return translation.get_language() or "en"


@register.filter
def day(value: date | datetime | None, style: str = "") -> str:
    """A day in words, with its weekday; ``"short"``: without the year."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return local_dates.day_label(value, _language(), year=style != "short")


@register.filter
def day_on(value: datetime | None, zone: str) -> str:
    """The day a moment falls on ``zone``'s clock (the clinic's): ``day`` takes a moment's own
    date, which for a moment in UTC is the day before a Tehran morning's."""
    if value is None or value == "":
        return ""
    return local_dates.day_label(local_dates.on_clock(value, zone or "UTC").date(), _language())


@register.filter
def moment(value: datetime | None, zone: str = "UTC") -> str:
    """A day and time on ``zone``'s clock (the clinic's)."""
    if value is None or value == "":
        return ""
    return local_dates.moment_label(value, zone or "UTC", _language())


@register.filter
def clock_time(value: datetime | None, zone: str = "UTC") -> str:
    if value is None or value == "":
        return ""
    return local_dates.time_label(value, zone or "UTC", _language())


@register.filter
def zone_name(value: str) -> str:
    """A time zone's name in the page's language ("Iran Time", not "Asia/Tehran")."""
    return local_dates.zone_name(value, _language()) if value else ""


@register.filter
def phone(value: str) -> str:
    """A stored (E.164) number grouped for reading, in the page's digits: the rest of a Persian
    page's numbers are Persian, and a tel: link keeps the stored number for dialling."""
    return local_dates.digits(phones.readable(value), _language()) if value else ""


@register.filter
def number(value: object) -> str:
    return local_dates.digits(value, _language())


@register.filter
def isolated(value: object) -> str:
    """A name in a line of the other direction keeps its own, and leaves the line's alone: for
    the places that take text only (an <option>, the <title>)."""
    return local_dates.bidi_isolated(value)
