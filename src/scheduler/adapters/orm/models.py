"""Rows. Mapping to and from domain objects lives in the repositories, not here."""

from __future__ import annotations

import uuid
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.domain.appointment import ACTIVE, Status
from scheduler.domain.model import Role

ACTIVE_STATUSES = sorted(status.value for status in ACTIVE)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def known_zone(value: str) -> None:
    """A clinic's clock is an IANA zone (``Asia/Tehran``): any other name would fail every
    date the clinic's screens compute."""
    if value not in _zones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


def site_language() -> str:
    return str(settings.LANGUAGE_CODE)


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=[(r.value, r.value) for r in Role])
    phone = models.CharField(max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        default="",
        choices=settings.LANGUAGES,
        help_text=_("For pages and messages. Empty: the browser's, then the clinic's."),
    )
    email_verified = models.BooleanField(
        default=False, help_text="The user followed a link sent to the email address."
    )
    forgotten = models.BooleanField(
        default=False, help_text="A patient who asked to be forgotten: anonymised, inactive."
    )

    def display_name(self) -> str:
        """The name others see; an erased patient's in the viewer's language."""
        if self.forgotten:
            return str(_("Deleted patient"))
        return self.get_full_name() or self.username


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="Asia/Tehran", validators=[known_zone])
    language = models.CharField(
        _("language"),
        max_length=8,
        default=site_language,
        choices=settings.LANGUAGES,
        help_text=_(
            "For patients who chose no language: their messages, and pages about this clinic."
        ),
    )

    def __str__(self) -> str:
        return self.name


class Specialty(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class Doctor(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="doctor")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="doctors")
    licence_number = models.CharField(max_length=50, unique=True)
    verified = models.BooleanField(default=False)
    bio = models.TextField(blank=True)
    clinics = models.ManyToManyField(Clinic, related_name="doctors", blank=True)

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username


class Patient(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient")

    def __str__(self) -> str:
        return self.user.display_name()


class Receptionist(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="receptionist")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="receptionists")

    def __str__(self) -> str:
        return f"{self.user.username} @ {self.clinic}"


class Schedule(models.Model):
    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="schedules")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="schedules")
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    horizon_days = models.PositiveSmallIntegerField(default=60)
    min_notice_minutes = models.PositiveIntegerField(default=60)
    requires_approval = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doctor", "clinic"], name="one_schedule_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.doctor} @ {self.clinic}"


class WeeklyInterval(models.Model):
    class Kind(models.TextChoices):
        WORK = "work"
        BREAK = "break"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="weekly")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.WORK)
    weekday = models.PositiveSmallIntegerField()  # 0 = Monday
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.kind} day {self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class DateOverride(models.Model):
    """The hours of one date; a row with no start/end means closed that day."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start"]

    def __str__(self) -> str:
        if self.start is None or self.end is None:
            return f"{self.date}: closed"
        return f"{self.date}: {self.start:%H:%M}-{self.end:%H:%M}"


class TimeOff(models.Model):
    """Applies at every clinic of the doctor."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.doctor} away {self.start:%Y-%m-%d %H:%M} - {self.end:%Y-%m-%d %H:%M}"


class Appointment(models.Model):
    # Migrations 0002 and 0004 make overlap impossible per doctor and per patient among active
    # statuses: exclusion constraints on PostgreSQL, triggers on SQLite (whose writers are
    # serialized).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    doctor = models.ForeignKey(Doctor, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=[(s.value, s.value) for s in Status])
    reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["doctor", "start"]),
            models.Index(fields=["patient", "start"]),
            models.Index(fields=["clinic", "start"]),
            # The statistics: a range of days over every clinic, bookings made in a range, and
            # whether a patient booked before (their first booking is a new patient).
            models.Index(fields=["start"], name="appointment_start"),
            models.Index(fields=["created_at"], name="appointment_created"),
            models.Index(fields=["patient", "created_at"], name="appointment_patient_created"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.doctor} / {self.patient} ({self.status})"


class AppointmentChange(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="history")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["appointment", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "seq"], name="one_change_per_seq")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} -> {self.to_status}"


class IdempotencyKey(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_use_per_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class StoredEvent(models.Model):
    """Every domain event, written in the transaction that raised it; also the outbox."""

    class Delivery(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        DEAD = "dead"  # gave up after max attempts; visible in the admin, re-queueable

    id = models.UUIDField(primary_key=True, editable=False)
    type = models.CharField(max_length=64)
    aggregate_id = models.UUIDField(db_index=True)
    version = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(auto_now_add=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["delivery", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.type} v{self.version} ({self.delivery})"
