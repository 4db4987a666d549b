"""The waitlist's rows (domain.waitlist): places in doctors' lines, staff's moves of them, and
the offers of freed slots. Imported by ``models`` so Django finds them in the orm app."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.domain.waitlist import IN_LINE, EntryStatus, OfferStatus

ONE_PLACE_PER_DOCTOR = "waitlist_one_place_per_doctor"
ONE_OFFER_PER_SLOT = "waitlist_one_open_offer_per_slot"
SLOT_OFFERED_ONCE = "waitlist_slot_offered_once_per_entry"


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = EntryStatus.WAITING.value, _("waiting")
        OFFERED = EntryStatus.OFFERED.value, _("offered a slot")
        BOOKED = EntryStatus.BOOKED.value, _("booked")
        LEFT = EntryStatus.LEFT.value, _("left")
        EXPIRED = EntryStatus.EXPIRED.value, _("expired")

    patient = models.ForeignKey(
        "orm.Patient",
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("patient"),
    )
    doctor = models.ForeignKey(
        "orm.Doctor",
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("doctor"),
    )
    clinic = models.ForeignKey(
        "orm.Clinic",
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("clinic"),
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    # Comma-separated domain.day_parts values, in the order of the day.
    parts = models.CharField(_("parts of the day"), max_length=32)
    joined_at = models.DateTimeField(_("joined at"))
    rank = models.BigIntegerField(
        _("place in line"), help_text=_("Smaller comes first: the moment they joined.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WAITING
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["rank", "joined_at", "id"]
        indexes = [models.Index(fields=["doctor", "status", "rank"], name="waitlist_line")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "doctor"],
                condition=models.Q(status__in=sorted(status.value for status in IN_LINE)),
                name=ONE_PLACE_PER_DOCTOR,
            )
        ]

    def __str__(self) -> str:
        return f"{self.doctor_id}: {self.patient_id} ({self.status})"


class WaitlistMove(models.Model):
    """Staff put an entry one place up or down the line, and said why."""

    entry = models.ForeignKey(
        WaitlistEntry, on_delete=models.CASCADE, related_name="moves", verbose_name=_("entry")
    )
    actor = models.ForeignKey(
        "orm.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("moved by"),
    )
    direction = models.CharField(_("direction"), max_length=8)
    reason = models.CharField(_("reason"), max_length=300)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("waitlist move")
        verbose_name_plural = _("waitlist moves")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.direction}"


class WaitlistOffer(models.Model):
    class Status(models.TextChoices):
        OPEN = OfferStatus.OPEN.value, _("open")
        ACCEPTED = OfferStatus.ACCEPTED.value, _("accepted")
        DECLINED = OfferStatus.DECLINED.value, _("declined")
        EXPIRED = OfferStatus.EXPIRED.value, _("expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(
        WaitlistEntry, on_delete=models.CASCADE, related_name="offers", verbose_name=_("entry")
    )
    doctor = models.ForeignKey(
        "orm.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    created_at = models.DateTimeField(_("offered at"))
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # The hold that keeps the slot for the patient (domain.holds): an appointment row, which
    # becomes the visit, under the same id, when the offer is accepted.
    appointment_id = models.UUIDField(_("appointment"), null=True, blank=True)
    # When the patient was told (email and text message): told once, whoever asks again.
    told_at = models.DateTimeField(_("told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        indexes = [models.Index(fields=["status", "expires_at"], name="waitlist_offer_due")]
        constraints = [
            # A redelivered event offers a slot once; a slot is offered to one patient at a time.
            models.UniqueConstraint(fields=["entry", "start"], name=SLOT_OFFERED_ONCE),
            models.UniqueConstraint(
                fields=["doctor", "start"],
                condition=models.Q(status=OfferStatus.OPEN.value),
                name=ONE_OFFER_PER_SLOT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doctor_id} {self.start:%Y-%m-%d %H:%M} ({self.status})"
