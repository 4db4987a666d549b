"""Patients for the desk: staff look them up; the desk adds new ones."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db


def test_staff_find_patients_by_name_words_or_phone(as_receptionist: APIClient) -> None:
    wanted = factories.patient(first_name="Shirin", last_name="Kazemi", phone="+98 912 555 0101")
    factories.patient(first_name="Shirin", last_name="Tehrani")

    by_name = as_receptionist.get("/api/patients/", {"q": "shirin kaz"}).json()
    by_phone = as_receptionist.get("/api/patients/", {"q": "555 0101"}).json()

    assert [p["id"] for p in by_name["results"]] == [wanted.pk]
    assert [p["id"] for p in by_phone["results"]] == [wanted.pk]
    assert by_name["results"][0] == {
        "id": wanted.pk,
        "name": "Shirin Kazemi",
        "phone": "+98 912 555 0101",
    }


def test_patients_and_visitors_may_not_look_anyone_up(
    as_patient: APIClient, visitor: APIClient
) -> None:
    assert as_patient.get("/api/patients/", {"q": "a"}).status_code == 403
    assert visitor.get("/api/patients/", {"q": "a"}).status_code in (401, 403)


def test_the_desk_adds_a_patient_who_can_be_booked_at_once(
    as_receptionist: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    created = as_receptionist.post(
        "/api/patients/", {"first_name": "Kaveh", "last_name": "Nazari", "phone": "0912"}
    )
    assert created.status_code == 201, created.content
    patient_id = created.json()["id"]
    assert not rows.Patient.objects.get(pk=patient_id).user.has_usable_password()

    booked = as_receptionist.post(
        "/api/appointments/",
        {
            "doctor_id": doctor.pk,
            "clinic_id": clinic.pk,
            "start": factories.slot_start(clinic).isoformat(),
            "patient_id": patient_id,
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content


def test_only_the_desk_adds_patients(as_doctor: APIClient, as_patient: APIClient) -> None:
    body = {"first_name": "A", "last_name": "B"}
    assert as_doctor.post("/api/patients/", body).status_code == 403
    assert as_patient.post("/api/patients/", body).status_code == 403
