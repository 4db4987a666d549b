"""Rows: a doctor's Google connection, the calendars read for busy times, the busy blocks.

Tokens are stored sealed (adapters.gcal.sealing); nothing here decrypts them.
"""

from __future__ import annotations

from django.db import models

from scheduler.services.calendar_values import DEFAULT_DETAIL, Detail


class CalendarConnection(models.Model):
    """One doctor's Google account, with the calendar that receives the appointments."""

    class State(models.TextChoices):
        CONNECTED = "connected"
        BROKEN = "broken"  # access revoked or expired: the doctor must connect again

    doctor = models.OneToOneField(
        "orm.Doctor", on_delete=models.CASCADE, related_name="calendar_connection"
    )
    account = models.CharField(max_length=320, blank=True)
    refresh_token = models.TextField(help_text="Sealed with the token key.")
    access_token = models.TextField(blank=True, help_text="Sealed with the token key.")
    token_expiry = models.DateTimeField(null=True, blank=True)
    scopes = models.TextField(blank=True)
    target_calendar = models.CharField(
        max_length=1024, blank=True, default="primary", help_text="Empty: appointments not pushed."
    )
    detail = models.CharField(
        max_length=32, choices=[(d.value, d.value) for d in Detail], default=DEFAULT_DETAIL.value
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.CONNECTED)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    pull_queued_at = models.DateTimeField(
        null=True, blank=True, help_text="A pull is queued and has not started: no second one."
    )
    connected_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.doctor} <-> {self.account or 'Google'} ({self.state})"


class CalendarFeed(models.Model):
    """A calendar of the doctor's whose events count as busy, with its sync state. Each one is
    read, and fails, on its own."""

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="feeds"
    )
    calendar_id = models.CharField(max_length=1024)
    summary = models.CharField(max_length=300, blank=True)
    free_busy_only = models.BooleanField(
        default=False, help_text="Shared as free/busy only: read with freebusy.query."
    )
    sync_token = models.TextField(blank=True)
    read_until = models.DateTimeField(
        null=True, blank=True, help_text="How far ahead the last full read reached."
    )
    gone = models.BooleanField(
        default=False, help_text="Google no longer has it for this account: not read."
    )
    last_read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    pushes_changes = models.BooleanField(
        default=True, help_text="False: Google sends no notifications for it; it is polled."
    )
    channel_id = models.CharField(max_length=64, blank=True, db_index=True)
    channel_resource_id = models.CharField(max_length=300, blank=True)
    channel_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "calendar_id"], name="gcal_one_feed_per_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.summary or self.calendar_id


class BusyBlock(models.Model):
    """A busy time from one of the doctor's calendars; the availability keeps it free."""

    doctor = models.ForeignKey("orm.Doctor", on_delete=models.CASCADE, related_name="busy_blocks")
    calendar_id = models.CharField(max_length=1024)
    event_id = models.CharField(max_length=1024)
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "calendar_id", "event_id"], name="gcal_one_block_per_event"
            )
        ]
        indexes = [models.Index(fields=["doctor", "start"])]

    def __str__(self) -> str:
        return f"{self.doctor} busy {self.start:%Y-%m-%d %H:%M} - {self.end:%Y-%m-%d %H:%M}"


class MirroredEvent(models.Model):
    """Where an appointment's event is in the doctor's Google Calendar ("" = nowhere now), and
    the generation of its id: deletes and moves go where the event really is."""

    appointment_id = models.UUIDField(primary_key=True)
    doctor = models.ForeignKey(
        "orm.Doctor", on_delete=models.CASCADE, related_name="mirrored_events"
    )
    calendar_id = models.CharField(max_length=1024, blank=True)
    generation = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.appointment_id} in {self.calendar_id or 'no calendar'}"
