"""Telling a patient of an offer: one email and one text message, in their language, with the
offer's one-click link and nothing of their health; told once however often it is asked, and
not at all for an offer no longer open."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core import mail

from scheduler.adapters.orm import models as rows
from scheduler.adapters.waitlist import links, telling
from scheduler.config.bootstrap import build_bus, utc_now
from scheduler.services import commands
from tests import factories

pytestmark = pytest.mark.django_db


@dataclass
class Texts:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, *, to: str, text: str, reference: str) -> str:
        self.sent.append((to, text, reference))
        return reference


def an_offer(language: str) -> rows.WaitlistOffer:
    clinic = factories.clinic()
    doctor = factories.doctor(clinic)
    holder = factories.patient()
    waiting = factories.patient(language=language, phone="+989121234567")
    start = factories.slot_start(clinic)
    visit = build_bus().handle(factories.booking(doctor, holder)).appointment_id
    build_bus().handle(factories.waiting(doctor, waiting))
    build_bus().handle(
        commands.CancelAppointment(
            actor=factories.actor_of(holder), appointment_id=visit, reason="Chest pain is gone"
        )
    )
    build_bus().handle(
        commands.OfferFreedSlots(
            doctor_id=doctor.pk, start=start, end=start + timedelta(minutes=30)
        )
    )
    return rows.WaitlistOffer.objects.select_related("entry__patient__user").get()


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_patient_is_told_once_with_the_link_and_no_health_details(language: str) -> None:
    offer = an_offer(language)
    texts = Texts()
    link = links.url_for(offer.pk)

    assert telling.tell(offer.pk, sms=texts, now=utc_now()) is True
    assert telling.tell(offer.pk, sms=texts, now=utc_now()) is False  # told already

    (email,) = mail.outbox
    (text,) = texts.sent
    assert email.to == [offer.entry.patient.user.email]
    assert link in email.body and link in text[1]
    assert text[0] == "+989121234567" and text[2] == f"waitlist-offer-{offer.pk}"
    for message in (email.subject, email.body, text[1]):
        assert "Chest pain" not in message
    # The time on the clinic's clock in the patient's calendar: Jalali, Persian digits in fa.
    assert any(digit in email.subject for digit in "۰۱۲۳۴۵۶۷۸۹") is (language == "fa")
    offer.refresh_from_db()
    assert offer.told_at is not None


def test_an_offer_over_or_answered_is_not_told() -> None:
    offer = an_offer("en")
    texts = Texts()
    assert telling.tell(offer.pk, sms=texts, now=offer.expires_at) is False
    rows.WaitlistOffer.objects.filter(pk=offer.pk).update(status="declined")
    assert telling.tell(offer.pk, sms=texts, now=utc_now()) is False
    assert (mail.outbox, texts.sent) == ([], [])
