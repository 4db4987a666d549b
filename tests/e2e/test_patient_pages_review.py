"""Fixes from the review of the patient pages: a family member's booking says whose it is on
every page and in the calendar file; the clinic's phone goes with "call the clinic"; the signed
link page keeps the cancel form away inside the cut-off and asks before cancelling."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from scheduler.adapters import visit_links
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.entrypoints import demo_seed
from tests import factories
from tests.e2e.admin_forms import clinic_fields
from tests.e2e.conftest import Client as ApiClientFor
from tests.e2e.test_api_appointments import book

pytestmark = pytest.mark.django_db


def booked(doctor: rows.Doctor, patient: rows.Patient, *, hour: int = 10) -> rows.Appointment:
    result = build_bus().handle(factories.booking(doctor, patient, hour=hour))
    return rows.Appointment.objects.get(pk=result.appointment_id)


def for_kid(appointment: rows.Appointment, patient: rows.Patient) -> rows.Dependant:
    kid = rows.Dependant.objects.create(
        patient=patient,
        first_name="Kid1",
        last_name="Patient",
        birth_date=date(2018, 5, 1),
        relation=rows.Dependant.Relation.CHILD,
    )
    rows.Appointment.objects.filter(pk=appointment.pk).update(dependant=kid)
    return kid


def signed_in(user: rows.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link(appointment: rows.Appointment) -> str:
    return f"/b/{visit_links.booking_token_for(appointment.pk, visit_end=appointment.end)}/"


FOR_KID = "For: <bdi>Kid1 Patient</bdi> (child)"


# --- whose visit it is ------------------------------------------------------------------------


def test_the_list_and_the_booking_page_say_whose_visit_it_is(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    mine, kids = booked(doctor, patient), booked(doctor, patient, hour=11)
    for_kid(kids, patient)
    client = signed_in(patient.user)

    listed = client.get("/me/appointments/").content.decode()
    page = client.get(f"/me/appointments/{kids.pk}/").content.decode()
    own_page = client.get(f"/me/appointments/{mine.pk}/").content.decode()

    assert listed.count(FOR_KID) == 1
    assert FOR_KID in page
    assert "For:" not in own_page


def test_the_signed_link_page_says_whose_visit_it_is(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    for_kid(appointment, patient)

    page = Client().get(link(appointment)).content.decode()

    assert FOR_KID in page


def test_the_calendar_file_says_whose_visit_it_is(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    for_kid(appointment, patient)

    body = signed_in(patient.user).get(f"/me/appointments/{appointment.pk}/calendar.ics")
    [event] = Calendar.from_ical(body.content).walk("VEVENT")
    seen_by_doctor = signed_in(doctor.user).get(f"/me/appointments/{appointment.pk}/calendar.ics")

    assert str(event["summary"]) == f"Visit with Dr {doctor} for Kid1 Patient"
    assert "For: Kid1 Patient (child)" in str(event["description"])
    [theirs] = Calendar.from_ical(seen_by_doctor.content).walk("VEVENT")
    assert str(theirs["summary"]) == "Visit: Kid1 Patient"


# --- the clinic's phone, with "call the clinic" -------------------------------------------------


def soon(doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic) -> rows.Appointment:
    """A visit an hour from now: inside the clinic's two-hour cut-off."""
    now = datetime.now(ZoneInfo(clinic.timezone)).replace(second=0, microsecond=0)
    return factories.appointment(doctor, patient, now + timedelta(hours=1))


PHONE_LINK = '<a class="clinic-phone" href="tel:+982188776655">'


