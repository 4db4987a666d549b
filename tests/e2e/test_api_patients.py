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
        "/api/patients/",
        {"first_name": "Kaveh", "last_name": "Nazari", "phone": "0912 000 0001"},
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


@pytest.mark.parametrize(
    "written", ["0912 000 0001", "09120000001", "+98 912 000 0001", "0098-912-000-0001"]
)
def test_the_desk_finds_a_patient_however_the_number_is_written(
    as_receptionist: APIClient, written: str
) -> None:
    created = as_receptionist.post(
        "/api/patients/", {"first_name": "Kaveh", "last_name": "Nazari", "phone": "09120000001"}
    )
    assert created.json()["phone"] == "+989120000001"  # stored one way: E.164
    factories.patient(first_name="Other", phone="+989120000002")

    found = as_receptionist.get("/api/patients/", {"q": written}).json()

    assert [p["id"] for p in found["results"]] == [created.json()["id"]]


@pytest.mark.parametrize("odd", ["abc", "0912", "+1 555"])
def test_a_phone_that_is_no_number_is_400_and_nothing_is_added(
    as_receptionist: APIClient, odd: str
) -> None:
    refused = as_receptionist.post(
        "/api/patients/", {"first_name": "Kaveh", "last_name": "Nazari", "phone": odd}
    )

    assert refused.status_code == 400
    assert "phone" in refused.json()
    assert not rows.Patient.objects.exists()


def test_a_phone_on_file_names_its_patient_and_a_family_phone_is_added_when_asked(
    as_receptionist: APIClient,
) -> None:
    first = as_receptionist.post(
        "/api/patients/", {"first_name": "Kaveh", "last_name": "Nazari", "phone": "09120000001"}
    ).json()

    again = as_receptionist.post(
        "/api/patients/", {"first_name": "Sara", "last_name": "Nazari", "phone": "0912 000 0001"}
    )

    assert again.status_code == 409
    assert again.json()["code"] == "patient_exists"
    assert again.json()["patient"] == first
    assert rows.Patient.objects.count() == 1
    family = as_receptionist.post(
        "/api/patients/",
        {
            "first_name": "Sara",
            "last_name": "Nazari",
            "phone": "0912 000 0001",
            "same_phone_ok": True,
        },
    )
    assert family.status_code == 201
    assert rows.Patient.objects.count() == 2


def test_a_local_number_in_part_still_finds_the_patient(as_receptionist: APIClient) -> None:
    wanted = factories.patient(first_name="Leila", phone="+989120000001")

    found = as_receptionist.get("/api/patients/", {"q": "0912 000"}).json()

    assert [p["id"] for p in found["results"]] == [wanted.pk]


def test_a_search_of_a_thousand_words_is_400_not_a_slow_500(as_receptionist: APIClient) -> None:
    response = as_receptionist.get("/api/patients/", {"q": " ".join(["a"] * 1000)})

    assert response.status_code == 400
    assert "q" in response.json()


def test_a_name_typed_with_arabic_letters_is_one_name_with_its_persian_spelling(
    as_receptionist: APIClient,
) -> None:
    # Arabic yeh and kaf (ي ك), as an Arabic keyboard types them; the desk types Persian (ی ک).
    created = as_receptionist.post(
        "/api/patients/",
        {"first_name": "\u0639\u0644\u064a", "last_name": "\u0643\u0631\u064a\u0645\u064a"},
    )
    assert created.status_code == 201, created.content

    found = as_receptionist.get("/api/patients/", {"q": "علی کریمی"}).json()
    typed_arabic = as_receptionist.get("/api/patients/", {"q": "\u0639\u0644\u064a"}).json()

    assert [p["id"] for p in found["results"]] == [created.json()["id"]]
    assert [p["id"] for p in typed_arabic["results"]] == [created.json()["id"]]
    assert found["results"][0]["name"] == "علی کریمی"
