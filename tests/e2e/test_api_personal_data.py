"""A person's own data: the export holds everything about the caller and nothing about anyone
else; a patient's deletion cancels their visits to come (freeing the slots, telling the
doctors), anonymises them, revokes their tokens and keeps the visits for the counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.gcal.models import CalendarConnection, CalendarFeed
from scheduler.adapters.notify.models import Notification
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from tests import factories
from tests.e2e.conftest import Client
from tests.integration.notifications.conftest import relay

pytestmark = pytest.mark.django_db


def book(doctor: rows.Doctor, patient: rows.Patient, *, hour: int = 10) -> str:
    return str(build_bus().handle(factories.booking(doctor, patient, hour=hour)).appointment_id)


def test_the_export_holds_the_callers_data_and_no_one_elses(
    client_for: Client, patient: rows.Patient, other_patient: rows.Patient, doctor: rows.Doctor
) -> None:
    mine = book(doctor, patient, hour=10)
    theirs = book(doctor, other_patient, hour=11)
    relay()  # the messages about both bookings are planned

    answer = client_for(patient.user).get("/api/me/export/")

    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="nobat-my-data.json"'
    text = answer.content.decode()
    document = json.loads(text)
    assert document["profile"]["email"] == patient.user.email
    assert [a["id"] for a in document["appointments"]] == [mine]
    [visit] = document["appointments"]
    assert visit["doctor"] == str(doctor) and visit["clinic"] == doctor.clinics.get().name
    assert [(s["action"], s["by_you"]) for s in visit["history"]] == [("book", True)]
    assert document["notifications"]
    assert {n["appointment_id"] for n in document["notifications"]} == {mine}
    assert "doctor" not in document
    for secret in (theirs, other_patient.user.email, other_patient.user.username, "pbkdf2", "md5$"):
        assert secret not in text


def test_a_doctors_export_shows_the_calendar_connection_without_its_tokens(
    client_for: Client, doctor: rows.Doctor
) -> None:
    connection = CalendarConnection.objects.create(
        doctor=doctor, account="dr@example.test", refresh_token="SEALED-REFRESH"
    )
    CalendarFeed.objects.create(connection=connection, calendar_id="primary", summary="Clinic")

    text = client_for(doctor.user).get("/api/me/export/").content.decode()

    practice = json.loads(text)["doctor"]
    assert practice["licence_number"] == doctor.licence_number
    assert practice["calendar_connection"]["account"] == "dr@example.test"
    assert practice["calendar_connection"]["calendars"] == ["Clinic"]
    assert "SEALED-REFRESH" not in text


def test_deletion_anonymises_cancels_what_is_to_come_and_keeps_the_counts(
    client_for: Client, patient: rows.Patient, other_patient: rows.Patient, doctor: rows.Doctor
) -> None:
    clinic = doctor.clinics.get()
    past = factories.appointment(
        doctor, patient, factories.slot_start(clinic, days_ahead=-3), status="fulfilled"
    )
    upcoming = book(doctor, patient, hour=10)
    relay()
    refresh = APIClient().post(
        "/api/auth/token/", {"username": patient.user.username, "password": factories.PASSWORD}
    )
    before = rows.Appointment.objects.filter(patient=patient).count()

    wrong = client_for(patient.user).post("/api/me/delete/", {"password": "guess"}, format="json")
    answer = client_for(patient.user).post(
        "/api/me/delete/", {"password": factories.PASSWORD}, format="json"
    )

    assert wrong.status_code == 400 and "password" in wrong.json()
    assert answer.status_code == 200 and answer.json() == {"cancelled": 1}
    user = rows.User.objects.get(pk=patient.user_id)
    assert (user.first_name, user.last_name, user.email, user.phone) == ("", "", "", "")
    assert user.username.startswith("deleted-") and not user.is_active
    assert not user.has_usable_password() and user.forgotten
    assert str(rows.Patient.objects.get(pk=patient.pk)) == "Deleted patient"
    assert rows.Appointment.objects.filter(patient=patient).count() == before
    assert rows.Appointment.objects.get(pk=upcoming).status == "cancelled"
    assert rows.Appointment.objects.get(pk=past.pk).status == "fulfilled"
    again = APIClient().post("/api/auth/token/refresh/", {"refresh": refresh.json()["refresh"]})
    assert again.status_code == 401
    relay()  # the doctor is told; what was sent to the patient keeps no address
    kinds = Notification.objects.filter(recipient=doctor.user).values_list("kind", flat=True)
    assert "doctor_cancelled" in kinds
    assert set(Notification.objects.filter(recipient=user).values_list("address", flat=True)) <= {
        ""
    }
    forgotten = rows.StoredEvent.objects.get(type="PatientForgotten")
    assert set(forgotten.payload) >= {"user_id", "patient_id"}
    assert patient.user.email not in json.dumps(forgotten.payload)
    slot = factories.slot_start(clinic, hour=10)
    taken = client_for(other_patient.user).post(
        "/api/appointments/",
        {"doctor_id": doctor.pk, "clinic_id": clinic.pk, "start": slot.isoformat()},
        format="json",
    )
    assert taken.status_code == 201, taken.json()  # the slot is free again


def test_staff_cannot_delete_themselves_here(
    as_doctor: APIClient, as_receptionist: APIClient, as_admin: APIClient
) -> None:
    for client in (as_doctor, as_receptionist, as_admin):
        answer = client.post("/api/me/delete/", {"password": factories.PASSWORD}, format="json")
        assert answer.status_code == 403


def test_a_forgotten_patients_past_visit_shows_no_name(
    client_for: Client, patient: rows.Patient, doctor: rows.Doctor
) -> None:
    start = factories.slot_start(doctor.clinics.get(), days_ahead=-1) - timedelta(hours=1)
    visit = factories.appointment(doctor, patient, start, status="fulfilled")
    client_for(patient.user).post(
        "/api/me/delete/", {"password": factories.PASSWORD}, format="json"
    )

    seen = client_for(doctor.user).get(f"/api/appointments/{visit.pk}/")

    assert seen.json()["patient"]["name"] == "Deleted patient"
    assert patient.user.email not in seen.content.decode()


def test_the_desk_neither_finds_nor_books_a_forgotten_patient(
    client_for: Client, patient: rows.Patient, doctor: rows.Doctor, as_receptionist: APIClient
) -> None:
    clinic = doctor.clinics.get()
    client_for(patient.user).post(
        "/api/me/delete/", {"password": factories.PASSWORD}, format="json"
    )

    found = as_receptionist.get("/api/patients/", {"q": "deleted"})
    booked = as_receptionist.post(
        "/api/appointments/",
        {
            "doctor_id": doctor.pk,
            "clinic_id": clinic.pk,
            "patient_id": patient.pk,
            "start": factories.slot_start(clinic, hour=11).isoformat(),
        },
        format="json",
    )

    assert found.json()["count"] == 0
    assert booked.status_code == 400 and "patient_id" in booked.json()
