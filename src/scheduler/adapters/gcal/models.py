"""Rows: a doctor's Google connection, the calendars read for busy times, the busy blocks.

Tokens are stored sealed (adapters.gcal.sealing); nothing here decrypts them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.services.calendar_values import DEFAULT_DETAIL, Detail

DETAIL_LABELS = {
    Detail.NONE: _("only “Appointment”"),
    Detail.FIRST_NAME: _("the patient's first name"),
    Detail.FIRST_NAME_REASON: _("first name and reason"),
    Detail.FULL: _("full name and reason"),
}


class CalendarConnection(models.Model):
    """One doctor's Google account, with the calendar that receives the appointments."""

    class State(models.TextChoices):
        CONNECTED = "connected", _("connected")
        # access revoked or expired: the doctor must connect again
        BROKEN = "broken", _("broken")

    doctor = models.OneToOneField(
        "orm.Doctor",
        on_delete=models.CASCADE,
        related_name="calendar_connection",
        verbose_name=_("doctor"),
    )
    account = models.CharField(_("account"), max_length=320, blank=True)
    refresh_token = models.TextField(_("refresh token"), help_text=_("Sealed with the token key."))
    access_token = models.TextField(
        _("access token"), blank=True, help_text=_("Sealed with the token key.")
    )
    token_expiry = models.DateTimeField(_("token expires at"), null=True, blank=True)
    scopes = models.TextField(_("scopes"), blank=True)
    target_calendar = models.CharField(
        _("calendar for appointments"),
        max_length=1024,
        blank=True,
        default="primary",
        help_text=_("Empty: appointments not pushed."),
    )
    detail = models.CharField(
        _("what events show"),
        max_length=32,
        choices=[(detail.value, label) for detail, label in DETAIL_LABELS.items()],
        default=DEFAULT_DETAIL.value,
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.CONNECTED
    )
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    pull_queued_at = models.DateTimeField(
        _("pull queued at"),
        null=True,
        blank=True,
        help_text=_("A pull is queued and has not started: no second one."),
    )
    connected_at = models.DateTimeField(_("connected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar connection")
        verbose_name_plural = _("calendar connections")

    def __str__(self) -> str:
        return f"{self.doctor} <-> {self.account or 'Google'} ({self.state})"


class CalendarFeed(models.Model):
    """A calendar of the doctor's whose events count as busy, with its sync state. Each one is
    read, and fails, on its own."""

    connection = models.ForeignKey(
        CalendarConnection,
        on_delete=models.CASCADE,
        related_name="feeds",
        verbose_name=_("connection"),
    )
    calendar_id = models.CharField(_("calendar id"), max_length=1024)
    summary = models.CharField(_("name"), max_length=300, blank=True)
    free_busy_only = models.BooleanField(
        _("free/busy only"),
        default=False,
        help_text=_("Shared as free/busy only: read with freebusy.query."),
    )
    sync_token = models.TextField(_("sync token"), blank=True)
    read_until = models.DateTimeField(
        _("read until"),
        null=True,
        blank=True,
        help_text=_("How far ahead the last full read reached."),
    )
    gone = models.BooleanField(
        _("gone"),
        default=False,
        help_text=_("Google no longer has it for this account: not read."),
    )
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    pushes_changes = models.BooleanField(
        _("pushes changes"),
        default=True,
        help_text=_("False: Google sends no notifications for it; it is polled."),
    )
    channel_id = models.CharField(_("channel id"), max_length=64, blank=True, db_index=True)
    channel_resource_id = models.CharField(_("channel resource id"), max_length=300, blank=True)
    channel_expires_at = models.DateTimeField(_("channel expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar read for busy times")
        verbose_name_plural = _("calendars read for busy times")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "calendar_id"], name="gcal_one_feed_per_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.summary or self.calendar_id


class BusyBlock(models.Model):
    """A busy time from one of the doctor's calendars; the availability keeps it free."""

    doctor = models.ForeignKey(
        "orm.Doctor",
        on_delete=models.CASCADE,
        related_name="busy_blocks",
        verbose_name=_("doctor"),
    )
    calendar_id = models.CharField(_("calendar id"), max_length=1024)
    event_id = models.CharField(_("event id"), max_length=1024)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))

    class Meta:
        verbose_name = _("busy time")
        verbose_name_plural = _("busy times")
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
        "orm.Doctor",
        on_delete=models.CASCADE,
        related_name="mirrored_events",
        verbose_name=_("doctor"),
    )
    calendar_id = models.CharField(_("calendar id"), max_length=1024, blank=True)
    generation = models.PositiveIntegerField(_("generation"), default=0)

    class Meta:
        verbose_name = _("appointment in Google Calendar")
        verbose_name_plural = _("appointments in Google Calendar")

    def __str__(self) -> str:
        return f"{self.appointment_id} in {self.calendar_id or 'no calendar'}"
