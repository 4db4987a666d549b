"""The pages about one clinic in Persian: they speak the clinic's language to a reader who chose
none (the visit page its patient's), show Jalali dates and Persian digits, isolate names, and
read what a Persian keyboard types (Persian digits, the Persian comma, Jalali dates).

Dates, digits and weekday names come from adapters.local_dates, and `lang`/`dir` from the
language the page chose; the hours page's messages quoted here from the compiled catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from scheduler.adapters import visit_links
from scheduler.adapters.local_dates import moment_label
from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db

PERSIAN = '<html lang="fa" dir="rtl">'
ENGLISH = '<html lang="en" dir="ltr">'
HOURS = "/doctor/hours/"


def page(path: str, user: rows.User | None = None, **headers: str) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(path, **headers)
    assert response.status_code == 200, path
    return response.content.decode()


def nowruz_off(doctor: rows.Doctor, at: rows.Clinic) -> None:
    """Days off over Nowruz 1409: Thursday 21 to Saturday 23 March 2030 on the clinic's clock."""
    zone = ZoneInfo(at.timezone)
    rows.TimeOff.objects.create(
        doctor=doctor,
        start=datetime.combine(date(2030, 3, 21), time(), zone),
        end=datetime.combine(date(2030, 3, 24), time(), zone),
        reason="Nowruz",
    )


@pytest.fixture
def persian_clinic(db: None) -> rows.Clinic:
    return factories.clinic(language="fa")


def test_the_desk_of_a_persian_clinic_is_persian_with_its_day_in_jalali(
    persian_clinic: rows.Clinic,
) -> None:
    factories.doctor(persian_clinic)
    desk = factories.receptionist(persian_clinic).user

    shown = page(f"/desk/{persian_clinic.pk}/?date=2026-12-07", desk)

    assert PERSIAN in shown
    assert "دوشنبه ۱۶ آذر ۱۴۰۵" in shown  # Monday 7 December 2026, in the day switcher
    english = page(f"/desk/{persian_clinic.pk}/?date=2026-12-07", desk, HTTP_ACCEPT_LANGUAGE="en")
    assert ENGLISH in english and "Monday 7 December 2026" in english


def test_the_hours_page_of_a_persian_clinic_shows_jalali_days_and_persian_digits(
    persian_clinic: rows.Clinic,
) -> None:
    doctor = factories.doctor(persian_clinic)
    nowruz_off(doctor, persian_clinic)

    shown = page(HOURS, doctor.user)

    assert PERSIAN in shown
    assert "پنج‌شنبه ۱ فروردین ۱۴۰۹" in shown and "شنبه ۳ فروردین ۱۴۰۹" in shown
    assert 'value="۱۰:۰۰-۱۷:۰۰"' in shown  # the hours as the doctor's keyboard types them
    assert shown.index(">شنبه<") < shown.index(">یک‌شنبه<") < shown.index(">دوشنبه<")
    assert 'value="۶۰"' in shown  # the notice, in a field a Persian keyboard can type into
    assert '<bdi class="why">Nowruz</bdi>' in shown


def test_the_hours_form_reads_persian_digits_the_persian_comma_and_jalali_dates(
    persian_clinic: rows.Clinic,
) -> None:
    doctor = factories.doctor(persian_clinic)
    client = Client()
    client.force_login(doctor.user)
    form: dict[str, Any] = {f"hours_{day}": "۰۹:۰۰-۱۲:۰۰، ۱۳:۰۰-۱۷:۰۰" for day in range(7)}
    form.update({f"breaks_{day}": "" for day in range(7)})
    form.update(
        slot_minutes="20",
        min_notice_minutes="۱۲۰",
        horizon_days="۳۰",
        overrides="۱۴۰۹-۰۱-۰۱ تعطیل\n1409-01-02 ۱۰:۰۰-۱۲:۰۰",
    )

    saved = client.post(HOURS, form)

    assert saved.status_code == 302, saved.content.decode()
    row = rows.Schedule.objects.get(doctor=doctor)
    assert (row.min_notice_minutes, row.horizon_days) == (120, 30)
    monday = sorted(
        (w.start, w.end) for w in row.weekly.filter(weekday=0, kind=rows.WeeklyInterval.Kind.WORK)
    )
    assert monday == [(time(9), time(12)), (time(13), time(17))]
    again = page(HOURS, doctor.user)
    assert 'value="۰۹:۰۰-۱۲:۰۰، ۱۳:۰۰-۱۷:۰۰"' in again
    assert "۱۴۰۹-۰۱-۰۱ تعطیل" in again and "۱۴۰۹-۰۱-۰۲ ۱۰:۰۰-۱۲:۰۰" in again
    assert {(o.date, o.start) for o in row.overrides.all()} == {
        (date(2030, 3, 21), None),
        (date(2030, 3, 22), time(10)),
    }


