"""The no-show policy through the API: a patient over the limit, the desk's view of them, and
forgiving one no-show, for every role."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.domain.appointment import FORGIVE_NO_SHOW
from tests import factories
from tests.e2e.test_api_appointments import act, book

pytestmark = pytest.mark.django_db

Client = Any


def _policy(clinic: rows.Clinic, consequence: str, *, limit: int = 2) -> None:
    rows.Clinic.objects.filter(pk=clinic.pk).update(
        no_show_limit=limit, no_show_window_months=6, no_show_consequence=consequence
    )


def _missed(doctor: rows.Doctor, patient: rows.Patient, *days_ago: int) -> list[rows.Appointment]:
    now = datetime.now(ZoneInfo(doctor.clinics.get().timezone))
    return [
        factories.appointment(
            doctor, patient, (now - timedelta(days=days)).replace(microsecond=0), status="noshow"
        )
        for days in days_ago
    ]


def _standing(client: APIClient, clinic: rows.Clinic) -> Any:
    return client.get("/api/me/no-show-standing/", {"clinic": clinic.pk})


def test_over_the_limit_a_patient_is_told_why_and_the_booking_awaits_the_doctor(
    as_patient: APIClient, doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    _missed(doctor, patient, 3, 40, 400)  # the last one has expired
    assert _standing(as_patient, clinic).json()["strikes"] == 0  # no policy yet
    _policy(clinic, "needs_approval")
    standing = _standing(as_patient, clinic).json()
    assert standing["strikes"] == 2 and standing["consequence"] == "needs_approval"
    assert standing["reason"] == (
        "Missed visits at this clinic in the last 6 months: 2. "
        "Your booking will need the doctor's approval."
    )
    booked = book(as_patient, doctor, factories.slot_start(clinic))
    assert booked.status_code == 201, booked.data
    assert booked.json()["status"] == "pending"


def test_with_no_online_booking_the_patient_is_refused_in_their_language(
    client_for: Client, doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    _missed(doctor, patient, 3, 40)
    _policy(clinic, "no_online_booking")
    client = client_for(patient.user)
    refused = book(client, doctor, factories.slot_start(clinic))
    assert refused.status_code == 403
    assert refused.json()["code"] == "no_show_limit"
    assert refused.json()["detail"] == (
        "Missed visits at this clinic in the last 6 months: 2. Please call the clinic to book."
    )
    in_persian = client.post(
        "/api/appointments/",
        {"doctor_id": doctor.pk, "clinic_id": clinic.pk, "start": refused_start(clinic)},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert in_persian.status_code == 403 and "۲" in in_persian.json()["detail"]
    assert not rows.Appointment.objects.exclude(status="noshow").exists()


def refused_start(clinic: rows.Clinic) -> str:
    return factories.slot_start(clinic).isoformat()


def test_the_desk_books_over_the_limit_and_sees_the_warning(
    as_receptionist: APIClient, doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    _missed(doctor, patient, 3, 40)
    _policy(clinic, "no_online_booking")
    booked = book(as_receptionist, doctor, factories.slot_start(clinic), patient_id=patient.pk)
    assert booked.status_code == 201 and booked.json()["status"] == "booked"
    record = as_receptionist.get(f"/api/patients/{patient.pk}/no-shows/").json()
    assert record["standing"]["strikes"] == 2
    assert record["standing"]["consequence"] == "no_online_booking"
    assert record["warning"] == "No-shows in the last 6 months: 2. No online booking."
    assert [m["forgiven_at"] for m in record["no_shows"]] == [None, None]


def test_forgiving_one_keeps_who_when_why_and_lifts_the_limit(
    as_receptionist: APIClient,
    as_patient: APIClient,
    doctor: rows.Doctor,
    patient: rows.Patient,
    clinic: rows.Clinic,
    receptionist: rows.Receptionist,
) -> None:
    first, _second = _missed(doctor, patient, 3, 40)
    _policy(clinic, "no_online_booking")
    forgiven = act(as_receptionist, first.pk, "forgive-no-show", reason="Hospitalised that day")
    assert forgiven.status_code == 200, forgiven.data
    assert forgiven.json()["status"] == "noshow"
    change = rows.AppointmentChange.objects.get(appointment=first, action=FORGIVE_NO_SHOW)
    assert (change.actor_id, change.note) == (receptionist.user_id, "Hospitalised that day")
    assert rows.StoredEvent.objects.filter(type="NoShowForgiven").count() == 1
    record = as_receptionist.get(f"/api/patients/{patient.pk}/no-shows/").json()
    assert record["standing"]["strikes"] == 1 and record["warning"].endswith("1.")
    assert record["no_shows"][0]["forgiven_reason"] == "Hospitalised that day"
    again = act(as_receptionist, first.pk, "forgive-no-show", reason="twice")
    assert again.status_code == 409
    assert book(as_patient, doctor, factories.slot_start(clinic)).status_code == 201


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 501, "bad\x00"])
def test_a_forgiveness_needs_a_reason(
    as_receptionist: APIClient, doctor: rows.Doctor, patient: rows.Patient, reason: Any
) -> None:
    [missed] = _missed(doctor, patient, 3)
    data = {} if reason is None else {"reason": reason}
    response = as_receptionist.post(
        f"/api/appointments/{missed.pk}/forgive-no-show/", data, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    assert not rows.AppointmentChange.objects.filter(action=FORGIVE_NO_SHOW).exists()


def _who(name: str, *, doctor: rows.Doctor, patient: rows.Patient) -> rows.User | None:
    clinic = doctor.clinics.get()
    match name:
        case "patient":
            return patient.user
        case "other patient":
            return factories.patient().user
        case "doctor":
            return doctor.user
        case "other doctor":
            return factories.doctor().user
        case "unverified doctor":
            unverified = factories.doctor(clinic, verified=False)
            return unverified.user
        case "desk":
            return factories.receptionist(clinic).user
        case "other desk":
            return factories.receptionist(factories.clinic()).user
        case "admin":
            return factories.admin()
    return None


# (forgive, read the record with ?clinic=)
ROLES = {
    "patient": (403, 403),
    "other patient": (404, 403),
    "doctor": (200, 200),
    "other doctor": (404, 404),
    "unverified doctor": (404, 403),
    "desk": (200, 200),
    "other desk": (404, 404),
    "admin": (200, 200),
    "anonymous": (401, 401),
}


@pytest.mark.parametrize("name", list(ROLES))
def test_every_role(
    name: str, client_for: Client, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    [missed] = _missed(doctor, patient, 3)
    client = client_for(_who(name, doctor=doctor, patient=patient))
    forgive, read = ROLES[name]
    clinic = doctor.clinics.get()
    got = client.get(f"/api/patients/{patient.pk}/no-shows/", {"clinic": clinic.pk})
    assert got.status_code in ((read,) if read != 401 else (401, 403)), got.content
    if read == 200:
        assert [m["appointment_id"] for m in got.json()["no_shows"]] == [str(missed.pk)]
    done = act(client, missed.pk, "forgive-no-show", reason="Storm")
    assert done.status_code in ((forgive,) if forgive != 401 else (401, 403)), done.content
    forgiven = rows.AppointmentChange.objects.filter(action=FORGIVE_NO_SHOW).exists()
    assert forgiven is (forgive == 200)


def test_the_record_needs_a_clinic_the_viewer_may_look_into(
    as_admin: APIClient, as_doctor: APIClient, as_receptionist: APIClient, patient: rows.Patient
) -> None:
    elsewhere = factories.clinic()
    url = f"/api/patients/{patient.pk}/no-shows/"
    assert as_admin.get(url).status_code == 400
    assert as_doctor.get(url, {"clinic": elsewhere.pk}).status_code == 404
    assert as_receptionist.get(url, {"clinic": elsewhere.pk}).status_code == 404
    assert as_receptionist.get(url, {"clinic": "x"}).status_code == 400
    assert as_receptionist.get(f"/api/patients/{2**40}/no-shows/").status_code == 404
    assert as_receptionist.get("/api/patients/999999/no-shows/").status_code == 404


def test_the_own_standing_is_for_patients(
    as_receptionist: APIClient, as_patient: APIClient, clinic: rows.Clinic
) -> None:
    assert _standing(as_receptionist, clinic).status_code == 403
    assert as_patient.get("/api/me/no-show-standing/").status_code == 400
    assert as_patient.get("/api/me/no-show-standing/", {"clinic": 999999}).status_code == 404
