"""Sign-up, tokens and /api/me/."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.conftest import Client

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"


def patient_signup(**extra: Any) -> dict[str, Any]:
    return {
        "role": "patient",
        "username": "sara",
        "password": "a long enough secret",
        "email": "sara@example.test",
        "first_name": "Sara",
        "last_name": "Ahmadi",
        **extra,
    }


def test_a_patient_signs_up_and_gets_a_profile(visitor: APIClient) -> None:
    response = visitor.post(REGISTER, patient_signup(), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["role"] == "patient"
    assert body["username"] == "sara"
    assert body["patient_id"] == rows.Patient.objects.get(user__username="sara").pk
    assert body["doctor_id"] is None
    assert "password" not in body


def test_a_doctor_signs_up_unverified_at_a_clinic(visitor: APIClient) -> None:
    clinic = factories.clinic()
    factories.specialty("dermatology")

    response = visitor.post(
        REGISTER,
        {
            **patient_signup(username="dr.karimi"),
            "role": "doctor",
            "specialty": "dermatology",
            "licence_number": "MC-77777",
            "clinic_id": clinic.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.json()["verified"] is False
    doctor = rows.Doctor.objects.get(pk=response.json()["doctor_id"])
    assert not doctor.verified
    assert doctor.specialty.slug == "dermatology"
    assert list(doctor.clinics.all()) == [clinic]


def test_a_doctor_sign_up_names_specialty_licence_and_clinic(visitor: APIClient) -> None:
    response = visitor.post(REGISTER, patient_signup(role="doctor"), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"specialty", "licence_number", "clinic_id"}
    assert not rows.User.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"specialty": "astrology"}, "specialty"),
        ({"clinic_id": 999_999}, "clinic_id"),
    ],
)
def test_a_doctor_sign_up_with_unknown_references_writes_nothing(
    visitor: APIClient, extra: dict[str, Any], field: str
) -> None:
    clinic = factories.clinic()
    factories.specialty("cardiology")
    payload = {
        **patient_signup(role="doctor"),
        "specialty": "cardiology",
        "licence_number": "MC-1",
        "clinic_id": clinic.pk,
        **extra,
    }

    response = visitor.post(REGISTER, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not rows.User.objects.exists()
    assert not rows.Doctor.objects.exists()


def test_a_taken_licence_number_is_refused(visitor: APIClient) -> None:
    existing = factories.doctor()
    payload = {
        **patient_signup(role="doctor"),
        "specialty": existing.specialty.slug,
        "licence_number": existing.licence_number,
        "clinic_id": existing.clinics.get().pk,
    }

    response = visitor.post(REGISTER, payload, format="json")

    assert response.status_code == 400
    assert "licence_number" in response.json()
    assert not rows.User.objects.filter(username="sara").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (patient_signup(role="admin"), "role"),
        (patient_signup(role="receptionist"), "role"),
        (patient_signup(password="short"), "password"),
        (patient_signup(email="not-an-email"), "email"),
        (patient_signup(username="has spaces"), "username"),
    ],
)
def test_bad_sign_ups_say_which_field(
    visitor: APIClient, payload: dict[str, Any], field: str
) -> None:
    response = visitor.post(REGISTER, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_username_is_taken_once(visitor: APIClient) -> None:
    assert visitor.post(REGISTER, patient_signup(), format="json").status_code == 201

    again = visitor.post(REGISTER, patient_signup(username="SARA"), format="json")

    assert again.status_code == 400
    assert again.json() == {"username": ["That username is taken."]}
    assert rows.User.objects.count() == 1


def test_sign_up_then_token_then_me_then_refresh(visitor: APIClient) -> None:
    visitor.post(REGISTER, patient_signup(), format="json")

    tokens = visitor.post(
        "/api/auth/token/", {"username": "sara", "password": "a long enough secret"}
    ).json()
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = signed_in.get("/api/me/")

    assert me.status_code == 200
    assert me.json()["username"] == "sara"
    assert me.json()["role"] == "patient"
    refreshed = visitor.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200
    assert "access" in refreshed.json()


def test_wrong_password_gets_no_token(visitor: APIClient) -> None:
    factories.patient()

    response = visitor.post("/api/auth/token/", {"username": "patient1", "password": "nope"})

    assert response.status_code == 401


def test_me_needs_a_signed_in_user(visitor: APIClient) -> None:
    assert visitor.get("/api/me/").status_code == 401


def test_a_bad_token_is_refused(visitor: APIClient) -> None:
    visitor.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    assert visitor.get("/api/me/").status_code == 401


def test_me_shows_the_profile_ids_of_each_role(client_for: Client) -> None:
    clinic = factories.clinic()
    doctor = factories.doctor(clinic, verified=False)
    desk = factories.receptionist(clinic)
    admin = factories.admin()

    doctor_me = client_for(doctor.user).get("/api/me/").json()
    desk_me = client_for(desk.user).get("/api/me/").json()
    admin_me = client_for(admin).get("/api/me/").json()

    assert (doctor_me["role"], doctor_me["doctor_id"], doctor_me["verified"]) == (
        "doctor",
        doctor.pk,
        False,
    )
    assert (desk_me["role"], desk_me["clinic_id"]) == ("receptionist", clinic.pk)
    assert admin_me["role"] == "admin"
