"""The visit note's pages: the doctor's form (theirs only) and the note on the patient's own
visit page and list, with the follow-up the doctor proposes."""

from __future__ import annotations

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.e2e.test_api_visit_notes import NOTE, yesterday

pytestmark = pytest.mark.django_db


def signed_in(user: rows.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def visit(doctor: rows.Doctor, patient: rows.Patient) -> rows.Appointment:
    return factories.appointment(
        doctor, patient, yesterday(doctor.clinics.get()), status="fulfilled"
    )


def write(visit: rows.Appointment, **changes: object) -> None:
    build_bus().handle(
        commands.WriteVisitNote(
            actor=factories.actor_of(visit.doctor),
            appointment_id=visit.pk,
            summary=NOTE["summary"],
            instructions=NOTE["instructions"],
            prescriptions=tuple(NOTE["prescriptions"]),
            **changes,  # type: ignore[arg-type]
        )
    )


def test_the_doctors_form_is_theirs_only(
    visit: rows.Appointment, other_patient: rows.Patient, clinic: rows.Clinic
) -> None:
    url = f"/doctor/visits/{visit.pk}/note/"
    page = signed_in(visit.doctor.user).get(url)
    assert page.status_code == 200
    assert 'id="note"' in page.content.decode()
    write(visit)
    filled = signed_in(visit.doctor.user).get(url).content.decode()
    assert "Amoxicillin 500 mg" in filled and 'name="prescriptions.1.drug"' in filled
    for stranger in (
        visit.patient.user,
        other_patient.user,
        factories.doctor(clinic).user,
        factories.receptionist(clinic).user,
        factories.admin(),
    ):
        assert signed_in(stranger).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in


def test_no_form_before_the_visit_is_completed(doctor: rows.Doctor, patient: rows.Patient) -> None:
    ahead = factories.appointment(doctor, patient, factories.slot_start(doctor.clinics.get()))
    page = signed_in(doctor.user).get(f"/doctor/visits/{ahead.pk}/note/").content.decode()
    assert "once the visit is completed" in page and 'id="note"' not in page


def test_the_patient_reads_the_note_and_the_follow_up_on_the_visits_page(
    visit: rows.Appointment,
) -> None:
    start = factories.slot_start(visit.clinic, days_ahead=7, hour=11)
    write(visit, follow_up_start=start)
    patient = signed_in(visit.patient.user)

    listed = patient.get("/me/appointments/").content.decode()
    assert f"/me/appointments/{visit.pk}/#visit-note" in listed
    assert "Amoxicillin" not in listed  # the words are on the visit's page

    page = patient.get(f"/me/appointments/{visit.pk}/").content.decode()
    assert "Acute sinusitis." in page and "<bdi>Ibuprofen 400 mg</bdi>" in page
    assert "proposes a follow-up" in page and 'data-action="book-follow-up"' in page
    assert "visit_note_read.js" in page

    # Booked: the offer says so, and offers it no more.
    factories.appointment(visit.doctor, visit.patient, start)
    page = patient.get(f"/me/appointments/{visit.pk}/").content.decode()
    assert "You booked it." in page and 'data-action="book-follow-up"' not in page


def test_a_visit_without_a_note_shows_none(visit: rows.Appointment) -> None:
    page = signed_in(visit.patient.user).get(f"/me/appointments/{visit.pk}/").content.decode()
    assert 'id="visit-note"' not in page