def test_inside_the_cut_off_the_pages_give_the_clinics_phone(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    rows.Clinic.objects.filter(pk=clinic.pk).update(phone="+982188776655")
    appointment = soon(doctor, patient, clinic)
    client = signed_in(patient.user)

    listed = client.get("/me/appointments/").content.decode()
    page = client.get(f"/me/appointments/{appointment.pk}/").content.decode()
    doctors_page = Client().get(f"/doctors/{doctor.pk}/").content.decode()

    for shown in (listed, page):
        assert "call the clinic" in shown
        assert PHONE_LINK in shown
        assert '<bdi dir="ltr">+98 21 8877 6655</bdi>' in shown
    assert PHONE_LINK in doctors_page


def test_a_clinic_without_a_phone_shows_no_link(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    soon(doctor, patient, clinic)

    listed = signed_in(patient.user).get("/me/appointments/").content.decode()

    assert "call the clinic" in listed and 'href="tel:' not in listed


def test_the_admin_keeps_the_clinics_phone_in_e164(clinic: rows.Clinic) -> None:
    client = signed_in(factories.admin())
    form = client.get(f"/admin/orm/clinic/{clinic.pk}/change/")
    assert form.status_code == 200 and 'name="phone"' in form.content.decode()
    assert 'name="cancel_cutoff_minutes"' in form.content.decode()  # the clinic's other fields

    fields = clinic_fields(clinic, form.content.decode(), cancel_cutoff_minutes="120")
    refused = client.post(f"/admin/orm/clinic/{clinic.pk}/change/", {**fields, "phone": "call me"})
    saved = client.post(
        f"/admin/orm/clinic/{clinic.pk}/change/", {**fields, "phone": "021 8877 6655"}
    )

    assert (
        refused.status_code == 200 and "not a phone number we can read" in refused.content.decode()
    )
    assert saved.status_code == 302
    clinic.refresh_from_db()
    assert clinic.phone == "+982188776655"


def test_the_demo_clinics_have_phones() -> None:
    assert all(phone.startswith("+98") for *_, phone in demo_seed.CLINICS)


# --- the signed link page inside the cut-off; a cancel asks first --------------------------------


def test_inside_the_cut_off_the_link_page_has_no_cancel_form_but_the_phone(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    rows.Clinic.objects.filter(pk=clinic.pk).update(phone="+982188776655")
    appointment = soon(doctor, patient, clinic)

    page = Client().get(link(appointment)).content.decode()

    assert 'id="cancel-form"' not in page
    # The link page moves nothing: it speaks of cancelling only.
    assert "Cancelling online closes <bdi>2 hours</bdi> before the visit" in page
    assert PHONE_LINK in page


def test_the_link_page_cancels_only_once_confirmed(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment = booked(doctor, patient)
    client = Client()

    page = client.get(link(appointment)).content.decode()
    unconfirmed = client.post(link(appointment), {"reason": "Better"})
    appointment.refresh_from_db()
    still = appointment.status
    confirmed = client.post(link(appointment), {"reason": "Better", "confirm": "yes"})
    appointment.refresh_from_db()

    assert 'name="confirm"' in page and "required" in page
    assert unconfirmed.status_code == 400 and 'id="booking-problem"' in unconfirmed.content.decode()
    assert still == "booked"
    assert confirmed.status_code == 302 and appointment.status == "cancelled"


# --- a doctor not taking new patients ---------------------------------------------------------


def test_the_review_step_tells_a_new_patient_the_doctor_takes_no_new_patients(
    doctor: rows.Doctor, patient: rows.Patient, other_patient: rows.Patient
) -> None:
    rows.Doctor.objects.filter(pk=doctor.pk).update(accepts_new_patients=False)
    factories.appointment(
        doctor, other_patient, datetime(2026, 1, 5, 10, tzinfo=ZoneInfo("UTC")), status="fulfilled"
    )
    page = f"/doctors/{doctor.pk}/"

    to_new = signed_in(patient.user).get(page).content.decode()
    to_visitor = Client().get(page).content.decode()
    to_known = signed_in(other_patient.user).get(page).content.decode()

    assert 'id="review-closed"' in to_new and 'id="review-closed"' in to_visitor
    assert 'id="review-closed"' not in to_known


def test_the_api_refuses_a_new_patient_in_words_and_the_desk_books_them(
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    patient: rows.Patient,
    receptionist: rows.Receptionist,
    client_for: ApiClientFor,
) -> None:
    rows.Doctor.objects.filter(pk=doctor.pk).update(accepts_new_patients=False)
    start = factories.slot_start(clinic)

    refused = book(client_for(patient.user), doctor, start)
    ref = factories.found_by(receptionist.user, patient)  # on the phone, by their number
    booked_by_desk = book(client_for(receptionist.user), doctor, start, patient_ref=ref)

    assert refused.status_code == 400
    assert refused.json()["doctor_id"] == ["This doctor is not taking new patients."]
    assert booked_by_desk.status_code == 201
