"""The doctor's hours page: hours, breaks and settings saved through ReplaceSchedule, days off
through AddTimeOff and RemoveTimeOff; bad input on its field, visits in the way named with a
way to go ahead, only the doctor's own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.local_dates import moment_label
from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db

HOURS = "/doctor/hours/"


def signed_in(user: rows.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def week(**changes: Any) -> dict[str, Any]:
    """Mornings every day, a short break on Mondays."""
    form = {f"hours_{day}": "09:00-12:00" for day in range(7)}
    form.update({f"breaks_{day}": "" for day in range(7)}, breaks_0="10:00-10:20")
    form.update(slot_minutes="20", min_notice_minutes="60", horizon_days="30", overrides="")
    return {**form, **changes}


def test_the_page_shows_the_hours_as_they_are(doctor: rows.Doctor) -> None:
    page = signed_in(doctor.user).get(HOURS).content.decode()

    assert 'value="10:00-17:00"' in page and 'value="13:00-14:00"' in page
    assert "Monday" in page and "Save my hours" in page
    # the week from the clinics' first weekday, as the agenda shows it
    assert page.index(">Saturday<") < page.index(">Sunday<") < page.index(">Monday<")


def test_a_doctor_awaiting_approval_is_told_so_on_each_of_their_pages() -> None:
    # Found in review: after the sign-up page, nothing told the doctor patients could not
    # find them yet.
    waiting = factories.doctor(verified=False)
    for path in (HOURS, "/doctor/"):
        page = signed_in(waiting.user).get(path).content.decode()
        assert 'id="awaiting-approval"' in page, path
    approved = factories.doctor()
    assert 'id="awaiting-approval"' not in signed_in(approved.user).get("/doctor/").content.decode()


def test_saving_changes_the_hours_and_says_so(doctor: rows.Doctor) -> None:
    page = signed_in(doctor.user)

    saved = page.post(HOURS, week(hours_6="", requires_approval="on"), follow=True)

    assert "Your hours are saved." in saved.content.decode()
    row = rows.Schedule.objects.get(doctor=doctor)
    assert (row.slot_minutes, row.horizon_days, row.requires_approval) == (20, 30, True)
    assert not row.weekly.filter(weekday=6).exists()  # Sunday off
    assert rows.StoredEvent.objects.filter(type="AvailabilityChanged").count() == 1


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"hours_1": "9-12"}, "is not like"),
        ({"hours_1": "12:00-09:00"}, "ends before it starts"),
        ({"hours_1": "09:00-12:00, 11:00-13:00"}, "overlap"),
        ({"horizon_days": "0"}, "greater than or equal to 1"),
        ({"overrides": "2026-13-01 closed"}, "no such date"),
    ],
)
def test_bad_input_is_shown_on_the_page_and_changes_nothing(
    doctor: rows.Doctor, changes: dict[str, Any], text: str
) -> None:
    refused = signed_in(doctor.user).post(HOURS, week(**changes))

    assert refused.status_code == 400
    assert text in refused.content.decode()
    assert rows.Schedule.objects.get(doctor=doctor).slot_minutes == 30


def test_hours_over_a_booked_visit_name_it_and_save_only_when_the_doctor_insists(
    doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient
) -> None:
    start = factories.slot_start(clinic, hour=15)
    visit = factories.appointment(doctor, patient, start)
    page = signed_in(doctor.user)

    shown = page.post(HOURS, week())

    assert shown.status_code == 409
    body = shown.content.decode()
    assert patient.user.get_full_name() in body
    # On the clinic's clock, as the page says: "Saturday 5 December 2026, 15:00".
    assert moment_label(start, clinic.timezone, "en") in body
    assert "Save anyway and ask these patients to move" in body
    assert rows.Schedule.objects.get(doctor=doctor).slot_minutes == 30
    read = AuditEntry.objects.get(action="appointment.read")  # the page named the patient
    assert (read.object_id, read.actor_username) == (str(visit.pk), doctor.user.username)

    page.post(HOURS, week(accept=str(visit.pk)))
    assert rows.Schedule.objects.get(doctor=doctor).slot_minutes == 20
    assert rows.StoredEvent.objects.filter(type="AppointmentDisplaced").count() == 1


def test_going_ahead_covers_only_the_visits_shown(
    doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient
) -> None:
    shown = factories.appointment(doctor, patient, factories.slot_start(clinic, hour=15))
    page = signed_in(doctor.user)
    page.post(HOURS, week())
    unseen = factories.appointment(
        doctor, factories.patient(), factories.slot_start(clinic, days_ahead=3, hour=16)
    )  # booked while the doctor read the warning

    again = page.post(HOURS, week(accept=str(shown.pk)))

    assert again.status_code == 409
    assert unseen.patient.user.get_full_name() in again.content.decode()
    assert not rows.StoredEvent.objects.filter(type="AppointmentDisplaced").exists()


def test_persian_digits_are_read_as_times(doctor: rows.Doctor) -> None:
    persian = "۰۹:۰۰-۱۱:۰۰, ١٤:٠٠-١٦:٠٠"
    signed_in(doctor.user).post(HOURS, week(hours_1=persian))

    tuesday = rows.Schedule.objects.get(doctor=doctor).weekly.filter(weekday=1, kind="work")
    assert sorted(str(start) for start in tuesday.values_list("start", flat=True)) == [
        "09:00:00",
        "14:00:00",
    ]


def test_days_off_are_added_over_visits_only_when_insisted_and_removed(
    doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient
) -> None:
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    visit = factories.appointment(doctor, patient, start)
    page = signed_in(doctor.user)
    away = {
        "first_day": start.date().isoformat(),
        "last_day": (start.date() + timedelta(days=1)).isoformat(),
        "reason": "Conference",
    }

    shown = page.post(f"{HOURS}time-off/", away)
    assert shown.status_code == 409
    assert "Add anyway and ask these patients to move" in shown.content.decode()
    assert not rows.TimeOff.objects.exists()

    page.post(f"{HOURS}time-off/", {**away, "accept": str(visit.pk)})
    period = rows.TimeOff.objects.get(doctor=doctor)
    assert period.end - period.start == timedelta(days=2)  # both days, whole
    listed = page.get(HOURS).content.decode()
    assert "Conference" in listed

    page.post(f"{HOURS}time-off/remove/", {"time_off": period.pk})
    assert not rows.TimeOff.objects.exists()
    again = page.post(f"{HOURS}time-off/remove/", {"time_off": period.pk}, follow=True)
    assert "removed already" in again.content.decode()


def test_a_last_day_before_the_first_is_refused(doctor: rows.Doctor, clinic: rows.Clinic) -> None:
    day = factories.slot_start(clinic, days_ahead=3).date()
    refused = signed_in(doctor.user).post(
        f"{HOURS}time-off/",
        {"first_day": day.isoformat(), "last_day": (day - timedelta(days=1)).isoformat()},
    )
    assert refused.status_code == 400
    assert "The last day comes after the first." in refused.content.decode()


def test_only_doctors_use_the_page_and_sign_in_comes_back_to_it(
    patient: rows.Patient, doctor: rows.Doctor
) -> None:
    assert signed_in(patient.user).get(HOURS).status_code == 403
    assert Client().post(f"{HOURS}time-off/")["Location"] == "/login/?next=/doctor/hours/"
    other = factories.doctor()
    removed = signed_in(other.user).post(f"{HOURS}time-off/remove/", {"time_off": "1"})
    assert removed.status_code == 302  # nothing of another doctor's is reachable from here


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        ("0001-01-01", "0001-01-01", "Days off start today or later."),
        ("2026-12-30", "9999-12-31", "Days off end within five years."),
    ],
)
def test_days_off_at_the_ends_of_the_calendar_are_form_errors(
    doctor: rows.Doctor, first: str, last: str, text: str
) -> None:
    refused = signed_in(doctor.user).post(
        f"{HOURS}time-off/", {"first_day": first, "last_day": last}
    )
    assert refused.status_code == 400
    assert text in refused.content.decode()


@pytest.mark.parametrize("odd", ["²", "١", "-1", "99999999999999999999", ""])
def test_odd_ids_remove_nothing_and_answer_with_the_page(doctor: rows.Doctor, odd: str) -> None:
    answer = signed_in(doctor.user).post(f"{HOURS}time-off/remove/", {"time_off": odd})
    assert answer.status_code == 302
