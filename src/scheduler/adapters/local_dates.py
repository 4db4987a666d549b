"""Dates and times as a person reads them: on the clinic's clock, in their language's calendar.

Persian: the Solar Hijri (Jalali) calendar, Persian month and weekday names, Persian digits;
English: Gregorian, Latin digits. One place for both, so a page, an email, a text message, the
API's display strings and the admin say a visit's time the same way. Values stay ISO and UTC
everywhere else; these strings are only ever shown.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import babel.dates
import jdatetime

PERSIAN = "fa"
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

# Monday = 0, as Python counts; a week on a Persian page starts on Saturday (see WEEK_ORDER).
_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    PERSIAN: ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه", "شنبه", "یک‌شنبه"),
}
_PERSIAN_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
WEEK_ORDER = {"en": (0, 1, 2, 3, 4, 5, 6), PERSIAN: (5, 6, 0, 1, 2, 3, 4)}


def is_persian(language: str) -> bool:
    return language.lower().split("-")[0] == PERSIAN


# The same for every message of a clinic, and babel looks it up in the CLDR each time.
@functools.lru_cache(maxsize=256)
def zone_name(zone: str, language: str) -> str:
    """A clinic's clock as its readers call it: "Iran Time" / "وقت ایران", not "Asia/Tehran".
    UTC stays UTC: the CLDR has it as a zone of no region ("Unknown Region (UTC) Time")."""
    if zone.upper() in {"UTC", "ETC/UTC", "GMT", "ETC/GMT"}:
        return "UTC"
    try:
        return babel.dates.get_timezone_name(zone, locale=language_key(language))
    except LookupError:  # a zone id the CLDR does not know: its id is a name too
        return zone


def language_key(language: str) -> str:
    return PERSIAN if is_persian(language) else "en"


def digits(text: object, language: str) -> str:
    """Persian digits on a Persian page; Latin ones otherwise (whatever the input had)."""
    value = str(text)
    if is_persian(language):
        return value.translate(_PERSIAN_DIGITS)
    return value.translate(_LATIN_DIGITS)


def bidi_isolated(text: object) -> str:
    """Text in its own direction whatever the line's (Unicode's First Strong Isolate ... Pop
    Directional Isolate): what <bdi> does, where only text may stand."""
    return f"\u2068{text}\u2069"


def isolated(text: object, language: str) -> str:
    """Typed text (a name, an address, an email) set apart in a Persian sentence, so a Latin
    name keeps its place on a phone that lays the line out right to left; English text is left
    as it is."""
    value = str(text)
    return bidi_isolated(value) if value and is_persian(language) else value


def latin_digits(text: str) -> str:
    """What a person typed with either digits, as a parser reads it."""
    return text.translate(_LATIN_DIGITS)


def weekday_name(weekday: int, language: str) -> str:
    return _WEEKDAYS[language_key(language)][weekday]


def jalali(day: date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=day)


def day_label(day: date, language: str, *, year: bool = True, weekday: bool = True) -> str:
    """'Monday 7 December 2026' / 'دوشنبه ۱۶ آذر ۱۴۰۵'."""
    if is_persian(language):
        j = jalali(day)
        parts = [str(j.day), _PERSIAN_MONTHS[j.month - 1]] + ([str(j.year)] if year else [])
    else:
        parts = [str(day.day), f"{day:%B}"] + ([str(day.year)] if year else [])
    if weekday:
        parts.insert(0, weekday_name(day.weekday(), language))
    return digits(" ".join(parts), language)


def month_label(day: date, language: str) -> str:
    """The month a day falls in, in the reader's calendar: 'December 2026' / 'آذر ۱۴۰۵'."""
    if is_persian(language):
        j = jalali(day)
        return digits(f"{_PERSIAN_MONTHS[j.month - 1]} {j.year}", language)
    return f"{day:%B %Y}"


def on_clock(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


def time_label(at: datetime, zone: str, language: str) -> str:
    """'14:30' / '۱۴:۳۰' on the clinic's clock: clinics read a 24-hour day."""
    return digits(f"{on_clock(at, zone):%H:%M}", language)


def moment_label(at: datetime, zone: str, language: str) -> str:
    """'Monday 7 December 2026, 14:30' / 'دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۴:۳۰'."""
    local = on_clock(at, zone)
    day, time = day_label(local.date(), language), time_label(local, zone, language)
    return f"{day}، ساعت {time}" if is_persian(language) else f"{day}, {time}"
