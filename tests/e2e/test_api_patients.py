"""Patients for the desk: staff look them up; the desk adds new ones."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.conftest import Client

pytestmark = pytest.mark.django_db


def seen_at(clinic: rows.Clinic, *patients: rows.Patient) -> None:
    """A past visit at ``clinic`` for each: the desk finds its own patients by a part of a name."""
    doctor = factories.doctor(clinic)
    for n, patient in enumerate(patients):
        start = factories.slot_start(clinic, days_ahead=-7, hour=9 + n)
        factories.appointment(doctor, patient, start, status="fulfilled")


def test_staff_find_patients_by_name_words_or_phone(
    as_receptionist: APIClient, clinic: rows.Clinic
) -> None:
    wanted = factories.patient(first_name="Shirin", last_name="Kazemi", phone="+98 912 555 0101")
    seen_at(clinic, wanted, factories.patient(first_name="Shirin", last_name="Tehrani"))

    by_name = as_receptionist.get("/api/patients/", {"q": "shirin kaz"}).json()
    by_phone = as_receptionist.get("/api/patients/", {"q": "555 0101"}).json()

    assert [p["id"] for p in by_name["results"]] == [wanted.pk]
    assert [p["id"] for p in by_phone["results"]] == [wanted.pk]
    shown = dict(by_name["results"][0])
    assert shown.pop("ref")  # what books them (tests/e2e/test_api_patient_refs.py)
    assert shown == {
        "id": wanted.pk,
        "name": "Shirin Kazemi",
        "phone": "+98 912 555 0101",
        "phone_shown": "+98 912 555 0101",
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
            "patient_ref": created.json()["ref"],
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content
    assert booked.json()["patient"]["id"] == patient_id


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
    assert {**again.json()["patient"], "ref": ""} == {**first, "ref": ""}
    # Grouped as the desk shows it (a reviewer: the desk's phones were one run of digits).
    assert first["phone_shown"] == again.json()["patient"]["phone_shown"] == "+98 912 000 0001"
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


def test_a_local_number_in_part_still_finds_the_patient(
    as_receptionist: APIClient, clinic: rows.Clinic
) -> None:
    wanted = factories.patient(first_name="Leila", phone="+989120000001")
    seen_at(clinic, wanted)

    found = as_receptionist.get("/api/patients/", {"q": "0912 000"}).json()

    assert [p["id"] for p in found["results"]] == [wanted.pk]


def test_a_search_of_a_thousand_words_is_400_not_a_slow_500(as_receptionist: APIClient) -> None:
    response = as_receptionist.get("/api/patients/", {"q": " ".join(["a"] * 1000)})

    assert response.status_code == 400
    assert "q" in response.json()


def test_a_name_typed_with_arabic_letters_is_one_name_with_its_persian_spelling(
    as_receptionist: APIClient, clinic: rows.Clinic
) -> None:
    # Arabic yeh and kaf (ي ك), as an Arabic keyboard types them; the desk types Persian (ی ک).
    created = as_receptionist.post(
        "/api/patients/",
        {"first_name": "\u0639\u0644\u064a", "last_name": "\u0643\u0631\u064a\u0645\u064a"},
    )
    assert created.status_code == 201, created.content
    seen_at(clinic, rows.Patient.objects.get(pk=created.json()["id"]))

    found = as_receptionist.get("/api/patients/", {"q": "علی کریمی"}).json()
    typed_arabic = as_receptionist.get("/api/patients/", {"q": "\u0639\u0644\u064a"}).json()

    assert [p["id"] for p in found["results"]] == [created.json()["id"]]
    assert [p["id"] for p in typed_arabic["results"]] == [created.json()["id"]]
    assert found["results"][0]["name"] == "علی کریمی"


def found_ids(client: APIClient, q: str) -> list[int]:
    answer = client.get("/api/patients/", {"q": q})
    assert answer.status_code == 200, answer.content
    return [p["id"] for p in answer.json()["results"]]


def test_staff_list_by_a_part_only_the_patients_of_their_own_clinics(
    client_for: Client, clinic: rows.Clinic, receptionist: rows.Receptionist
) -> None:
    # Found in review: the desk or a doctor of any clinic listed every patient's name and phone
    # with q=a or q=0912.
    ours = factories.patient(first_name="Ali", phone="+989120000001")
    theirs = factories.patient(first_name="Ali", phone="+989120000002")
    elsewhere = factories.clinic()
    seen_at(clinic, ours)
    seen_at(elsewhere, theirs)
    colleague = factories.doctor(clinic)  # a doctor of the clinic, whoever the patient saw
    outsider = factories.doctor(factories.clinic())

    desk = client_for(receptionist.user)
    for q in ("a", "ali", "0912", "۰۹۱۲", "912000"):
        assert found_ids(desk, q) == [ours.pk], q
        assert found_ids(client_for(colleague.user), q) == [ours.pk], q
        assert found_ids(client_for(outsider.user), q) == [], q
    assert sorted(found_ids(client_for(factories.admin()), "ali")) == [ours.pk, theirs.pk]


@pytest.mark.parametrize(
    "written", ["09120000002", "۰۹۱۲۰۰۰۰۰۰۲", "+98 912 000 0002", "NEW@Example.test"]
)
def test_a_first_time_caller_is_found_by_the_whole_number_or_email(
    as_receptionist: APIClient, written: str
) -> None:
    caller = factories.patient(first_name="Nima", phone="+989120000002")
    rows.User.objects.filter(pk=caller.user_id).update(email="new@example.test")

    assert found_ids(as_receptionist, written) == [caller.pk]
    assert found_ids(as_receptionist, "Nima") == []
    assert found_ids(as_receptionist, "new@example") == []


@pytest.mark.parametrize(
    ("status", "readable"),
    [("booked", True), ("fulfilled", True), ("cancelled", False), ("rejected", False)],
)
def test_only_a_live_or_kept_booking_opens_the_record(
    as_receptionist: APIClient,
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    status: str,
    readable: bool,
) -> None:
    # Found in review: booking anyone then cancelling kept their record open to the desk.
    patient = factories.patient()
    factories.appointment(doctor, patient, factories.slot_start(clinic), status=status)

    answer = as_receptionist.get(f"/api/patients/{patient.pk}/")

    assert answer.status_code == (200 if readable else 404)
