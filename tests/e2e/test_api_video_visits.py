"""Video visits through the API: booked where the clinic offers them, and the room's link for
the visit's patient and doctor only, from 10 minutes before the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.test_api_appointments import book
from tests.e2e.test_api_no_shows import ROLES, _who

pytestmark = pytest.mark.django_db

TEMPLATE = "https://meet.example.org/{room}"


def _offer_video(clinic: rows.Clinic) -> None:
    rows.Clinic.objects.filter(pk=clinic.pk).update(video_url_template=TEMPLATE)


def test_a_patient_books_a_video_visit_and_its_room_stays_hidden_until_it_opens(
    as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    _offer_video(clinic)
    start = factories.slot_start(clinic)
    booked = book(as_patient, doctor, start, visit_mode="video")
    assert booked.status_code == 201, booked.data
    body = booked.json()
    assert body["visit_mode"] == "video" and body["video_url"] is None
    opens = datetime.fromisoformat(body["video_opens_at"])
    assert opens == start - timedelta(minutes=10)
    room = rows.Appointment.objects.get(pk=body["id"]).video_room
    assert len(room) >= 32 and room not in booked.content.decode()


def test_video_is_refused_where_the_clinic_offers_none(
    as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    refused = book(as_patient, doctor, factories.slot_start(clinic), visit_mode="video")
    assert refused.status_code == 400 and "visit_mode" in refused.json()
    wrong = book(as_patient, doctor, factories.slot_start(clinic), visit_mode="phone")
    assert wrong.status_code == 400 and "visit_mode" in wrong.json()
    assert not rows.Appointment.objects.exists()


def _video_visit(doctor: rows.Doctor, patient: rows.Patient, minutes_to_start: int) -> Any:
    _offer_video(doctor.clinics.get())
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes_to_start)
    row = factories.appointment(doctor, patient, start)
    rows.Appointment.objects.filter(pk=row.pk).update(visit_mode="video", video_room="nobat-r1")
    return row


# A visit 5 minutes away is well inside its 10 minutes; one 30 minutes away well before them.
@pytest.mark.parametrize(("minutes_to_start", "open_"), [(5, True), (30, False), (-40, False)])
def test_the_link_shows_from_10_minutes_before_until_the_end(
    as_patient: APIClient,
    doctor: rows.Doctor,
    patient: rows.Patient,
    minutes_to_start: int,
    open_: bool,
) -> None:
    row = _video_visit(doctor, patient, minutes_to_start)
    shown = as_patient.get(f"/api/appointments/{row.pk}/").json()["video_url"]
    assert shown == ("https://meet.example.org/nobat-r1" if open_ else None)
    listed = as_patient.get("/api/appointments/").json()["results"][0]["video_url"]
    assert listed == shown


# Who sees the open room: the patient and the doctor; the desk and admins see the visit is by
# video, not the way in; others do not see the visit at all.
JOINS = {"patient": True, "doctor": True, "desk": False, "admin": False}


@pytest.mark.parametrize("name", list(ROLES))
def test_only_the_patient_and_the_doctor_get_the_link(
    name: str, client_for: Any, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    row = _video_visit(doctor, patient, 5)
    got = client_for(_who(name, doctor=doctor, patient=patient)).get(f"/api/appointments/{row.pk}/")
    if name not in JOINS:
        assert got.status_code in (401, 403, 404)
        assert "nobat-r1" not in got.content.decode()
        return
    assert got.status_code == 200
    assert got.json()["visit_mode"] == "video"
    assert (got.json()["video_url"] is not None) is JOINS[name]
