"""Every confirmation and reminder carries the signed link to the booking's own page, in email
(through a real SMTP server on loopback) and in text messages, in English and in Persian; the
link taken from the message opens that booking and no other."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client

from scheduler.adapters import visit_links
from scheduler.adapters.notify import delivery
from scheduler.adapters.notify.actors import deliver_notification
from scheduler.adapters.notify.models import ContactPreference, Notification
from scheduler.adapters.notify.sms import FileSmsGateway
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, utc_now
from scheduler.services import commands
from tests import factories
from tests.integration.notifications.conftest import relay
from tests.loopback import SmtpSink
from tests.task_queue import Worker

LINK = re.compile(r"https?://\S+/b/([^/\s]+)/")


def book(doctor: rows.Doctor, patient: rows.Patient, *, hour: int = 11) -> uuid.UUID:
    clinic = doctor.clinics.get()
    start = factories.slot_start(clinic, days_ahead=3, hour=hour)
    command = commands.BookAppointment(
        actor=factories.actor_of(patient), doctor_id=doctor.pk, clinic_id=clinic.pk, start=start
    )
    result = build_bus().handle(command)
    assert isinstance(result.appointment_id, uuid.UUID)
    return result.appointment_id


def booking_in(text: str) -> uuid.UUID | None:
    """The booking the message's link opens (its token, checked as the page checks it)."""
    found = LINK.search(text)
    assert found, f"no booking link in {text!r}"
    return visit_links.booking_of(found.group(1), now=utc_now())


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "See or cancel your booking"), ("fa", "نوبت خود را ببینید یا لغو کنید")],
)
def test_the_confirmation_and_reminder_emails_carry_the_booking_link(
    worker: Worker, smtp: SmtpSink, doctor: rows.Doctor, language: str, words: str
) -> None:
    patient = factories.patient(language=language)
    appointment_id = book(doctor, patient)
    other = book(doctor, factories.patient(), hour=15)
    relay()
    worker.drain()

    confirmation = next(m for m in smtp.received() if patient.user.email in m.recipients)
    assert words in confirmation.body
    assert booking_in(confirmation.body) == appointment_id != other

    reminder = Notification.objects.filter(appointment_id=appointment_id, kind="reminder")[0]
    deliver_notification.send(reminder.pk)
    worker.drain()
    [mail] = [m for m in smtp.received() if m.message_id == f"<notification-{reminder.pk}@nobat>"]
    assert words in mail.body
    assert booking_in(mail.body) == appointment_id


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fa"])
def test_text_messages_carry_the_booking_link_that_opens_the_page(
    settings: Any, tmp_path: Any, doctor: rows.Doctor, language: str
) -> None:
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    patient = factories.patient(phone="+989121234567", language=language)
    ContactPreference.objects.create(user=patient.user, email=False, sms=True)
    appointment_id = book(doctor, patient)
    relay()
    gateway = FileSmsGateway(settings.SMS_FILE_PATH)
    for kind in ("booked", "reminder"):
        row = Notification.objects.filter(appointment_id=appointment_id, kind=kind)[0]
        assert delivery.deliver(row.pk, sms=gateway) == "sent"

    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    for line in lines:
        assert booking_in(line) == appointment_id
    path = LINK.search(lines[0])
    assert path is not None
    page = Client().get(f"/b/{path.group(1)}/")
    assert page.status_code == 200
    assert str(doctor) in page.content.decode()
