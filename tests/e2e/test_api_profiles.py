"""One's own profile through /api/me/: a patient's record, message channels, a doctor's page;
each user edits their own, all of it or none; the domain's bounds come back on their field."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client as DjangoClient
from rest_framework.test import APIClient

from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.notify.models import ContactPreference
from scheduler.adapters.orm import models as rows
from scheduler.domain.events import ProfileUpdated
from scheduler.entrypoints.api.throttles import ContactChangeByUser
from tests import factories
from tests.e2e.conftest import Client

pytestmark = pytest.mark.django_db

ME = "/api/me/"


def test_a_patient_fills_in_their_record(as_patient: APIClient, patient: rows.Patient) -> None:
    response = as_patient.patch(
        ME,
        {
            "date_of_birth": "1990-03-21",
            "sex": "female",
            "address": "Valiasr St. 12, Tehran",
            "emergency_contact_name": "Reza Ahmadi",
            "emergency_contact_phone": "0912 000 0002",
            "blood_group": "O-",
            "sms_messages": False,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["date_of_birth"] == "1990-03-21"
    assert body["emergency_contact_phone"] == "+989120000002"  # as the system keeps phones
    assert (body["blood_group"], body["sex"]) == ("O-", "female")
    assert (body["email_messages"], body["sms_messages"]) == (True, False)
    assert body["doctor"] is None
    channels = ContactPreference.objects.get(user=patient.user)
    assert (channels.email, channels.sms) == (True, False)
    event = rows.StoredEvent.objects.filter(type=ProfileUpdated.__name__).last()
    assert event is not None and "Reza" not in str(event.payload)  # names of fields only


def test_null_forgets_a_date_of_birth(as_patient: APIClient, patient: rows.Patient) -> None:
    as_patient.patch(ME, {"date_of_birth": "1990-03-21"}, format="json")

    response = as_patient.patch(ME, {"date_of_birth": None}, format="json")

    assert response.status_code == 200 and response.json()["date_of_birth"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date_of_birth": str(date.today() + timedelta(days=2))}, "date_of_birth"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"blood_group": "C+"}, "blood_group"),
        ({"sex": "robot"}, "sex"),
        ({"emergency_contact_phone": "not a phone"}, "emergency_contact_phone"),
        ({"address": "x" * 301}, "address"),
    ],
)
def test_a_bad_record_is_a_400_on_its_field(
    as_patient: APIClient, body: dict[str, object], field: str
) -> None:
    response = as_patient.patch(ME, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "body",
    [{"bio": "I am a doctor"}, {"consultation_fee": 1}, {"languages": ["fa"]}],
)
def test_a_patient_cannot_write_a_doctor_page(
    as_patient: APIClient, body: dict[str, object]
) -> None:
    assert as_patient.patch(ME, body, format="json").status_code == 403


def test_a_doctor_writes_their_page(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    response = as_doctor.patch(
        ME,
        {
            "bio": "Heart and vessels.",
            "years_of_experience": 12,
            "languages": ["fa", "en", "ckb"],
            "consultation_fee": 4_500_000,
            "accepts_new_patients": False,
            "sex": "male",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="fa",
    )

    assert response.status_code == 200, response.json()
    page = response.json()["doctor"]
    assert [language["code"] for language in page["languages"]] == ["fa", "en", "ckb"]
    assert [language["name"] for language in page["languages"][:2]] == ["فارسی", "انگلیسی"]
    assert (page["years_of_experience"], page["consultation_fee"]) == (12, 4_500_000)
    assert page["accepts_new_patients"] is False and page["photo"] is None
    doctor.refresh_from_db()
    assert doctor.languages == "fa en ckb" and doctor.user.sex == "male"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"years_of_experience": 71}, "years_of_experience"),
        ({"years_of_experience": -1}, "years_of_experience"),
        ({"consultation_fee": -5}, "consultation_fee"),
        ({"consultation_fee": 1_000_000_001}, "consultation_fee"),
        ({"consultation_fee": 10**20}, "consultation_fee"),
        ({"languages": ["xx"]}, "languages"),
        ({"bio": "x" * 2001}, "bio"),
    ],
)
def test_a_doctor_page_out_of_bounds_is_a_400_on_its_field(
    as_doctor: APIClient, body: dict[str, object], field: str
) -> None:
    response = as_doctor.patch(ME, body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()


def test_a_refused_edit_writes_nothing_of_it(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    response = as_doctor.patch(ME, {"bio": "New words", "first_name": "Someone"}, format="json")

    assert response.status_code == 400 and "first_name" in response.json()
    doctor.refresh_from_db()
    assert doctor.bio == ""


def test_staff_edit_their_basics_only(client_for: Client, clinic: rows.Clinic) -> None:
    desk = client_for(factories.receptionist(clinic).user)

    assert desk.patch(ME, {"phone": "0912 000 0009"}, format="json").json()["phone"] == (
        "+989120000009"
    )
    assert desk.patch(ME, {"bio": "x"}, format="json").status_code == 403


def test_a_visitor_has_no_profile(visitor: APIClient) -> None:
    assert visitor.patch(ME, {"sex": "female"}, format="json").status_code == 401


def test_the_schema_documents_the_new_fields(visitor: APIClient) -> None:
    schema = visitor.get("/api/schema/", {"format": "json"}).json()

    me = schema["components"]["schemas"]["ProfileOutput"]["properties"]
    assert {
        "date_of_birth",
        "blood_group",
        "emergency_contact_phone",
        "sms_messages",
        "doctor",
    } <= set(me)
    assert (
        "put" in schema["paths"]["/api/me/photo"] and "delete" in schema["paths"]["/api/me/photo"]
    )


def test_the_desk_of_a_visit_reads_what_check_in_needs(
    client_for: Client, clinic: rows.Clinic, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    client_for(patient.user).patch(
        ME,
        {
            "date_of_birth": "1990-03-21",
            "sex": "female",
            "blood_group": "O-",
            "emergency_contact_name": "Reza Ahmadi",
            "emergency_contact_phone": "0912 000 0002",
            "address": "12 Vali-Asr St",
        },
        format="json",
    )
    factories.appointment(doctor, patient, factories.slot_start(clinic, hour=10))
    desk = client_for(factories.receptionist(clinic).user)

    record = desk.get(f"/api/patients/{patient.pk}/").json()

    assert {key: record[key] for key in ("date_of_birth", "sex", "blood_group")} == {
        "date_of_birth": "1990-03-21",
        "sex": "female",
        "blood_group": "O-",
    }
    assert record["emergency_contact_phone"] == "+989120000002"
    assert "address" not in record  # not what a visit needs
    read = AuditEntry.objects.get(object_type="patient", object_id=str(patient.pk))
    assert read.actor_role == "receptionist"  # the trail names who looked
    # a doctor who has not seen the patient, and one not verified, learn nothing of them
    for stranger in (factories.doctor(clinic), factories.doctor(clinic, verified=False)):
        assert client_for(stranger.user).get(f"/api/patients/{patient.pk}/").status_code == 404


def _contact_changes_start_afresh(user: rows.User) -> None:
    # Ids come round again from test to test: another test's count is not this user's.
    cache.delete(ContactChangeByUser().get_cache_key(SimpleNamespace(user=user), None))


def test_trying_others_phones_is_throttled_per_user(
    settings: Any, as_patient: APIClient, patient: rows.Patient
) -> None:
    # Found in review: "An account with this phone number exists" answered 40 tries in a second,
    # listing every patient's number to anyone signed in.
    settings.CONTACT_CHANGE_RATE = "2/hour"
    rows.User.objects.filter(pk=patient.user.pk).update(phone="+989125550009")
    patient.user.refresh_from_db()
    _contact_changes_start_afresh(patient.user)
    others = [factories.patient(phone=f"+98912555000{n}").user.phone for n in range(3)]

    answers = [as_patient.patch(ME, {"phone": phone}, format="json") for phone in others]
    same_phone = as_patient.patch(ME, {"phone": "0912 555 0009"}, format="json")
    renamed = as_patient.patch(ME, {"first_name": "Still"}, format="json")

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert same_phone.status_code == renamed.status_code == 200  # only changes are counted


def test_trying_others_emails_is_throttled_per_user(
    settings: Any, as_patient: APIClient, patient: rows.Patient
) -> None:
    settings.CONTACT_CHANGE_RATE = "1/hour"
    _contact_changes_start_afresh(patient.user)

    answers = [
        as_patient.patch(ME, {"email": f"someone{n}@example.test"}, format="json") for n in range(2)
    ]

    assert [a.status_code for a in answers] == [200, 429]


def test_the_profile_page_throttles_trying_others_phones_too(
    settings: Any, patient: rows.Patient
) -> None:
    settings.CONTACT_CHANGE_RATE = "1/hour"
    _contact_changes_start_afresh(patient.user)
    browser = DjangoClient()
    browser.force_login(patient.user)
    others = [factories.patient(phone=f"+98912555000{n}").user.phone for n in range(2)]

    answers = [
        browser.post("/me/profile/", {"email": patient.user.email, "phone": phone})
        for phone in others
    ]

    assert [a.status_code for a in answers] == [400, 400]
    assert "exists" in answers[0].content.decode()
    assert "Try again in a few minutes." in answers[1].content.decode()
    assert "exists" not in answers[1].content.decode()  # not told, once throttled