def test_a_jalali_date_that_does_not_exist_is_a_form_error_not_a_500(
    persian_clinic: rows.Clinic,
) -> None:
    doctor = factories.doctor(persian_clinic)
    client = Client()
    client.force_login(doctor.user)
    form = {f"hours_{day}": "09:00-12:00" for day in range(7)}
    form.update(slot_minutes="20", min_notice_minutes="60", horizon_days="30")

    refused = client.post(HOURS, {**form, "overrides": "1405-12-30 closed"})  # 1405 is not leap

    assert refused.status_code == 400
    assert "\u2066۱۴۰۵-۱۲-۳۰ closed\u2069" in refused.content.decode()  # as typed, Persian digits


def persian_week(**changes: str) -> dict[str, str]:
    form = {f"hours_{day}": "09:00-12:00" for day in range(7)}
    form.update(slot_minutes="20", min_notice_minutes="60", horizon_days="30", overrides="")
    return {**form, **changes}


def test_time_ranges_in_the_hours_pages_hints_read_left_to_right_in_persian_digits(
    persian_clinic: rows.Clinic,
) -> None:
    """A range after Persian words, unisolated, is laid out right to left: «۱۳:۰۰-۰۹:۰۰» read
    for what the left-to-right field holds as ۰۹:۰۰-۱۳:۰۰."""
    shown = page(HOURS, factories.doctor(persian_clinic).user)

    assert 'مثلاً <bdi dir="ltr">۰۹:۰۰-۱۳:۰۰، ۱۴:۰۰-۱۸:۰۰</bdi>.' in shown
    assert "«\u2066۱۴۰۵-۱۰-۰۳ تعطیل\u2069» یا «\u2066۱۴۰۵-۱۰-۰۳ ۰۹:۰۰-۱۲:۰۰\u2069»" in shown
    english = page(HOURS, factories.doctor(factories.clinic(language="en")).user)
    assert 'e.g. <bdi dir="ltr">09:00-13:00, 14:00-18:00</bdi>.' in english
    assert "“\u20662026-12-24 closed\u2069” or “\u20662026-12-24 09:00-12:00\u2069”" in english


@pytest.mark.parametrize(
    ("typed", "echoed"),
    [
        ({"hours_1": "25:00-9"}, "«\u2066۲۵:۰۰-۹\u2069» به شکل «\u2066۱۰:۰۰-۱۳:۰۰\u2069» نیست."),
        ({"hours_1": "10:00-13:00, 25:00-26:00"}, "ساعت «\u2066۲۵:۰۰-۲۶:۰۰\u2069» وجود ندارد."),
        ({"overrides": "1405-10-05 soon"}, "«\u2066۱۴۰۵-۱۰-۰۵ soon\u2069» به شکل «\u2066۱۴۰۵"),
    ],
)
def test_what_a_persian_doctor_typed_is_echoed_left_to_right_in_persian_digits(
    persian_clinic: rows.Clinic, typed: dict[str, str], echoed: str
) -> None:
    client = Client()
    client.force_login(factories.doctor(persian_clinic).user)

    refused = client.post(HOURS, persian_week(**typed))

    assert refused.status_code == 400
    assert echoed in refused.content.decode()


