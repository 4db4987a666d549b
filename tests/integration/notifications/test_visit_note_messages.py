"""The patient is told once that their visit has a note, by email and text message, in their own
language, with the visit's page (opened once signed in) and none of the note's words."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from scheduler.adapters import visit_links
from scheduler.adapters.notify import delivery
from scheduler.adapters.notify.models import ContactPreference, Notification
from scheduler.adapters.notify.sms import FileSmsGateway
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.integration.notifications.conftest import relay

pytestmark = pytest.mark.django_db

SECRET_WORDS = ("sinusitis", "Amoxicillin", "capsule", "fluids")


def completed_visit(doctor: rows.Doctor, patient: rows.Patient) -> rows.Appointment:
    clinic = doctor.clinics.get()
    zone = ZoneInfo(clinic.timezone)
    day = datetime.now(zone).date() - timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 10, tzinfo=zone)
    return factories.appointment(doctor, patient, start, status="fulfilled")


def write(visit: rows.Appointment, summary: str = "Acute sinusitis.") -> None:
    build_bus().handle(
        commands.WriteVisitNote(
            actor=factories.actor_of(visit.doctor),
            appointment_id=visit.pk,
            summary=summary,
            instructions="Drink fluids.",
            prescriptions=(
                {
                    "drug": "Amoxicillin 500 mg",
                    "dose": "1 capsule",
                    "frequency": "3 a day",
                    "duration": "7 days",
                },
            ),
        )
    )


@pytest.mark.parametrize(
    ("language", "subject"),
    [("en", "Notes on your visit"), ("fa", "یادداشت پزشک برای مراجعهٔ شما")],
)
def test_one_message_per_channel_in_the_patients_language_without_the_note(
    settings: Any, tmp_path: Any, doctor: rows.Doctor, language: str, subject: str
) -> None:
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    patient = factories.patient(phone="+989121234567", language=language)
    ContactPreference.objects.create(user=patient.user, email=True, sms=True)
    visit = completed_visit(doctor, patient)
    write(visit)
    relay()
    relay()  # a second relay (or a repeated event) plans nothing more

    planned = Notification.objects.filter(appointment=visit)
    assert sorted(planned.values_list("kind", "channel")) == [
        ("visit_note", "email"),
        ("visit_note", "sms"),
    ]
    assert {row.recipient_id for row in planned} == {patient.user_id}
    gateway = FileSmsGateway(settings.SMS_FILE_PATH)
    for row in planned:
        assert delivery.deliver(row.pk, sms=gateway) == "sent"
        assert delivery.deliver(row.pk, sms=gateway) == "sent"  # sent once, whoever asks again

    (email,) = mail.outbox
    (text,) = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    page = visit_links.page_url_for(visit.pk)
    assert email.subject.startswith(subject)
    for message in (email.subject, email.body, text):
        assert not any(word.lower() in message.lower() for word in SECRET_WORDS), message
    assert page in email.body and page in text
    assert "/b/" not in text  # no signed link that would open the visit without signing in


def test_an_amendment_is_told_too(doctor: rows.Doctor, patient: rows.Patient) -> None:
    visit = completed_visit(doctor, patient)
    write(visit)
    relay()
    write(visit, summary="Sinusitis; X-ray normal.")
    relay()
    kinds = Notification.objects.filter(appointment=visit).values_list("kind", flat=True)
    assert sorted(set(kinds)) == ["visit_note", "visit_note_amended"]
