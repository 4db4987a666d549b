"""A video visit's reminder says it is one, in English and in Persian, and links to the
booking's page, never to the room itself (a message may be forwarded or read by others)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from scheduler.adapters.notify import delivery
from scheduler.adapters.notify.models import ContactPreference, Notification
from scheduler.adapters.notify.sms import FileSmsGateway
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.domain.appointment import VisitMode
from scheduler.services import commands
from tests import factories
from tests.integration.notifications.conftest import relay
from tests.integration.notifications.test_booking_link_messages import LINK, booking_in


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "video visit"), ("fa", "ویزیت تصویری")])
def test_a_video_visits_reminder_says_so_and_links_the_booking_page_not_the_room(
    settings: Any, tmp_path: Any, doctor: rows.Doctor, language: str, words: str
) -> None:
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    clinic = doctor.clinics.get()
    rows.Clinic.objects.filter(pk=clinic.pk).update(
        video_url_template="https://meet.example.org/{room}"
    )
    patient = factories.patient(phone="+989121234567", language=language)
    ContactPreference.objects.create(user=patient.user, email=False, sms=True)
    result = build_bus().handle(
        commands.BookAppointment(
            actor=factories.actor_of(patient),
            doctor_id=doctor.pk,
            clinic_id=clinic.pk,
            start=factories.slot_start(clinic, days_ahead=3, hour=11),
            visit_mode=VisitMode.VIDEO,
        )
    )
    appointment_id: uuid.UUID = result.appointment_id
    room = rows.Appointment.objects.get(pk=appointment_id).video_room
    relay()
    reminder = Notification.objects.filter(appointment_id=appointment_id, kind="reminder")[0]
    assert delivery.deliver(reminder.pk, sms=FileSmsGateway(settings.SMS_FILE_PATH)) == "sent"

    [line] = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    assert words in line and room not in line and "meet.example.org" not in line
    assert booking_in(line) == appointment_id
    found = LINK.search(line)
    assert found is not None
    page = Client().get(f"/b/{found.group(1)}/").content.decode()
    assert "Video visit" in page or "ویزیت تصویری" in page
    assert room not in page  # days before the visit: the room is not open yet


@pytest.mark.django_db
def test_an_in_person_reminder_says_nothing_of_video(
    settings: Any, tmp_path: Any, doctor: rows.Doctor
) -> None:
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    clinic = doctor.clinics.get()
    patient = factories.patient(phone="+989121234568")
    ContactPreference.objects.create(user=patient.user, email=False, sms=True)
    result = build_bus().handle(
        commands.BookAppointment(
            actor=factories.actor_of(patient),
            doctor_id=doctor.pk,
            clinic_id=clinic.pk,
            start=factories.slot_start(clinic, days_ahead=3, hour=11),
        )
    )
    relay()
    reminder = Notification.objects.filter(appointment_id=result.appointment_id, kind="reminder")[0]
    assert delivery.deliver(reminder.pk, sms=FileSmsGateway(settings.SMS_FILE_PATH)) == "sent"
    [line] = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["text"].startswith("Reminder: Doctor")  # no "(video visit)"
