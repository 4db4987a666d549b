"""The admin edits schedules and time off through the same commands as the API: what the
domain refuses is a form error, visits in the way are named, and each save repaints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db

SCHEDULES = "/admin/orm/schedule/"
TIME_OFF = "/admin/orm/timeoff/"


@pytest.fixture
def admin_page() -> Client:
    client = Client()
    client.force_login(factories.admin())
    return client


def schedule_form(**changes: Any) -> dict[str, Any]:
    return {
        "slot_minutes": 20,
        "horizon_days": 30,
        "min_notice_minutes": 60,
        "hours": "Sat 09:00-12:00\nSun 09:00-12:00\nMon 09:00-12:00\nmon 16:00-19:00",
        "breaks": "Mon 10:00-10:20",
        "overrides": "",
        **changes,
    }


def test_the_admin_sets_up_a_schedule_and_open_grids_repaint(
    admin_page: Client, clinic: rows.Clinic
) -> None:
    doctor = factories.doctor(clinic)
    other = factories.clinic()
    doctor.clinics.add(other)

    saved = admin_page.post(
        f"{SCHEDULES}add/", schedule_form(doctor=doctor.pk, clinic=other.pk), follow=True
    )

    assert saved.status_code == 200
    row = rows.Schedule.objects.get(doctor=doctor, clinic=other)
    assert row.slot_minutes == 20
    spans = set(row.weekly.values_list("kind", "weekday", "start", "end"))
    assert len(spans) == 5 and ("break", 0) in {(kind, day) for kind, day, *_ in spans}
    assert rows.StoredEvent.objects.filter(type="AvailabilityChanged").count() == 1
    edit = admin_page.get(f"{SCHEDULES}{row.pk}/change/").content.decode()
    assert "Mon 09:00-12:00" in edit and "Mon 16:00-19:00" in edit  # shown as it is typed


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"hours": "Mon 12:00-09:00"}, "hours", "ends before it starts"),
        ({"hours": "Funday 09:00-12:00"}, "hours", "is not like"),
        ({"hours": "Mon 09:00-12:00\nMon 11:00-13:00"}, "hours", "overlap"),
        ({"overrides": "2026-02-30 closed"}, "overrides", "no such date"),
        ({"slot_minutes": 1}, "slot_minutes", "slot length"),
    ],
)
def test_what_the_domain_refuses_is_a_form_error_and_nothing_changes(
    admin_page: Client, doctor: rows.Doctor, changes: dict[str, Any], field: str, text: str
) -> None:
    row = rows.Schedule.objects.get(doctor=doctor)

    refused = admin_page.post(f"{SCHEDULES}{row.pk}/change/", schedule_form(**changes))

    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert text in " ".join(errors[field])
    row.refresh_from_db()
    assert row.slot_minutes == 30
    assert not rows.StoredEvent.objects.exists()


def test_a_change_over_booked_visits_names_them_and_goes_through_when_forced(
    admin_page: Client, doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient
) -> None:
    visit = factories.appointment(doctor, patient, factories.slot_start(clinic, hour=15))
    row = rows.Schedule.objects.get(doctor=doctor)
    mornings = schedule_form(
        hours="\n".join(
            f"{day} 09:00-12:00" for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        ),
        breaks="",
    )

    refused = admin_page.post(f"{SCHEDULES}{row.pk}/change/", mornings)
    assert refused.status_code == 200
    assert "booked visit" in refused.content.decode()
    assert "15:00 (Asia/Tehran)" in refused.content.decode()  # the clinic's clock, not UTC

    forced = admin_page.post(f"{SCHEDULES}{row.pk}/change/", {**mornings, "force": "on"})
    assert forced.status_code == 302
    assert rows.StoredEvent.objects.filter(
        type="AppointmentDisplaced", aggregate_id=visit.pk
    ).exists()


def test_time_off_is_added_and_removed_through_its_commands(
    admin_page: Client, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=5, hour=0)
    added = admin_page.post(
        f"{TIME_OFF}add/",
        {
            "doctor": doctor.pk,
            "start_0": start.date().isoformat(),
            "start_1": "00:00:00",
            "end_0": (start + timedelta(days=2)).date().isoformat(),
            "end_1": "00:00:00",
            "reason": "Conference",
        },
    )
    assert added.status_code == 302, added.context["adminform"].form.errors
    period = rows.TimeOff.objects.get(doctor=doctor)
    assert period.reason == "Conference"
    assert period.start == start  # midnight at the clinic, not on the server's clock (UTC)

    admin_page.post(f"{TIME_OFF}{period.pk}/delete/", {"post": "yes"})

    assert not rows.TimeOff.objects.exists()
    assert rows.StoredEvent.objects.filter(type="AvailabilityChanged").count() == 2


def test_a_schedule_at_a_clinic_the_doctor_does_not_work_at_is_refused_and_nothing_saved(
    admin_page: Client, doctor: rows.Doctor
) -> None:
    elsewhere = factories.clinic()

    refused = admin_page.post(
        f"{SCHEDULES}add/", schedule_form(doctor=doctor.pk, clinic=elsewhere.pk)
    )

    assert refused.status_code == 200
    assert "does not work at that clinic" in refused.content.decode()
    assert not rows.Schedule.objects.filter(clinic=elsewhere).exists()
    assert not rows.StoredEvent.objects.exists()


def test_adding_a_schedule_the_doctor_has_replaces_it_instead_of_failing_after_saving(
    admin_page: Client, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    saved = admin_page.post(f"{SCHEDULES}add/", schedule_form(doctor=doctor.pk, clinic=clinic.pk))

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert rows.Schedule.objects.filter(doctor=doctor).count() == 1
    assert rows.Schedule.objects.get(doctor=doctor).slot_minutes == 20
