"""GET /api/notifications/: each user sees the messages to them; an admin sees all."""

from __future__ import annotations

from rest_framework.test import APIClient

from scheduler.adapters.notify.models import Notification
from scheduler.adapters.orm import models as rows
from scheduler.adapters.outbox import relay_pending
from scheduler.config.bootstrap import event_handlers
from tests import factories
from tests.e2e.conftest import Client


def _request_and_relay(as_patient: APIClient, doctor: rows.Doctor) -> str:
    clinic = doctor.clinics.get()
    response = as_patient.post(
        "/api/appointments/",
        {
            "doctor_id": doctor.pk,
            "clinic_id": clinic.pk,
            "start": factories.slot_start(clinic, days_ahead=3).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    relay_pending(event_handlers())
    appointment_id: str = response.json()["id"]
    return appointment_id


def test_a_patient_sees_the_messages_to_them_newest_first(
    as_patient: APIClient, patient: rows.Patient, doctor: rows.Doctor
) -> None:
    appointment_id = _request_and_relay(as_patient, doctor)

    response = as_patient.get("/api/notifications/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    first = body["results"][0]
    assert [n["kind"] for n in body["results"]] == ["reminder", "reminder", "booked"]
    assert {n["recipient_id"] for n in body["results"]} == {patient.user_id}
    assert set(first) == {
        "id",
        "appointment_id",
        "kind",
        "channel",
        "recipient_id",
        "address",
        "template",
        "status",
        "attempts",
        "provider_id",
        "error",
        "scheduled_for",
        "sent_at",
    }
    assert first["appointment_id"] == appointment_id
    assert first["status"] == "queued"


def test_others_see_none_of_them_and_an_admin_sees_all(
    client_for: Client,
    as_patient: APIClient,
    as_admin: APIClient,
    other_patient: rows.Patient,
    doctor: rows.Doctor,
) -> None:
    _request_and_relay(as_patient, doctor)

    assert client_for(other_patient.user).get("/api/notifications/").json()["count"] == 0
    assert client_for(doctor.user).get("/api/notifications/").json()["count"] == 0
    assert as_admin.get("/api/notifications/").json()["count"] == 3


def test_filters_by_status_channel_and_appointment(
    as_patient: APIClient, doctor: rows.Doctor
) -> None:
    appointment_id = _request_and_relay(as_patient, doctor)
    Notification.objects.filter(kind="booked").update(status="sent")

    def count(query: str) -> int:
        response = as_patient.get(f"/api/notifications/?{query}")
        assert response.status_code == 200, response.json()
        result: int = response.json()["count"]
        return result

    assert count("status=sent") == 1
    assert count("status=queued&channel=email") == 2
    assert count("channel=sms") == 0
    assert count(f"appointment={appointment_id}") == 3
    assert as_patient.get("/api/notifications/?status=lost").status_code == 400


def test_visitors_are_turned_away(visitor: APIClient) -> None:
    assert visitor.get("/api/notifications/").status_code == 401


def test_the_admin_shows_the_log_the_clinics_reminders_and_the_users_channels(
    as_patient: APIClient, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    _request_and_relay(as_patient, doctor)
    admin = APIClient()
    admin.force_login(factories.admin())
    clinic = doctor.clinics.get()

    log = admin.get("/admin/notify/notification/?status__exact=queued")
    clinic_page = admin.get(f"/admin/orm/clinic/{clinic.pk}/change/")
    user_page = admin.get(f"/admin/orm/user/{patient.user_id}/change/")

    assert log.status_code == 200 and b"3 notifications" in log.content
    assert clinic_page.status_code == 200 and b"reminders-TOTAL_FORMS" in clinic_page.content
    assert user_page.status_code == 200 and b"contact-TOTAL_FORMS" in user_page.content
