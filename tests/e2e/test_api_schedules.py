"""A doctor's own schedule and time off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.domain.model import Role
from tests import factories
from tests.e2e.conftest import Client

pytestmark = pytest.mark.django_db


def url(doctor: rows.Doctor, what: str = "schedule") -> str:
    return f"/api/doctors/{doctor.pk}/{what}/"


def week(**extra: Any) -> dict[str, Any]:
    """Saturday to Wednesday 09:00-12:00 and 16:00-19:00, 20-minute slots."""
    return {
        "hours": [
            {"weekday": day, "start": start, "end": end}
            for day in (5, 6, 0, 1, 2)
            for start, end in (("09:00", "12:00"), ("16:00", "19:00"))
        ],
        "breaks": [{"weekday": 0, "start": "10:00", "end": "10:20"}],
        "overrides": [],
        "slot_minutes": 20,
        "horizon_days": 30,
        "min_notice_minutes": 120,
        "requires_approval": True,
        **extra,
    }


def test_a_doctor_reads_their_schedule(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    response = as_doctor.get(url(doctor))

    assert response.status_code == 200
    body = response.json()
    assert body["slot_minutes"] == 30
    assert len(body["hours"]) == 7
    assert body["hours"][0] == {"weekday": "monday", "start": "10:00:00", "end": "17:00:00"}
    assert body["breaks"][0] == {"weekday": "monday", "start": "13:00:00", "end": "14:00:00"}
    assert body["overrides"] == []


def test_a_doctor_replaces_their_schedule(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    closed_day = factories.slot_start(doctor.clinics.get(), days_ahead=3).date().isoformat()
    short_day = factories.slot_start(doctor.clinics.get(), days_ahead=4).date().isoformat()
    payload = week(
        overrides=[
            {"date": closed_day, "closed": True},
            {"date": short_day, "start": "09:00", "end": "11:00"},
        ]
    )

    response = as_doctor.put(url(doctor), payload, format="json")

    assert response.status_code == 200, response.data
    again = as_doctor.get(url(doctor)).json()
    assert again == response.json()
    assert (again["slot_minutes"], again["horizon_days"], again["min_notice_minutes"]) == (
        20,
        30,
        120,
    )
    assert again["requires_approval"] is True
    assert len(again["hours"]) == 10
    assert again["overrides"] == [
        {"date": closed_day, "closed": True, "start": None, "end": None},
        {"date": short_day, "closed": False, "start": "09:00:00", "end": "11:00:00"},
    ]
    # the slots follow the new schedule at once
    slots = as_doctor.get(url(doctor, "slots"), {"from": closed_day, "to": short_day}).json()
    local = sorted({s["start"][:10] for s in slots["slots"]})
    assert closed_day not in local


def test_overlapping_hours_are_400_and_change_nothing(
    as_doctor: APIClient, doctor: rows.Doctor
) -> None:
    before = as_doctor.get(url(doctor)).json()
    payload = week(
        hours=[
            {"weekday": 0, "start": "09:00", "end": "12:00"},
            {"weekday": 0, "start": "11:00", "end": "14:00"},
        ]
    )

    response = as_doctor.put(url(doctor), payload, format="json")

    assert response.status_code == 400
    assert "overlap" in response.json()["hours"][0]
    assert as_doctor.get(url(doctor)).json() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": [{"weekday": 0, "start": "12:00", "end": "09:00"}]}, "hours"),
        ({"hours": [{"weekday": 7, "start": "09:00", "end": "12:00"}]}, "hours"),
        ({"breaks": [{"weekday": 0, "start": "10:00", "end": "10:00"}]}, "breaks"),
        ({"slot_minutes": 2}, "slot_minutes"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"min_notice_minutes": -5}, "min_notice_minutes"),
        ({"overrides": [{"date": "2030-01-01"}]}, "overrides"),
        ({"overrides": [{"date": "2030-01-01", "closed": True, "start": "09:00"}]}, "overrides"),
        (
            {
                "overrides": [
                    {"date": "2030-01-01", "closed": True},
                    {"date": "2030-01-01", "start": "09:00", "end": "10:00"},
                ]
            },
            "overrides",
        ),
        (
            {
                "overrides": [
                    {"date": "2030-01-01", "start": "09:00", "end": "11:00"},
                    {"date": "2030-01-01", "start": "10:00", "end": "12:00"},
                ]
            },
            "overrides",
        ),
    ],
)
def test_bad_schedules_say_which_field(
    as_doctor: APIClient, doctor: rows.Doctor, change: dict[str, Any], field: str
) -> None:
    response = as_doctor.put(url(doctor), week(**change), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert rows.Schedule.objects.get(doctor=doctor).slot_minutes == 30


def test_a_new_doctor_sets_up_a_schedule_from_nothing(client_for: Client) -> None:
    clinic = factories.clinic()
    newcomer = rows.Doctor.objects.create(
        user=factories.user(Role.DOCTOR),
        specialty=factories.specialty(),
        licence_number="MC-NEW",
    )
    newcomer.clinics.add(clinic)
    me = client_for(newcomer.user)

    empty = me.get(url(newcomer))
    created = me.put(url(newcomer), week(), format="json")

    assert empty.status_code == 200
    assert empty.json()["hours"] == []
    assert created.status_code == 200
    assert rows.Schedule.objects.filter(doctor=newcomer, clinic=clinic).exists()


def test_another_doctor_may_not_read_or_change_a_schedule(
    client_for: Client, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    rival = client_for(factories.doctor(clinic).user)

    assert rival.get(url(doctor)).status_code == 403
    assert rival.put(url(doctor), week(), format="json").status_code == 403
    assert rows.Schedule.objects.get(doctor=doctor).slot_minutes == 30


def test_patients_may_not_read_schedules(as_patient: APIClient, doctor: rows.Doctor) -> None:
    assert as_patient.get(url(doctor)).status_code == 403


def test_the_desk_reads_but_does_not_change_a_schedule(
    as_receptionist: APIClient, doctor: rows.Doctor
) -> None:
    assert as_receptionist.get(url(doctor)).status_code == 200
    assert as_receptionist.put(url(doctor), week(), format="json").status_code == 403


def test_an_admin_changes_any_schedule(as_admin: APIClient, doctor: rows.Doctor) -> None:
    assert as_admin.put(url(doctor), week(), format="json").status_code == 200


def test_schedules_need_a_signed_in_user(visitor: APIClient, doctor: rows.Doctor) -> None:
    assert visitor.get(url(doctor)).status_code == 401


def test_the_schedule_of_an_unknown_doctor_is_404(as_admin: APIClient) -> None:
    assert as_admin.get("/api/doctors/999999/schedule/").status_code == 404


def test_the_clinic_must_be_one_of_the_doctors(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    other = factories.clinic()

    response = as_doctor.put(f"{url(doctor)}?clinic={other.pk}", week(), format="json")

    assert response.status_code == 400
    assert "clinic" in response.json()


# -- time off ------------------------------------------------------------------------------------


def test_time_off_removes_slots_and_can_be_taken_back(
    as_doctor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, hour=10)
    day = start.date().isoformat()
    period = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}

    created = as_doctor.post(url(doctor, "time-off"), {**period, "reason": "Congress"})

    assert created.status_code == 201, created.data
    listed = as_doctor.get(url(doctor, "time-off")).json()
    assert [p["id"] for p in listed] == [created.json()["id"]]
    assert listed[0]["reason"] == "Congress"
    slots = as_doctor.get(url(doctor, "slots"), {"from": day, "to": day}).json()["slots"]
    assert len(slots) == 12 - 4

    removed = as_doctor.delete(f"{url(doctor, 'time-off')}{created.json()['id']}/")

    assert removed.status_code == 204
    assert as_doctor.get(url(doctor, "time-off")).json() == []
    slots = as_doctor.get(url(doctor, "slots"), {"from": day, "to": day}).json()["slots"]
    assert len(slots) == 12


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "The end must be after the start."), ("fa", "پایان باید بعد از شروع باشد.")],
)
def test_time_off_that_ends_before_it_starts_is_refused_in_the_readers_language(
    as_doctor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic, language: str, said: str
) -> None:
    """Found in review: the field's message was the domain's own English on a Persian page."""
    start = factories.slot_start(clinic, hour=10)
    for end in (start, start - timedelta(hours=1)):
        response = as_doctor.post(
            url(doctor, "time-off"),
            {"start": start.isoformat(), "end": end.isoformat()},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400
        assert response.json() == {"end": [said]}
    assert not rows.TimeOff.objects.exists()


def test_booking_in_time_off_is_refused(
    as_doctor: APIClient, as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, hour=10)
    as_doctor.post(
        url(doctor, "time-off"),
        {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
    )

    response = as_patient.post(
        "/api/appointments/",
        {"doctor_id": doctor.pk, "clinic_id": clinic.pk, "start": start.isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "doctor_away"


@pytest.mark.parametrize(
    ("period", "field"),
    [
        ({"start": "2030-01-01T10:00:00+03:30", "end": "2030-01-01T09:00:00+03:30"}, "end"),
        ({"start": "2030-01-01T10:00:00", "end": "2030-01-01T12:00:00+03:30"}, "start"),
        ({"start": "yesterday", "end": "2030-01-01T12:00:00+03:30"}, "start"),
    ],
)
def test_bad_time_off_is_400(
    as_doctor: APIClient, doctor: rows.Doctor, period: dict[str, str], field: str
) -> None:
    response = as_doctor.post(url(doctor, "time-off"), period)

    assert response.status_code == 400
    assert field in response.json()
    assert not rows.TimeOff.objects.exists()


def test_time_off_is_the_doctors_own(
    client_for: Client, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    mine = rows.TimeOff.objects.create(
        doctor=doctor,
        start=factories.slot_start(clinic),
        end=factories.slot_start(clinic) + timedelta(hours=1),
    )
    rival_doctor = factories.doctor(clinic)
    rival = client_for(rival_doctor.user)
    period = {"start": "2030-01-01T10:00:00+03:30", "end": "2030-01-01T12:00:00+03:30"}

    assert rival.post(url(doctor, "time-off"), period).status_code == 403
    assert rival.delete(f"{url(doctor, 'time-off')}{mine.pk}/").status_code == 403
    # someone else's period through one's own URL: not found
    assert rival.delete(f"{url(rival_doctor, 'time-off')}{mine.pk}/").status_code == 404
    assert rows.TimeOff.objects.filter(pk=mine.pk).exists()


def test_the_desk_reads_time_off_but_does_not_add_it(
    as_receptionist: APIClient, doctor: rows.Doctor
) -> None:
    period = {"start": "2030-01-01T10:00:00+03:30", "end": "2030-01-01T12:00:00+03:30"}

    assert as_receptionist.get(url(doctor, "time-off")).status_code == 200
    assert as_receptionist.post(url(doctor, "time-off"), period).status_code == 403
    assert not rows.TimeOff.objects.exists()


# -- changes under booked visits ----------------------------------------------------------------


def test_hours_that_leave_a_booked_visit_out_are_400_with_the_visit_then_forced(
    as_doctor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient
) -> None:
    start = factories.slot_start(clinic, hour=16)  # the new week ends at 12:00 or 19:00...
    visit = factories.appointment(doctor, patient, start)
    only_mornings = week(
        hours=[{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(7)],
        breaks=[],
    )

    refused = as_doctor.put(url(doctor), only_mornings, format="json")

    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "schedule_conflict"
    assert [item["id"] for item in body["appointments"]] == [str(visit.pk)]
    assert as_doctor.get(url(doctor)).json()["hours"][0]["start"] == "10:00:00"  # unchanged

    forced = as_doctor.put(url(doctor), {**only_mornings, "force": True}, format="json")

    assert forced.status_code == 200
    visit.refresh_from_db()
    assert visit.status == "booked"  # it stands; its patient is asked to move it
    assert rows.StoredEvent.objects.filter(
        type="AppointmentDisplaced", aggregate_id=visit.pk
    ).exists()
    assert rows.StoredEvent.objects.filter(type="AvailabilityChanged").exists()


def test_time_off_over_a_booked_visit_is_400_unless_forced(
    as_doctor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient
) -> None:
    start = factories.slot_start(clinic, hour=11)
    visit = factories.appointment(doctor, patient, start)
    away = {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}

    refused = as_doctor.post(url(doctor, "time-off"), away, format="json")
    assert refused.status_code == 400
    assert refused.json()["appointments"][0]["id"] == str(visit.pk)
    assert not rows.TimeOff.objects.exists()

    forced = as_doctor.post(url(doctor, "time-off"), {**away, "force": True}, format="json")
    assert forced.status_code == 201
    assert rows.TimeOff.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"horizon_days": 2**63},
        {"horizon_days": 367},
        {"min_notice_minutes": 10**12},
        {"slot_minutes": 2**63},
    ],
)
def test_numbers_beyond_their_bounds_are_400_not_500(
    as_doctor: APIClient, doctor: rows.Doctor, changes: dict[str, Any]
) -> None:
    response = as_doctor.put(url(doctor), week(**changes), format="json")

    assert response.status_code == 400
    assert set(response.json()) == set(changes)


def test_time_off_across_the_ages_is_400_not_500(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    response = as_doctor.post(
        url(doctor, "time-off"),
        {"start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59Z"},
        format="json",
    )

    assert response.status_code == 400
    assert "end" in response.json()
