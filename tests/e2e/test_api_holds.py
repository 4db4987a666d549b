"""Slot holds through the API (POST /api/holds/, DELETE and the beacon's POST), for every
role; a hold shows nowhere a visit does, and booking it keeps its id."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.test_api_appointments import book

pytestmark = pytest.mark.django_db

HOLDS = "/api/holds/"
Client = Callable[[rows.User | None], APIClient]


def hold(client: APIClient, doctor: rows.Doctor, start: datetime, **extra: Any) -> Any:
    body = {"doctor_id": doctor.pk, "clinic_id": doctor.clinics.get().pk, "start": start}
    return client.post(HOLDS, {**body, "start": start.isoformat(), **extra}, format="json")


@pytest.fixture
def start(doctor: rows.Doctor) -> datetime:
    return factories.slot_start(doctor.clinics.get())


def test_a_patient_holds_a_slot_others_then_find_taken(
    as_patient: APIClient,
    client_for: Client,
    other_patient: rows.Patient,
    doctor: rows.Doctor,
    start: datetime,
) -> None:
    held = hold(as_patient, doctor, start)

    assert held.status_code == 201, held.data
    body = held.json()
    assert set(body) == {"id", "expires_at"}
    row = rows.Appointment.every.get(pk=body["id"])
    assert (row.status, row.hold_purpose) == ("proposed", "review")
    assert datetime.fromisoformat(body["expires_at"]) == row.hold_expires_at
    other = client_for(other_patient.user)
    for response in (hold(other, doctor, start), book(other, doctor, start)):
        assert response.status_code == 409
        assert response.json()["code"] == "slot_taken"
        assert response.json()["alternatives"]  # the same contract as a booking's
    assert as_patient.get(f"/api/doctors/{doctor.pk}/slots/").status_code == 200


def test_booking_the_held_slot_books_the_hold_in_place(
    as_patient: APIClient, doctor: rows.Doctor, start: datetime
) -> None:
    hold_id = hold(as_patient, doctor, start).json()["id"]

    booked = book(as_patient, doctor, start, hold_id=hold_id)

    assert booked.status_code == 201, booked.data
    assert booked.json()["id"] == hold_id
    assert booked.json()["status"] == "booked"
    assert rows.Appointment.objects.get().pk == uuid.UUID(hold_id)
    types = list(rows.StoredEvent.objects.order_by("occurred_at").values_list("type", "version"))
    assert types == [("SlotHeld", 1), ("AppointmentBooked", 2)]


def test_without_hold_id_the_patients_own_hold_is_booked_in_place(
    as_patient: APIClient, doctor: rows.Doctor, start: datetime
) -> None:
    hold_id = hold(as_patient, doctor, start).json()["id"]

    assert book(as_patient, doctor, start).json()["id"] == hold_id


def test_a_patient_moves_their_visit_into_the_slot_they_hold(
    as_patient: APIClient, doctor: rows.Doctor, start: datetime
) -> None:
    # Found by an attacker review: the move was refused as "The patient already has an
    # appointment at that time", their own review hold of the slot being that appointment.
    visit = book(as_patient, doctor, start).json()["id"]
    later = start + timedelta(hours=1)
    hold_id = hold(as_patient, doctor, later).json()["id"]

    moved = as_patient.post(
        f"/api/appointments/{visit}/reschedule/", {"start": later.isoformat()}, format="json"
    )

    assert moved.status_code == 200, moved.data
    assert rows.Appointment.objects.get(pk=visit).start == later
    assert rows.Appointment.every.get(pk=hold_id).status == "released"


def test_a_hold_shows_nowhere_a_visit_does(
    as_patient: APIClient,
    as_doctor: APIClient,
    as_receptionist: APIClient,
    as_admin: APIClient,
    doctor: rows.Doctor,
    start: datetime,
) -> None:
    hold_id = hold(as_patient, doctor, start).json()["id"]

    for client in (as_patient, as_doctor, as_receptionist, as_admin):
        assert client.get("/api/appointments/").json()["results"] == []
        assert client.get(f"/api/appointments/{hold_id}/").status_code == 404
    export = as_patient.get("/api/me/export/")
    assert hold_id not in export.content.decode()
    assert not rows.Appointment.objects.exists()  # every list, count and admin page reads this


@pytest.mark.parametrize("role", ["doctor", "receptionist", "admin"])
def test_staff_hold_for_a_patient_they_name(
    role: str,
    client_for: Client,
    doctor: rows.Doctor,
    receptionist: rows.Receptionist,
    patient: rows.Patient,
    start: datetime,
) -> None:
    user = {"doctor": doctor.user, "receptionist": receptionist.user}.get(role)
    client = client_for(user or factories.admin())

    nameless = hold(client, doctor, start)
    assert nameless.status_code == 400 and "patient_id" in nameless.json()
    # Staff found the patient by their phone (admins need not: they know everyone).
    found = {"patient_ref": factories.found_by(user, patient)} if user else {}
    held = hold(client, doctor, start, patient_id=patient.pk, **found)
    assert held.status_code == 201, held.data
    row = rows.Appointment.every.get(pk=held.json()["id"])
    assert (row.patient_id, row.hold_purpose) == (patient.pk, "desk")
    # A desk hold is the clinic's to let go (a patient's own review hold is not).
    assert client.delete(f"{HOLDS}{row.pk}/").status_code == 204
    assert rows.Appointment.every.get(pk=row.pk).status == "released"


def test_another_doctor_and_another_clinics_desk_may_not_hold_here(
    client_for: Client, doctor: rows.Doctor, patient: rows.Patient, start: datetime
) -> None:
    elsewhere = factories.clinic()
    another_doctor = factories.doctor(elsewhere)
    unverified = factories.doctor(elsewhere, verified=False)
    their_desk = factories.receptionist(elsewhere)
    for user in (another_doctor.user, unverified.user, their_desk.user):
        response = hold(client_for(user), doctor, start, patient_id=patient.pk)
        assert response.status_code == 403, (user, response.data)
    assert not rows.Appointment.every.exists()


def test_an_unverified_doctor_holds_nothing_in_their_own_schedule(
    client_for: Client, patient: rows.Patient
) -> None:
    unverified = factories.doctor(verified=False)
    start = factories.slot_start(unverified.clinics.get())

    response = hold(client_for(unverified.user), unverified, start, patient_id=patient.pk)

    assert response.status_code == 400
    assert not rows.Appointment.every.exists()


def test_a_visitor_holds_and_releases_nothing(
    visitor: APIClient, as_patient: APIClient, doctor: rows.Doctor, start: datetime
) -> None:
    assert hold(visitor, doctor, start).status_code in (401, 403)
    hold_id = hold(as_patient, doctor, start).json()["id"]
    assert visitor.delete(f"{HOLDS}{hold_id}/").status_code in (401, 403)
    assert visitor.post(f"{HOLDS}{hold_id}/release/").status_code in (401, 403)
    assert rows.Appointment.every.get().status == "proposed"


def test_only_the_holder_lets_it_go_and_again_is_harmless(
    as_patient: APIClient,
    client_for: Client,
    other_patient: rows.Patient,
    doctor: rows.Doctor,
    start: datetime,
) -> None:
    hold_id = hold(as_patient, doctor, start).json()["id"]
    other = client_for(other_patient.user)
    assert other.delete(f"{HOLDS}{hold_id}/").status_code == 404
    assert other.post(f"{HOLDS}{hold_id}/release/").status_code == 404
    assert as_patient.delete(f"{HOLDS}{uuid.uuid4()}/").status_code == 404
    assert as_patient.delete(f"{HOLDS}not-a-uuid/").status_code == 404

    assert as_patient.delete(f"{HOLDS}{hold_id}/").status_code == 204
    assert as_patient.delete(f"{HOLDS}{hold_id}/").status_code == 204

    assert rows.Appointment.every.get().status == "released"
    assert book(other, doctor, start).status_code == 201


def test_a_booked_hold_is_no_hold_any_more(
    as_patient: APIClient, doctor: rows.Doctor, start: datetime
) -> None:
    hold_id = hold(as_patient, doctor, start).json()["id"]
    book(as_patient, doctor, start)

    assert as_patient.delete(f"{HOLDS}{hold_id}/").status_code == 404
    assert rows.Appointment.objects.get().status == "booked"


def test_the_pages_beacon_lets_go_with_the_token_in_its_form_body(
    client_for: Client, patient: rows.Patient, doctor: rows.Doctor, start: datetime
) -> None:
    """navigator.sendBeacon sets no header: the CSRF token comes in a multipart body."""
    hold_id = hold(client_for(patient.user), doctor, start).json()["id"]
    page = APIClient(enforce_csrf_checks=True)
    page.force_login(patient.user)
    html = page.get(f"/doctors/{doctor.pk}/").content.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert token is not None
    url = f"{HOLDS}{hold_id}/release/"

    assert page.post(url).status_code == 403  # without the token: refused
    assert page.post(url, {"csrfmiddlewaretoken": token.group(1)}).status_code == 204

    assert rows.Appointment.every.get().status == "released"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "tomorrow"}, "start"),
        ({"start": "2026-06-01T10:00:00"}, "start"),  # no offset
        ({"doctor_id": 0}, "doctor_id"),
        ({"doctor_id": "x"}, "doctor_id"),
        ({"clinic_id": 2**40}, "clinic_id"),
        ({"patient_id": -1}, "patient_id"),
    ],
)
def test_bad_input_is_a_400_with_the_field(
    as_patient: APIClient, doctor: rows.Doctor, start: datetime, changes: dict[str, Any], field: str
) -> None:
    body = {
        "doctor_id": doctor.pk,
        "clinic_id": doctor.clinics.get().pk,
        "start": start.isoformat(),
    }
    response = as_patient.post(HOLDS, {**body, **changes}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not rows.Appointment.every.exists()


def test_a_time_off_the_grid_is_a_400_and_holds_nothing(
    as_patient: APIClient, doctor: rows.Doctor, start: datetime
) -> None:
    response = hold(as_patient, doctor, start.replace(minute=10))

    assert response.status_code == 400
    assert not rows.Appointment.every.exists()
