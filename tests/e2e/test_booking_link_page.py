"""The booking page a message links to (/b/<token>/): opens without signing in, shows this
booking only, cancels it (CSRF-protected, through the same command as everywhere) and nothing
else; an expired, forged or foreign link is a 404 page with a way to sign in."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client

from scheduler.adapters import local_dates, visit_links
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, utc_now
from scheduler.services import commands
from tests import factories

pytestmark = pytest.mark.django_db


def booked(doctor: rows.Doctor, patient: rows.Patient, *, hour: int = 10) -> rows.Appointment:
    result = build_bus().handle(factories.booking(doctor, patient, hour=hour))
    return rows.Appointment.objects.select_related("clinic").get(pk=result.appointment_id)


def link(appointment: rows.Appointment) -> str:
    return f"/b/{visit_links.booking_token_for(appointment.pk, visit_end=appointment.end)}/"


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def form_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_page_shows_the_booking_without_signing_in(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    appointment = booked(doctor, patient)
    rows.Appointment.objects.filter(pk=appointment.pk).update(reason="Chest pain")

    response = Client().get(link(appointment))

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert str(doctor) in page and clinic.name in page and clinic.address in page
    assert "confirmed" in page and "Chest pain" in page  # the status as the patient says it
    assert "10:00" in page  # the clinic's clock
    assert 'id="cancel-form"' in page
    assert visit_links.url_for(appointment.pk) in page  # the queue, on the day
    # Found in review: it promised "cancel or change the time online", and offers Cancel only.
    assert "You can cancel online until" in page and "change the time online" not in page


def test_nothing_else_of_the_patient_shows(doctor: rows.Doctor, clinic: rows.Clinic) -> None:
    patient = factories.patient(phone="+989121234567", first_name="Leila", last_name="Rostami")
    appointment = booked(doctor, patient)
    other_visit = booked(doctor, patient, hour=15)
    rows.Appointment.objects.filter(pk=other_visit.pk).update(reason="Private matter")

    page = Client().get(link(appointment)).content.decode()

    for private in (patient.user.email, "+989121234567", "9121234567", "Private matter"):
        assert private not in page
    assert str(other_visit.pk) not in page


def test_persian_speaks_jalali_with_persian_digits(doctor: rows.Doctor) -> None:
    patient = factories.patient(language="fa")
    appointment = booked(doctor, patient)

    page = Client().get(link(appointment)).content.decode()

    assert 'lang="fa"' in page and 'dir="rtl"' in page
    assert "۱۰:۰۰" in page and "10:00" not in page
    assert local_dates.moment_label(appointment.start, appointment.clinic.timezone, "fa") in page


def test_cancelling_goes_through_the_command_with_a_reason(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    client = csrf_client()
    page = client.get(link(appointment)).content.decode()

    response = client.post(
        link(appointment),
        {
            "reason": "Feeling better",
            "confirm": "yes",
            "csrfmiddlewaretoken": form_token(page),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{link(appointment)}?done=cancelled"
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    change = appointment.history.order_by("-seq").first()
    assert change is not None
    assert (change.action, change.note, change.actor_id) == (
        "cancel",
        "Feeling better",
        patient.user_id,
    )
    after = client.get(response["Location"]).content.decode()
    assert "Your appointment is cancelled" in after and 'id="cancel-form"' not in after


def test_cancelling_needs_the_forms_csrf_token(doctor: rows.Doctor, patient: rows.Patient) -> None:
    appointment = booked(doctor, patient)

    response = csrf_client().post(link(appointment), {"reason": "", "confirm": "yes"})

    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_a_second_cancel_says_why_not(doctor: rows.Doctor, patient: rows.Patient) -> None:
    appointment = booked(doctor, patient)
    client = Client()
    client.post(link(appointment), {"reason": "", "confirm": "yes"})

    response = client.post(link(appointment), {"reason": "", "confirm": "yes"})

    assert response.status_code == 409
    assert 'id="booking-problem"' in response.content.decode()


def test_an_overlong_reason_is_refused_and_changes_nothing(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)

    response = Client().post(link(appointment), {"reason": "x" * 1001})

    assert response.status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == "booked"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_other_action(doctor: rows.Doctor, patient: rows.Patient, method: str) -> None:
    appointment = booked(doctor, patient)

    response = getattr(Client(), method)(link(appointment))

    assert response.status_code == 405
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_a_post_only_ever_cancels(doctor: rows.Doctor, patient: rows.Patient) -> None:
    """Whatever a form might add (a new time, another action), the link cancels or nothing."""
    appointment = booked(doctor, patient)
    start, later = appointment.start, appointment.start + timedelta(hours=1)

    Client().post(
        link(appointment), {"start": later.isoformat(), "action": "reschedule", "confirm": "yes"}
    )

    appointment.refresh_from_db()
    assert (appointment.status, appointment.start) == ("cancelled", start)


def gone(response: object) -> None:
    assert isinstance(response, HttpResponse)
    assert response.status_code == 404
    page = response.content.decode()
    assert 'id="link-gone"' in page and "/login/?next=/me/appointments/" in page
    assert response["Referrer-Policy"] == "strict-origin"


def test_expired_forged_and_unknown_links_are_404_pages(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    expired = visit_links.booking_token_for(appointment.pk, visit_end=utc_now() - timedelta(days=8))
    token = visit_links.booking_token_for(appointment.pk, visit_end=appointment.end)
    never_booked = visit_links.booking_token_for(uuid.uuid4(), visit_end=appointment.end)

    for bad in (expired, token[:-2] + "xx", never_booked, visit_links.token_for(appointment.pk)):
        gone(Client().get(f"/b/{bad}/"))
        gone(Client().post(f"/b/{bad}/", {"reason": ""}))
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_a_closed_account_opens_no_link(doctor: rows.Doctor, patient: rows.Patient) -> None:
    appointment = booked(doctor, patient)
    rows.User.objects.filter(pk=patient.user_id).update(is_active=False)

    gone(Client().get(link(appointment)))


def test_another_bookings_link_cancels_only_that_booking(
    doctor: rows.Doctor, patient: rows.Patient, other_patient: rows.Patient
) -> None:
    mine = booked(doctor, patient)
    theirs = booked(doctor, other_patient, hour=15)

    Client().post(link(theirs), {"reason": "", "confirm": "yes"})

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("booked", "cancelled")


def test_a_doctors_cancellation_shows_in_words(doctor: rows.Doctor, patient: rows.Patient) -> None:
    appointment = booked(doctor, patient)
    build_bus().handle(
        commands.CancelAppointment(actor=factories.actor_of(doctor), appointment_id=appointment.pk)
    )

    page = Client().get(link(appointment)).content.decode()

    assert "cancelled" in page and 'id="cancel-form"' not in page
