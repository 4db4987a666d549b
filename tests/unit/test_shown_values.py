"""What the pages show and read in either language: the template filters over local_dates, and
the schedule text a Persian keyboard types."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from scheduler.domain.schedule import DateOverride, Schedule, WallInterval
from scheduler.entrypoints.web.schedule_text import (
    override_text,
    parse_date,
    parse_day,
    parse_overrides,
    parse_weekly,
    spans_text,
)

NOWRUZ_1409 = date(2030, 3, 21)


def shown(source: str, language: str, **values: object) -> str:
    with translation.override(language):
        return Template("{% load shown %}" + source).render(Context(values))


def test_a_day_is_jalali_with_persian_digits_on_a_persian_page() -> None:
    assert shown("{{ d|day }}", "fa", d=NOWRUZ_1409) == "پنج‌شنبه ۱ فروردین ۱۴۰۹"
    assert shown("{{ d|day }}", "en", d=NOWRUZ_1409) == "Thursday 21 March 2030"
    assert shown('{{ d|day:"short" }}', "fa", d=NOWRUZ_1409) == "پنج‌شنبه ۱ فروردین"


def test_a_moment_is_on_the_zones_clock() -> None:
    at = datetime(2030, 3, 20, 21, 0, tzinfo=UTC)  # already the 21st in Tehran
    assert shown("{{ at|moment:zone }}", "fa", at=at, zone="Asia/Tehran") == (
        "پنج‌شنبه ۱ فروردین ۱۴۰۹، ساعت ۰۰:۳۰"
    )
    assert shown("{{ at|clock_time:zone }}", "en", at=at, zone="Asia/Tehran") == "00:30"
    assert shown("{{ missing|moment:zone }}", "fa", zone="Asia/Tehran") == ""


def test_numbers_and_isolated_names() -> None:
    assert shown("{{ n|number }}", "fa", n=120) == "۱۲۰"
    assert shown("{{ n|number }}", "en", n="۱۲۰") == "120"
    assert (
        shown("{{ name|isolated }}", "fa", name="<b>Jo</b>") == "\u2068&lt;b&gt;Jo&lt;/b&gt;\u2069"
    )


def test_spans_read_with_either_digits_and_either_comma() -> None:
    persian = parse_day(0, "۰۹:۰۰-۱۳:۰۰، ۱۴:۰۰-۱۸:۰۰")
    assert persian == parse_day(0, "09:00-13:00, 14:00-18:00")
    assert [(s.start, s.end) for s in persian] == [(time(9), time(13)), (time(14), time(18))]
    spans = [WallInterval(time(9), time(13)), WallInterval(time(14), time(18))]
    assert spans_text(spans, "fa") == "09:00-13:00، 14:00-18:00"


def test_dates_that_differ_in_jalali_both_ways() -> None:
    read = parse_overrides("۱۴۰۹-۰۱-۰۱ تعطیل\n1409-1-2 10:00-12:00\n2030-03-23 closed")
    assert [(o.day, o.start) for o in read] == [
        (NOWRUZ_1409, None),
        (date(2030, 3, 22), time(10)),
        (date(2030, 3, 23), None),
    ]
    schedule = Schedule(
        doctor_id=1,
        clinic_id=1,
        timezone="Asia/Tehran",
        hours=(),
        overrides=(DateOverride(NOWRUZ_1409, ()),),
    )
    assert override_text(schedule, "fa") == "1409-01-01 تعطیل"
    assert override_text(schedule) == "2030-03-21 closed"


@pytest.mark.parametrize("line", ["1405-12-30 closed", "1409-13-01 closed", "2030-02-30 closed"])
def test_a_date_no_calendar_has_is_refused(line: str) -> None:
    with pytest.raises(forms.ValidationError):
        parse_overrides(line)


def test_a_day_typed_in_either_calendar_and_either_digits() -> None:
    assert parse_date("۱۴۰۹/۰۱/۰۱") == parse_date("2030-03-21") == NOWRUZ_1409
    with pytest.raises(forms.ValidationError):
        parse_date("21 March")


def test_a_week_typed_with_persian_or_english_weekday_names() -> None:
    read = parse_weekly(
        "شنبه ۰۹:۰۰-۱۳:۰۰\nسه شنبه 10:00-12:00\nپنجشنبه 10:00-11:00\nmon 08:00-09:00"
    )
    assert [(s.weekday, s.start) for s in read] == [
        (5, time(9)),
        (1, time(10)),
        (3, time(10)),
        (0, time(8)),
    ]
    with pytest.raises(forms.ValidationError):
        parse_weekly("Someday 10:00-12:00")
