"""A doctor who sees patients at two clinics: a hold at one is nobody's business at the other.
A patient's hold at clinic B is not booked in place by a booking at clinic A (it would land
at B under A's rules, and open the patient's record to B's desk), and a desk hold the doctor
makes at A introduces the patient to no one there."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.conftest import Client

pytestmark = pytest.mark.django_db


def booking(doctor: rows.Doctor, clinic: rows.Clinic, hour: int = 10, **patient: Any) -> Any:
    start = factories.slot_start(clinic, hour=hour).isoformat()
    return {"doctor_id": doctor.pk, "clinic_id": clinic.pk, "start": start, **patient}


def found(client: APIClient, q: str) -> list[int]:
    return [patient["id"] for patient in client.get("/api/patients/", {"q": q}).json()["results"]]


def test_a_booking_at_one_clinic_does_not_book_the_patients_hold_at_the_other(
    client_for: Client,
) -> None:
    a, b = factories.clinic(), factories.clinic()
    doctor = factories.doctor(a)
    factories.works_at(doctor, b, requires_approval=True)
    patient = factories.patient(last_name="Secretname", phone="+989120000071")
    as_patient = client_for(patient.user)
    desk_a, desk_b = (client_for(factories.receptionist(c).user) for c in (a, b))
    held_at_b = as_patient.post("/api/holds/", booking(doctor, b), format="json")
    assert held_at_b.status_code == 201, held_at_b.content

    ref = desk_a.get("/api/patients/", {"q": "09120000071"}).json()["results"][0]["ref"]
    desk_hold = desk_a.post("/api/holds/", booking(doctor, a, patient_ref=ref), format="json")
    booked = as_patient.post(
        "/api/appointments/", booking(doctor, a, hold_id=held_at_b.json()["id"]), format="json"
    )

    assert desk_hold.status_code == 409, desk_hold.content  # the time is the patient's at B
    assert booked.status_code == 201, booked.content
    assert booked.json()["clinic"]["id"] == a.pk
    assert booked.json()["status"] == "booked"  # A's rules: no approval there
    assert booked.json()["id"] != held_at_b.json()["id"]
    # Clinic B's desk never learnt of them.
    assert found(desk_b, "Secretname") == []
    assert desk_b.get(f"/api/patients/{patient.pk}/").status_code == 404


def test_a_desk_hold_the_doctor_makes_and_drops_introduces_no_one(client_for: Client) -> None:
    a, b = factories.clinic(), factories.clinic()
    doctor = factories.doctor(a)
    factories.works_at(doctor, b)
    patient = factories.patient(last_name="Secretname")
    factories.appointment(factories.doctor(b), patient, factories.slot_start(b, days_ahead=5))
    desk_a = client_for(factories.receptionist(a).user)
    as_doctor = client_for(doctor.user)

    held = as_doctor.post("/api/holds/", booking(doctor, a, patient_id=patient.pk), format="json")
    assert held.status_code == 201, held.content  # theirs to hold: a patient of their clinic B
    assert as_doctor.delete(f"/api/holds/{held.json()['id']}/").status_code == 204

    assert found(desk_a, "Secretname") == []
    refused = desk_a.post(
        "/api/appointments/",
        booking(doctor, a, 11, patient_id=patient.pk, hold_id=held.json()["id"]),
        format="json",
    )
    assert refused.status_code == 400, refused.content
