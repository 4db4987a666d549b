"""The notification log, each clinic's reminder offsets and each user's channels."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.adapters.orm import models as orm
from scheduler.domain.notifications import Kind


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


KIND_LABELS = {
    Kind.REQUESTED: _("request received"),
    Kind.BOOKED: _("booked"),
    Kind.CONFIRMED: _("confirmed"),
    Kind.REJECTED: _("rejected"),
    Kind.CANCELLED: _("cancelled"),
    Kind.RESCHEDULED: _("rescheduled"),
    Kind.DISPLACED: _("asked to move"),
    Kind.REMINDER: _("reminder"),
    Kind.DOCTOR_REQUEST: _("request for the doctor"),
    Kind.DOCTOR_CANCELLED: _("cancelled by the doctor"),
    Kind.VISIT_NOTE: _("visit note written"),
    Kind.VISIT_NOTE_AMENDED: _("visit note amended"),
}


class Notification(models.Model):
    """One message to one person on one channel: planned, then sent, failed or skipped.

    (appointment, kind, scheduled_for, channel) is the idempotency key: planning the same
    message again finds this row, and a delivery that finds it no longer queued does nothing.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        # permanently (a bad address), or transient faults outlasted retries
        FAILED = "failed", _("failed")
        # no longer true (cancelled, moved) or no way to reach the person
        SKIPPED = "skipped", _("skipped")

    appointment = models.ForeignKey(
        orm.Appointment,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("appointment"),
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=[(k.value, label) for k, label in KIND_LABELS.items()]
    )
    scheduled_for = models.DateTimeField(_("due"), help_text=_("When it is due."))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        orm.User,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    about_start = models.DateTimeField(
        _("visit's start"), help_text=_("The visit's start the message speaks of.")
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("Where it was sent.")
    )
    template = models.CharField(_("template"), max_length=100, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    provider_id = models.CharField(_("provider's id"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    enqueued_at = models.DateTimeField(
        _("queued at"),
        null=True,
        blank=True,
        help_text=_("Last handed to the task queue; empty: not yet."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "scheduled_for", "channel"],
                name="one_notification_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_for"]),
            models.Index(fields=["recipient", "-scheduled_for"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} to {self.recipient_id} ({self.status})"


class ReminderOffset(models.Model):
    """How long before a visit the clinic reminds; a clinic without any uses 24 h and 2 h."""

    clinic = models.ForeignKey(
        orm.Clinic, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("clinic")
    )
    before = models.DurationField(_("before the visit"), help_text=_("e.g. 1 day, 02:00:00"))

    class Meta:
        ordering = ["clinic", "-before"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "before"], name="one_reminder_per_offset"),
            models.CheckConstraint(
                condition=models.Q(before__gt=timedelta(0)), name="reminder_before_the_visit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic}: {self.before} before"


class ContactPreference(models.Model):
    """Which channels a user wants; without a row, every channel they have an address for."""

    user = models.OneToOneField(
        orm.User, on_delete=models.CASCADE, related_name="contact", verbose_name=_("user")
    )
    email = models.BooleanField(_("email"), default=True)
    sms = models.BooleanField(_("SMS"), default=True)

    class Meta:
        verbose_name = _("notification channels")
        verbose_name_plural = _("notification channels")

    def __str__(self) -> str:
        wanted = [name for name in ("email", "sms") if getattr(self, name)]
        return f"{self.user}: {', '.join(wanted) or 'nothing'}"