def test_dates_that_differ_may_be_written_with_slashes_as_the_jalali_picker_writes_them(
    persian_clinic: rows.Clinic,
) -> None:
    doctor = factories.doctor(persian_clinic)
    client = Client()
    client.force_login(doctor.user)
    overrides = "1405/10/05 ۰۹:۰۰-۱۱:۰۰\n۱۴۰۵/۱۰/۰۶ تعطیل\n2026/12/28 closed"

    saved = client.post(HOURS, persian_week(overrides=overrides))

    assert saved.status_code == 302, saved.content.decode()
    assert {
        (o.date, o.start) for o in rows.Schedule.objects.get(doctor=doctor).overrides.all()
    } == {
        (date(2026, 12, 26), time(9)),
        (date(2026, 12, 27), None),
        (date(2026, 12, 28), None),
    }


def test_the_visit_page_speaks_its_patients_language_else_the_clinics() -> None:
    english_clinic = factories.clinic(language="en")
    doctor = factories.doctor(english_clinic)
    persian_patient = factories.patient(first_name="John", last_name="Smith", language="fa")
    start = datetime(2030, 3, 21, 6, 30, tzinfo=UTC)  # 10:00 in Tehran, Nowruz 1409
    visit = factories.appointment(doctor, persian_patient, start)
    link = visit_links.url_for(visit.pk).removeprefix("http://127.0.0.1:8000")

    shown = page(link)

    assert PERSIAN in shown
    assert '<bdi class="who">John Smith</bdi>' in shown
    assert f"<bdi>{english_clinic.address}</bdi>" in shown  # where to go
    assert moment_label(start, english_clinic.timezone, "fa") in shown
    assert "پنج‌شنبه ۱ فروردین ۱۴۰۹، ساعت ۱۰:۰۰" in shown
    # A reader who asked for English gets it; a patient with no language, the clinic's.
    assert ENGLISH in page(link, HTTP_ACCEPT_LANGUAGE="en")
    quiet = factories.appointment(
        doctor, factories.patient(), datetime(2030, 3, 22, 6, 30, tzinfo=UTC)
    )
    assert ENGLISH in page(visit_links.url_for(quiet.pk).removeprefix("http://127.0.0.1:8000"))


def test_a_persian_clinics_visit_page_and_doctor_page_are_persian(
    persian_clinic: rows.Clinic,
) -> None:
    doctor = factories.doctor(persian_clinic)
    visit = factories.appointment(
        doctor, factories.patient(), datetime(2030, 3, 21, 6, 30, tzinfo=UTC)
    )

    assert PERSIAN in page(visit_links.url_for(visit.pk).removeprefix("http://127.0.0.1:8000"))
    assert PERSIAN in page(f"/doctors/{doctor.pk}/")
    assert PERSIAN in page("/doctor/", doctor.user)
    assert PERSIAN in page("/doctor/calendar/", doctor.user)
    assert ENGLISH in page("/")  # about no one clinic


def test_the_home_page_isolates_what_clinics_typed() -> None:
    clinic = factories.clinic()
    factories.doctor(clinic)

    shown = page("/")

    assert f"<bdi>{clinic.name}</bdi>" in shown and f"<bdi>{clinic.address}</bdi>" in shown


def test_days_off_typed_in_jalali_with_persian_digits(persian_clinic: rows.Clinic) -> None:
    doctor = factories.doctor(persian_clinic)
    client = Client()
    client.force_login(doctor.user)

    saved = client.post(
        "/doctor/hours/time-off/",
        {"first_day": "۱۴۰۹-۰۱-۰۱", "last_day": "1409/1/4", "reason": "نوروز"},
    )
    refused = client.post(
        "/doctor/hours/time-off/", {"first_day": "۱۴۰۹-۱۳-۰۱", "last_day": "tomorrow"}
    )

    assert saved.status_code == 302
    away = rows.TimeOff.objects.get(doctor=doctor)
    zone = ZoneInfo(persian_clinic.timezone)
    assert (away.start.astimezone(zone).date(), away.end.astimezone(zone).date()) == (
        date(2030, 3, 21),
        date(2030, 3, 25),
    )
    assert refused.status_code == 400
    assert rows.TimeOff.objects.filter(doctor=doctor).count() == 1
