"""The pages: who may open which, and where signing in leads."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db


def signed_in(user: rows.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_links_each_doctor_to_their_live_page(
    doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    page = Client().get("/").content.decode()

    assert f'href="/doctors/{doctor.pk}/?clinic={clinic.pk}"' in page


def test_the_doctor_page_carries_what_its_script_needs(
    doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient
) -> None:
    visitor = Client().get(f"/doctors/{doctor.pk}/").content.decode()
    as_patient = signed_in(patient.user).get(f"/doctors/{doctor.pk}/").content.decode()

    assert f'data-doctor="{doctor.pk}"' in visitor
    assert f'data-clinic="{clinic.pk}"' in visitor
    assert 'data-patient=""' in visitor
    assert "Sign in as a patient" in visitor
    assert f'data-patient="{patient.pk}"' in as_patient
    assert 'name="csrf-token"' in as_patient
    assert 'src="/static/web/grid.js"' in as_patient


def test_unknown_and_unverified_doctors_have_no_page(clinic: rows.Clinic) -> None:
    hidden = factories.doctor(clinic, verified=False)

    assert Client().get("/doctors/999999/").status_code == 404
    assert Client().get(f"/doctors/{hidden.pk}/").status_code == 404


def test_the_desk_is_for_the_clinics_receptionists(
    receptionist: rows.Receptionist, patient: rows.Patient, doctor: rows.Doctor
) -> None:
    path = f"/desk/{receptionist.clinic_id}/"
    other_desk = factories.receptionist(factories.clinic())

    assert signed_in(receptionist.user).get(path).status_code == 200
    assert signed_in(factories.admin()).get(path).status_code == 200
    for user in (patient.user, doctor.user, other_desk.user):
        assert signed_in(user).get(path).status_code == 403
    visitor = Client().get(path)
    assert visitor.status_code == 302
    assert visitor["Location"].startswith("/login/")


def test_the_doctors_day_is_for_doctors(doctor: rows.Doctor, patient: rows.Patient) -> None:
    page = signed_in(doctor.user).get("/doctor/")

    assert page.status_code == 200
    assert f'data-doctor="{doctor.pk}"' in page.content.decode()
    assert signed_in(patient.user).get("/doctor/").status_code == 403


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [("receptionist", "/desk/{clinic}/"), ("doctor", "/doctor/"), ("patient", "/")],
)
def test_signing_in_leads_to_where_the_role_works(
    who: str,
    lands_on: str,
    receptionist: rows.Receptionist,
    doctor: rows.Doctor,
    patient: rows.Patient,
) -> None:
    user = {"receptionist": receptionist.user, "doctor": doctor.user, "patient": patient.user}[who]

    answer = Client().post("/login/", {"username": user.username, "password": factories.PASSWORD})

    assert answer.status_code == 302
    assert answer["Location"] == lands_on.format(clinic=receptionist.clinic_id)


def test_a_wrong_password_is_told_and_signing_out_is_a_post(patient: rows.Patient) -> None:
    wrong = Client().post("/login/", {"username": patient.user.username, "password": "nope"})
    assert "do not match" in wrong.content.decode()

    client = signed_in(patient.user)
    assert client.post("/logout/").status_code == 302
    assert client.get("/desk/1/").status_code == 302  # signed out: sent to sign in


@pytest.mark.parametrize("odd", ["²", "-1", "99999999999999999999", "x"])
def test_an_odd_clinic_in_the_doctor_page_url_shows_the_first_clinic_not_a_500(
    doctor: rows.Doctor, odd: str
) -> None:
    assert Client().get(f"/doctors/{doctor.pk}/", {"clinic": odd}).status_code == 200


def test_error_pages_are_the_sites_own_with_a_way_on() -> None:
    missing = Client().get("/visit/not-a-link/")
    patient = factories.patient()
    client = Client()
    client.force_login(patient.user)
    refused = client.get("/desk/1/")

    assert missing.status_code == 404 and "There is nothing here" in missing.content.decode()
    assert refused.status_code == 403
    assert "This page is not yours to see" in refused.content.decode()
    assert "Sign out" in refused.content.decode()


def test_a_refused_page_is_one_line_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    client.force_login(factories.patient().user)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/desk/1/").status_code == 403

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None and "Forbidden" in record.getMessage()
