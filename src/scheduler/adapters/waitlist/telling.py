"""Telling a patient of an offer: an email and a text message in their language, with the
offer's link and nothing about their health.

Told once: the offer's row is locked and marked told in the transaction that sends, so a
second job for it waits and then finds it done. A crash between sending and the commit means
one more message, never none. Nothing is sent for an offer no longer open or already over.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime

from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from scheduler.adapters.local_dates import isolated, moment_label, time_label
from scheduler.adapters.notify import contacts
from scheduler.adapters.notify.faults import PermanentFault, TransientFault
from scheduler.adapters.notify.models import Channel
from scheduler.adapters.notify.rendering import language_of
from scheduler.adapters.notify.sms import SmsGateway
from scheduler.adapters.orm import models as rows
from scheduler.adapters.waitlist import links
from scheduler.domain.waitlist import OfferStatus

log = logging.getLogger(__name__)


def tell(offer_id: uuid.UUID, *, sms: SmsGateway, now: datetime) -> bool:
    """Whether the patient was told now."""
    with transaction.atomic():
        offer = (
            rows.WaitlistOffer.objects.select_for_update(of=("self",))
            .select_related("entry__clinic", "entry__patient__user", "doctor__user")
            .filter(pk=offer_id)
            .first()
        )
        if offer is None or offer.told_at is not None:
            return False
        if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
            return False
        rows.WaitlistOffer.objects.filter(pk=offer.pk).update(told_at=now)
        _send(offer, sms)
    return True


def _send(offer: rows.WaitlistOffer, sms: SmsGateway) -> None:
    patient = offer.entry.patient.user
    clinic = offer.entry.clinic
    language = language_of(patient.language, clinic.language)
    zone = clinic.timezone
    with translation.override(language):
        values = {
            "doctor": isolated(str(offer.doctor), language),
            "patient": isolated(patient.display_name(), language),
            "when": moment_label(offer.start, zone, language),
            "until": time_label(offer.expires_at, zone, language),
            "link": links.url_for(offer.pk),
        }
        subject = _("A slot you waited for is free: %(doctor)s, %(when)s") % values
        body = (
            _(
                "Dear %(patient)s,\n\na slot you are on the waitlist for is free: "
                "%(doctor)s, %(when)s. It is held for you until %(until)s; then it goes to "
                "the next person in line.\n\nTake it or let it go: %(link)s"
            )
            % values
        )
        text = _("Nobat: %(doctor)s, %(when)s is free for you until %(until)s. %(link)s") % values
    reference = f"waitlist-offer-{offer.pk}"
    email = contacts.address(patient, Channel.EMAIL)
    phone = contacts.address(patient, Channel.SMS)
    if email:
        try:
            send_mail(subject, body, None, [email], fail_silently=False)
        except smtplib.SMTPRecipientsRefused:
            log.warning("offer %s: the address was refused", offer.pk)
        except (smtplib.SMTPException, OSError) as error:
            raise TransientFault(f"SMTP: {error!r}") from error
    if phone:
        try:
            sms.send(to=phone, text=text, reference=reference)
        except PermanentFault:
            log.warning("offer %s: the text message was refused", offer.pk)
    if not (email or phone):
        log.info("offer %s: the patient has no address to be told at", offer.pk)
