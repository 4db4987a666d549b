"""The admin shows a visit at the clinic's time, with the zone named, in the reader's calendar,
and weekly hours by the day's name: the desk's 14:30 visit was "11 a.m." (UTC), Monday was
"0", and a Persian admin read Gregorian dates in Latin digits."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db

# Monday 7 December 2026 is دوشنبه ۱۶ آذر ۱۴۰۵.
VISIT = datetime(2026, 12, 7, 14, 30, tzinfo=ZoneInfo("Asia/Tehran"))


def admin_page(language: str = "en") -> Client:
    client = Client()
    client.force_login(factories.admin())
    rows.User.objects.filter(is_superuser=True).update(language=language)
    return client


@pytest.fixture
def visit() -> rows.Appointment:
    clinic = factories.clinic()  # Tehran, UTC+03:30
    return factories.appointment(factories.doctor(clinic), factories.patient(), VISIT)


def test_a_visit_is_listed_and_shown_at_the_clinics_time(visit: rows.Appointment) -> None:
    page = admin_page()

    listed = page.get("/admin/orm/appointment/").content.decode()
    shown = page.get(f"/admin/orm/appointment/{visit.pk}/change/").content.decode()

    for html in (listed, shown):
        assert "Monday 7 December 2026, 14:30" in html
        assert "(Asia/Tehran)" in html
    assert "11:00" not in listed


def test_a_persian_admin_reads_the_visit_in_jalali_with_persian_digits(
    visit: rows.Appointment,
) -> None:
    page = admin_page("fa")

    listed = page.get("/admin/orm/appointment/").content.decode()
    shown = page.get(f"/admin/orm/appointment/{visit.pk}/change/").content.decode()

    for html in (listed, shown):
        assert '<html lang="fa" dir="rtl">' in html
        assert "دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۴:۳۰" in html
        assert '<bdi dir="ltr" class="zone">(Asia/Tehran)</bdi>' in html
        assert "2026" not in html.split("<body", 1)[1]  # no Gregorian date anywhere


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "Tuesday 8 December 2026, 03:15"), ("fa", "سه‌شنبه ۱۷ آذر ۱۴۰۵، ساعت ۰۳:۱۵")],
)
def test_a_review_is_dated_on_its_visits_clinics_clock(
    visit: rows.Appointment, language: str, written: str
) -> None:
    """It was listed in UTC: written at 03:15 in Tehran, it read as the evening before."""
    review = factories.review(visit, 4, VISIT + timedelta(hours=12, minutes=45))
    page = admin_page(language)

    listed = page.get("/admin/orm/review/").content.decode()
    shown = page.get(f"/admin/orm/review/{review.pk}/change/").content.decode()

    for html in (listed, shown):
        assert written in html
        assert '<bdi dir="ltr" class="zone">(Asia/Tehran)</bdi>' in html
        assert "23:45" not in html and "۲۳:۴۵" not in html
        # Nor in its title (found in review: "4★ Doctor 1 (2026-12-07)", UTC's day).
        assert "2026-12-07" not in html
    assert "★★★★☆" in shown
    if language == "fa":
        assert "2026" not in shown.split("<body", 1)[1]


def test_weekly_hours_name_their_day_in_the_readers_language() -> None:
    factories.doctor(factories.clinic())  # hours on weekdays

    english = admin_page().get("/admin/orm/weeklyinterval/").content.decode()
    persian = admin_page("fa").get("/admin/orm/weeklyinterval/").content.decode()

    assert "Monday" in english
    assert "دوشنبه" in persian
    # Each reader's week: from Monday in English, from Saturday in Persian.
    assert english.index(">Monday<") < english.index(">Saturday<") < english.index(">Sunday<")
    assert persian.index(">شنبه<") < persian.index(">یک‌شنبه<") < persian.index(">دوشنبه<")
    by_day = admin_page("fa").get("/admin/orm/weeklyinterval/?o=3").content.decode()  # its header
    assert by_day.index(">شنبه<") < by_day.index(">یک‌شنبه<") < by_day.index(">دوشنبه<")
    assert "۰۹:۰۰" in persian or "۱۰:۰۰" in persian


def test_a_persian_admin_reads_persian_headings_and_names(visit: rows.Appointment) -> None:
    listed = admin_page("fa").get("/admin/orm/appointment/").content.decode()

    assert "مدیریت نوبت" in listed  # the site's name, not Django's
    for heading in ("پزشک", "بیمار", "مطب", "وضعیت"):
        assert f">{heading}<" in listed or f">{heading}</a>" in listed, heading
    assert "رزرو شده" in listed  # the visit's state by its name, not "booked"
    assert "۱ نوبت" in listed  # the count of rows in Persian digits


def test_the_english_admin_is_nobats_not_djangos(visit: rows.Appointment) -> None:
    listed = admin_page().get("/admin/orm/appointment/").content.decode()

    assert "Nobat administration" in listed
    assert "Django administration" not in listed
    assert ">Booked<" in listed


def test_a_visits_history_reads_in_persian_on_the_clinics_clock(visit: rows.Appointment) -> None:
    rows.AppointmentChange.objects.create(
        appointment=visit,
        seq=1,
        at=datetime(2026, 12, 1, 9, 5, tzinfo=ZoneInfo("Asia/Tehran")),
        action="book",
        from_status="",
        to_status="booked",
    )

    shown = admin_page("fa").get(f"/admin/orm/appointment/{visit.pk}/change/").content.decode()

    assert "سه‌شنبه ۱۰ آذر ۱۴۰۵، ساعت ۰۹:۰۵" in shown  # when it was booked, at the desk
    assert "<p>رزرو شد</p>" in shown  # what was done, by name
    assert "<p>رزرو شده</p>" in shown  # the state it came to


def test_each_change_of_a_visit_is_titled_in_the_readers_calendar_words_and_digits(
    visit: rows.Appointment,
) -> None:
    """The inline row's title was "2026-12-01 05:35 book -> booked": UTC, Gregorian, the stored
    codes, jumbled on a right-to-left page; its number and the visit's version Latin digits."""
    rows.Appointment.objects.filter(pk=visit.pk).update(version=2)
    rows.AppointmentChange.objects.create(
        appointment=visit,
        seq=1,
        at=datetime(2026, 12, 1, 9, 5, tzinfo=ZoneInfo("Asia/Tehran")),
        action="book",
        from_status="",
        to_status="booked",
    )
    path = f"/admin/orm/appointment/{visit.pk}/change/"

    persian = admin_page("fa").get(path).content.decode()
    english = admin_page().get(path).content.decode()

    assert "سه‌شنبه ۱۰ آذر ۱۴۰۵، ساعت ۰۹:۰۵: رزرو شد؛ اکنون رزرو شده" in persian
    assert "book ->" not in persian and "05:35" not in persian
    assert re.search(r'class="field-number">\s*<p>۱</p>', persian)  # seq 1
    assert '<div class="readonly">۲</div>' in persian  # version 2
    assert "Tuesday 1 December 2026, 09:05: booked; now Booked" in english
