"""Family members on a patient's account through the API, and booking for one of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import snapshots
from scheduler.domain.appointment import MAX_REASON
from tests import factories
from tests.e2e.test_api_appointments import book

pytestmark = pytest.mark.django_db

DEPENDANTS = "/api/me/dependants/"
CHILD = {
    "first_name": "Arash",
    "last_name": "Karimi",
    "birth_date": "2019-04-02",
    "relation": "child",
}


def add(client: APIClient, **changes: Any) -> Any:
    return client.post(DEPENDANTS, {**CHILD, **changes}, format="json")


def test_a_patient_lists_adds_changes_and_removes_family_members(as_patient: APIClient) -> None:
    created = add(as_patient)
    assert created.status_code == 201, created.data
    dependant_id = created.json()["id"]
    assert created.json() == {"id": dependant_id, **CHILD}

    changed = as_patient.put(
        f"{DEPENDANTS}{dependant_id}/", {**CHILD, "relation": "sibling"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["relation"] == "sibling"
    assert [d["id"] for d in as_patient.get(DEPENDANTS).json()] == [dependant_id]

    assert as_patient.delete(f"{DEPENDANTS}{dependant_id}/").status_code == 204
    assert as_patient.get(DEPENDANTS).json() == []
    assert rows.Dependant.objects.get(pk=dependant_id).active is False
    types = list(rows.StoredEvent.objects.order_by("occurred_at").values_list("type", flat=True))
    assert types == ["DependantAdded", "DependantUpdated", "DependantRemoved"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "not a date"}, "birth_date"),
        ({"relation": "boss"}, "relation"),
    ],
)
def test_bad_input_is_a_400_with_the_field(
    as_patient: APIClient, changes: dict[str, Any], field: str
) -> None:
    response = add(as_patient, **changes)
    assert response.status_code == 400
    assert field in response.json()
    assert not rows.Dependant.objects.exists()


def test_someone_elses_family_member_is_404(
    as_patient: APIClient, client_for: Any, other_patient: rows.Patient, doctor: rows.Doctor
) -> None:
    theirs = add(client_for(other_patient.user)).json()["id"]
    url = f"{DEPENDANTS}{theirs}/"
    assert as_patient.put(url, CHILD, format="json").status_code == 404
    assert as_patient.delete(url).status_code == 404
    assert as_patient.delete(f"{DEPENDANTS}{2**40}/").status_code == 404
    start = factories.slot_start(doctor.clinics.get())
    assert book(as_patient, doctor, start, dependant_id=theirs).status_code == 404
    assert not rows.Appointment.objects.exists()


def test_staff_have_no_family_list(as_receptionist: APIClient) -> None:
    assert as_receptionist.get(DEPENDANTS).status_code == 403
    assert add(as_receptionist).status_code == 403


def test_a_patient_books_for_a_family_member_and_the_outputs_say_so(
    as_patient: APIClient, patient: rows.Patient, doctor: rows.Doctor
) -> None:
    dependant_id = add(as_patient).json()["id"]
    start = factories.slot_start(doctor.clinics.get())

    response = book(as_patient, doctor, start, dependant_id=dependant_id)

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["dependant"] == {"id": dependant_id, "name": "Arash Karimi", "relation": "child"}
    assert body["patient"]["id"] == patient.pk
    assert body["visit_for"] == f"Arash Karimi (for {patient.user.display_name()})"


def test_the_desk_books_for_a_patients_family_member(
    as_patient: APIClient,
    as_receptionist: APIClient,
    receptionist: rows.Receptionist,
    patient: rows.Patient,
    other_patient: rows.Patient,
    doctor: rows.Doctor,
) -> None:
    dependant_id = add(as_patient).json()["id"]
    start = factories.slot_start(doctor.clinics.get())
    other_ref = factories.found_by(receptionist.user, other_patient)
    wrong = book(as_receptionist, doctor, start, patient_ref=other_ref, dependant_id=dependant_id)
    assert wrong.status_code == 404
    ref = factories.found_by(receptionist.user, patient)
    right = book(as_receptionist, doctor, start, patient_ref=ref, dependant_id=dependant_id)
    assert right.status_code == 201, right.data
    assert right.json()["dependant"]["id"] == dependant_id


def test_a_reason_past_the_limit_is_a_400_on_reason(
    as_patient: APIClient, doctor: rows.Doctor
) -> None:
    start = factories.slot_start(doctor.clinics.get())
    response = book(as_patient, doctor, start, reason="x" * (MAX_REASON + 1))
    assert response.status_code == 400
    assert "reason" in response.json()
    assert not rows.Appointment.objects.exists()


def test_the_desk_sees_who_the_visit_is_for_and_who_brings_them(
    as_patient: APIClient,
    patient: rows.Patient,
    doctor: rows.Doctor,
    receptionist: rows.Receptionist,
) -> None:
    dependant_id = add(as_patient).json()["id"]
    clinic = doctor.clinics.get()
    start = factories.slot_start(clinic)
    assert book(as_patient, doctor, start, dependant_id=dependant_id).status_code == 201

    desk = snapshots.desk_day(
        clinic_id=clinic.pk,
        viewer=factories.actor_of(receptionist),
        day=start.date(),
        now=start - timedelta(days=1),
    )

    (booking,) = desk.bookings
    assert booking.patient_name == f"Arash Karimi (for {patient.user.display_name()})"


def test_family_members_are_in_the_export_and_forgotten_with_the_patient(
    as_patient: APIClient, patient: rows.Patient
) -> None:
    dependant_id = add(as_patient).json()["id"]

    exported = as_patient.get("/api/me/export/").json()
    assert exported["family_members"] == [{"id": dependant_id, **CHILD, "active": True}]

    gone = as_patient.post("/api/me/delete/", {"password": factories.PASSWORD}, format="json")
    assert gone.status_code == 200
    row = rows.Dependant.objects.get(pk=dependant_id)
    assert (row.first_name, row.last_name, row.active) == ("", "", False)
    assert row.birth_date.isoformat() != CHILD["birth_date"]


@pytest.mark.parametrize("missing", ["", None, "absent"])
def test_a_missing_birth_date_asks_for_it(as_patient: APIClient, missing: str | None) -> None:
    body = {**CHILD, "birth_date": missing}
    if missing == "absent":
        del body["birth_date"]

    response = as_patient.post(DEPENDANTS, body, format="json")

    assert response.status_code == 400
    assert response.json()["birth_date"] == ["Enter the birth date."]


def test_a_malformed_birth_date_says_the_form_it_takes(as_patient: APIClient) -> None:
    response = add(as_patient, birth_date="02/04/2019")

    assert response.status_code == 400
    [problem] = response.json()["birth_date"]
    assert problem == "Enter the birth date as year-month-day, e.g. 2018-05-31."
