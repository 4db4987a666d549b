"""Visits in calendar apps: one booking as .ics (its patient's or its doctor's only), and private
feeds (/feeds/<secret>.ics) made, replaced and revoked through the API; every file is read back
with the icalendar package."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

import pytest
from django.test import Client
from icalendar import Calendar

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.e2e.conftest import Client as ApiClientFor

pytestmark = pytest.mark.django_db


def booked(doctor: rows.Doctor, patient: rows.Patient, *, hour: int = 10) -> rows.Appointment:
    result = build_bus().handle(factories.booking(doctor, patient, hour=hour))
    return rows.Appointment.objects.select_related("clinic").get(pk=result.appointment_id)


def signed_in(user: rows.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events_of(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def ics_url(appointment: rows.Appointment) -> str:
    return f"/me/appointments/{appointment.pk}/calendar.ics"


# -- one booking ---------------------------------------------------------------------------


def test_the_patient_downloads_the_booking_as_ics(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    appointment = booked(doctor, patient)
    rows.Appointment.objects.filter(pk=appointment.pk).update(reason="Check-up")

    response = signed_in(patient.user).get(ics_url(appointment))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    [(uid, event)] = events_of(response.content).items()
    assert uid == f"appointment-{appointment.pk}@nobat"
    assert event.decoded("dtstart") == appointment.start.astimezone(UTC)
    assert event.decoded("dtend") == appointment.end.astimezone(UTC)
    assert str(event["summary"]) == f"Visit with Dr {doctor}"
    assert str(event["location"]) == f"{clinic.name}, {clinic.address}, {clinic.city}"
    assert "Check-up" in str(event["description"])
    assert (int(event["sequence"]), str(event["status"])) == (1, "CONFIRMED")


def test_a_cancelled_booking_is_cancelled_in_the_file_with_a_higher_sequence(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    build_bus().handle(
        commands.CancelAppointment(actor=factories.actor_of(patient), appointment_id=appointment.pk)
    )

    body = signed_in(patient.user).get(ics_url(appointment)).content

    [event] = events_of(body).values()
    assert (int(event["sequence"]), str(event["status"])) == (2, "CANCELLED")


def test_a_request_is_tentative(clinic: rows.Clinic, patient: rows.Patient) -> None:
    doctor = factories.doctor(clinic, requires_approval=True)
    appointment = booked(doctor, patient)

    [event] = events_of(signed_in(patient.user).get(ics_url(appointment)).content).values()

    assert str(event["status"]) == "TENTATIVE"


def test_the_doctor_gets_the_patients_name_but_not_the_reason(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    rows.Appointment.objects.filter(pk=appointment.pk).update(reason="Private matter")

    response = signed_in(doctor.user).get(ics_url(appointment))

    [event] = events_of(response.content).values()
    assert str(event["summary"]) == f"Visit: {patient.user.display_name()}"
    assert "Private matter" not in response.content.decode()


def test_no_one_else_gets_the_booking(
    clinic: rows.Clinic, doctor: rows.Doctor, patient: rows.Patient, other_patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    unverified = factories.doctor(clinic)
    rows.Doctor.objects.filter(pk=unverified.pk).update(verified=False)
    rows.Doctor.objects.filter(pk=doctor.pk).update(verified=True)
    strangers = [
        other_patient.user,
        factories.doctor(clinic).user,
        factories.receptionist(clinic).user,
        factories.admin(),
        unverified.user,
    ]
    for user in strangers:
        assert signed_in(user).get(ics_url(appointment)).status_code == 404, user.role
    assert (
        signed_in(patient.user).get(f"/me/appointments/{uuid.uuid4()}/calendar.ics").status_code
        == 404
    )
    visitor = Client().get(ics_url(appointment))
    assert visitor.status_code == 302 and visitor["Location"].startswith("/login/")


def test_a_doctor_no_longer_verified_gets_not_even_their_own(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    rows.Doctor.objects.filter(pk=doctor.pk).update(verified=False)

    assert signed_in(doctor.user).get(ics_url(appointment)).status_code == 404


# -- private feeds ---------------------------------------------------------------------------


def make_feed(client_for: ApiClientFor, user: rows.User) -> str:
    response = client_for(user).post("/api/me/calendar-feed/")
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert response.json()["webcal_url"].startswith("webcal://")
    return "/" + url.split("/", 3)[3]


def test_a_patients_feed_has_their_visits_and_no_one_elses(
    client_for: ApiClientFor,
    doctor: rows.Doctor,
    patient: rows.Patient,
    other_patient: rows.Patient,
) -> None:
    mine = booked(doctor, patient)
    cancelled = booked(doctor, patient, hour=11)
    build_bus().handle(
        commands.CancelAppointment(actor=factories.actor_of(doctor), appointment_id=cancelled.pk)
    )
    theirs = booked(doctor, other_patient, hour=15)
    path = make_feed(client_for, patient.user)

    response = Client().get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Nobat visits"
    events = events_of(response.content)
    assert set(events) == {f"appointment-{a.pk}@nobat" for a in (mine, cancelled)}
    assert str(events[f"appointment-{cancelled.pk}@nobat"]["status"]) == "CANCELLED"
    assert str(theirs.pk) not in response.content.decode()


def test_a_doctors_feed_has_their_patients_visits(
    client_for: ApiClientFor,
    clinic: rows.Clinic,
    doctor: rows.Doctor,
    patient: rows.Patient,
    other_patient: rows.Patient,
) -> None:
    first = booked(doctor, patient)
    second = booked(doctor, other_patient, hour=15)
    colleague = factories.doctor(clinic)
    elsewhere = booked(colleague, patient, hour=16)

    events = events_of(Client().get(make_feed(client_for, doctor.user)).content)

    assert set(events) == {f"appointment-{a.pk}@nobat" for a in (first, second)}
    assert f"appointment-{elsewhere.pk}@nobat" not in events


def test_a_new_feed_stops_the_old_one_at_once(
    client_for: ApiClientFor, patient: rows.Patient
) -> None:
    old = make_feed(client_for, patient.user)
    new = make_feed(client_for, patient.user)

    assert old != new
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_a_revoked_feed_is_gone(client_for: ApiClientFor, patient: rows.Patient) -> None:
    path = make_feed(client_for, patient.user)

    assert client_for(patient.user).delete("/api/me/calendar-feed/").status_code == 204

    assert Client().get(path).status_code == 404
    assert client_for(patient.user).delete("/api/me/calendar-feed/").status_code == 404


def test_the_database_keeps_no_feed_address(
    client_for: ApiClientFor, patient: rows.Patient
) -> None:
    path = make_feed(client_for, patient.user)
    secret = path.removeprefix("/feeds/").removesuffix(".ics")

    [row] = rows.PrivateFeed.objects.values_list("digest", flat=True)
    assert secret not in row and len(row) == 64


def test_unknown_feeds_are_404(db: None) -> None:
    for path in ("/feeds/nothing.ics", f"/feeds/{'x' * 300}.ics", "/feeds/.ics"):
        assert Client().get(path).status_code == 404


def test_an_unverified_doctor_gets_no_feed(
    client_for: ApiClientFor, clinic: rows.Clinic, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    newcomer = factories.doctor(clinic, verified=False)
    assert client_for(newcomer.user).post("/api/me/calendar-feed/").status_code == 403

    booked(doctor, patient)
    path = make_feed(client_for, doctor.user)
    rows.Doctor.objects.filter(pk=doctor.pk).update(verified=False)  # withdrawn later
    assert events_of(Client().get(path).content) == {}


@pytest.mark.parametrize("role", ["receptionist", "admin", "visitor"])
def test_staff_and_visitors_keep_no_feed(
    client_for: ApiClientFor, clinic: rows.Clinic, role: str
) -> None:
    user = {
        "receptionist": lambda: factories.receptionist(clinic).user,
        "admin": factories.admin,
        "visitor": lambda: None,
    }[role]()
    assert client_for(user).post("/api/me/calendar-feed/").status_code in (401, 403)
    assert rows.PrivateFeed.objects.count() == 0


def test_a_feed_read_too_often_waits(
    settings: Any, client_for: ApiClientFor, patient: rows.Patient
) -> None:
    settings.CALENDAR_FEED_RATE = "2/hour"
    path = make_feed(client_for, patient.user)

    assert [Client().get(path).status_code for _ in range(3)] == [200, 200, 429]
    assert Client().get(make_feed(client_for, patient.user)).status_code == 200  # its own count


# -- the page --------------------------------------------------------------------------------


def test_the_feed_page_for_patients_and_doctors(
    clinic: rows.Clinic, doctor: rows.Doctor, patient: rows.Patient, client_for: ApiClientFor
) -> None:
    for user in (patient.user, doctor.user):
        page = signed_in(user).get("/me/calendar-feed/")
        assert page.status_code == 200
        assert 'data-has-feed="no"' in page.content.decode()
    make_feed(client_for, patient.user)
    page = signed_in(patient.user).get("/me/calendar-feed/").content.decode()
    assert 'data-has-feed="yes"' in page and "/feeds/" not in page

    assert (
        signed_in(factories.receptionist(clinic).user).get("/me/calendar-feed/").status_code == 403
    )
    assert Client().get("/me/calendar-feed/").status_code == 302
