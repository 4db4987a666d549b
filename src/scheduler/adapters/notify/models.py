"""The notification log, each clinic's reminder offsets and each user's channels."""

from __future__ import annotations

from datetime import timedelta

from django.db import models

from scheduler.adapters.orm import models as orm
from scheduler.domain.notifications import Kind


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class Notification(models.Model):
    """One message to one person on one channel: planned, then sent, failed or skipped.

    (appointment, kind, scheduled_for, channel) is the idempotency key: planning the same
    message again finds this row, and a delivery that finds it no longer queued does nothing.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"  # permanently (a bad address), or transient faults outlasted retries
        SKIPPED = "skipped"  # no longer true (cancelled, moved) or no way to reach the person

    appointment = models.ForeignKey(
        orm.Appointment, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=[(k.value, k.value) for k in Kind])
    scheduled_for = models.DateTimeField(help_text="When it is due.")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(orm.User, on_delete=models.CASCADE, related_name="notifications")
    about_start = models.DateTimeField(help_text="The visit's start the message speaks of.")
    details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    address = models.CharField(max_length=254, blank=True, help_text="Where it was sent.")
    template = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    provider_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="Last handed to the task queue; empty: not yet."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
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

    clinic = models.ForeignKey(orm.Clinic, on_delete=models.CASCADE, related_name="reminders")
    before = models.DurationField(help_text="e.g. 1 day, 02:00:00")

    class Meta:
        ordering = ["clinic", "-before"]
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

    user = models.OneToOneField(orm.User, on_delete=models.CASCADE, related_name="contact")
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=True)

    def __str__(self) -> str:
        wanted = [name for name in ("email", "sms") if getattr(self, name)]
        return f"{self.user}: {', '.join(wanted) or 'nothing'}"
