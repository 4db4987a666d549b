"""Rows. Mapping to and from domain objects lives in the repositories, not here."""

from __future__ import annotations

import uuid
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scheduler.adapters import local_dates
from scheduler.domain.appointment import ACTIVE, DISPLACE, Status
from scheduler.domain.model import Role

ACTIVE_STATUSES = sorted(status.value for status in ACTIVE)

# What the admin and the statistics call each state; the rows keep the FHIR value.
STATUS_LABELS: dict[str, Promise] = {
    Status.PENDING: _("Awaiting the doctor"),
    Status.BOOKED: _("Booked"),
    Status.ARRIVED: _("Arrived"),
    Status.IN_CONSULTATION: _("In consultation"),
    Status.FULFILLED: _("Fulfilled"),
    Status.CANCELLED: _("Cancelled"),
    Status.REJECTED: _("Rejected"),
    Status.NOSHOW: _("No-show"),
}
# What each change in a visit's history did, as the reader says it; the rows keep the verb.
ACTION_NAMES: dict[str, Promise] = {
    "book": _("booked"),
    "request": _("requested"),
    "confirm": _("confirmed"),
    "reject": _("rejected"),
    "cancel": _("cancelled"),
    "check_in": _("checked in"),
    "start": _("consultation started"),
    "complete": _("completed"),
    "no_show": _("marked as no-show"),
    "undo": _("undone"),
    "reschedule": _("rescheduled"),
    DISPLACE: _("asked to move"),
}


def action_name(value: str) -> str:
    """A change as the reader says it; an unknown verb (a row older than its label) as is."""
    label = ACTION_NAMES.get(value)
    return str(label) if label is not None else value


def status_name(value: str) -> str:
    """A state as the reader calls it; an unknown value (a row older than its state) as is."""
    label = STATUS_LABELS.get(value)
    return str(label) if label is not None else value


ROLE_LABELS = {
    Role.PATIENT: _("patient"),
    Role.DOCTOR: _("doctor"),
    Role.RECEPTIONIST: _("receptionist"),
    Role.ADMIN: _("admin"),
}


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


def _reader() -> str:
    return get_language() or site_language()


class User(AbstractUser):
    role = models.CharField(
        _("role"), max_length=16, choices=[(r.value, label) for r, label in ROLE_LABELS.items()]
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        default="",
        choices=settings.LANGUAGES,
        help_text=_("For pages and messages. Empty: the browser's, then the clinic's."),
    )
    email_verified = models.BooleanField(
        _("email verified"),
        default=False,
        help_text=_("The user followed a link sent to the email address."),
    )
    forgotten = models.BooleanField(
        _("forgotten"),
        default=False,
        help_text=_("A patient who asked to be forgotten: anonymised, inactive."),
    )

    def display_name(self) -> str:
        """The name others see; an erased patient's in the viewer's language."""
        if self.forgotten:
            return str(_("Deleted patient"))
        return self.get_full_name() or self.username


class Clinic(models.Model):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, db_index=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Tehran",
        validators=[known_zone],
        help_text=_("The clinic's clock, as an IANA name such as Asia/Tehran."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        default=site_language,
        choices=settings.LANGUAGES,
        help_text=_(
            "For patients who chose no language: their messages, and pages about this clinic."
        ),
    )

    class Meta:
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")

    def __str__(self) -> str:
        return self.name


class Specialty(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return self.name


class Doctor(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="doctor", verbose_name=_("user")
    )
    specialty = models.ForeignKey(
        Specialty, on_delete=models.PROTECT, related_name="doctors", verbose_name=_("specialty")
    )
    licence_number = models.CharField(_("licence number"), max_length=50, unique=True)
    verified = models.BooleanField(_("verified"), default=False)
    bio = models.TextField(_("biography"), blank=True)
    clinics = models.ManyToManyField(
        Clinic, related_name="doctors", blank=True, verbose_name=_("clinics")
    )

    class Meta:
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username


class Patient(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="patient", verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return self.user.display_name()


class Receptionist(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="receptionist", verbose_name=_("user")
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="receptionists", verbose_name=_("clinic")
    )

    class Meta:
        verbose_name = _("receptionist")
        verbose_name_plural = _("receptionists")

    def __str__(self) -> str:
        return f"{self.user.username} @ {self.clinic}"


class Schedule(models.Model):
    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("doctor")
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("clinic")
    )
    slot_minutes = models.PositiveSmallIntegerField(_("minutes a visit"), default=30)
    horizon_days = models.PositiveSmallIntegerField(_("days ahead open for booking"), default=60)
    min_notice_minutes = models.PositiveIntegerField(_("least notice, in minutes"), default=60)
    requires_approval = models.BooleanField(
        _("requires the doctor's approval"),
        default=False,
        help_text=_("Each booking waits for the doctor to accept it."),
    )

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.UniqueConstraint(fields=["doctor", "clinic"], name="one_schedule_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.doctor} @ {self.clinic}"


class WeeklyInterval(models.Model):
    class Kind(models.TextChoices):
        WORK = "work", _("working hours")
        BREAK = "break", _("break")

    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, related_name="weekly", verbose_name=_("schedule")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.WORK)
    weekday = models.PositiveSmallIntegerField(  # 0 = Monday, as Python counts
        _("day"), choices=list(WEEKDAYS.items())
    )
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")

    def __str__(self) -> str:
        day = local_dates.weekday_name(self.weekday, _reader())
        span = local_dates.digits(f"{self.start:%H:%M}–{self.end:%H:%M}", _reader())
        return f"{self.get_kind_display()}: {day} {span}"


class DateOverride(models.Model):
    """The hours of one date; a row with no start/end means closed that day."""

    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("schedule")
    )
    date = models.DateField(_("date"))
    start = models.TimeField(_("start"), null=True, blank=True)
    end = models.TimeField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["date", "start"]
        verbose_name = _("date that differs")
        verbose_name_plural = _("dates that differ")

    def __str__(self) -> str:
        day = local_dates.day_label(self.date, _reader())
        if self.start is None or self.end is None:
            return str(_("%(day)s: closed")) % {"day": day}
        span = local_dates.digits(f"{self.start:%H:%M}–{self.end:%H:%M}", _reader())
        return f"{day}: {span}"


class TimeOff(models.Model):
    """Applies at every clinic of the doctor."""

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="time_off", verbose_name=_("doctor")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")

    def __str__(self) -> str:
        return str(_("%(doctor)s away %(start)s – %(end)s")) % {
            "doctor": self.doctor,
            "start": local_dates.day_label(self.start.date(), _reader(), weekday=False),
            "end": local_dates.day_label(self.end.date(), _reader(), weekday=False),
        }


class Appointment(models.Model):
    # Migrations 0002 and 0004 make overlap impossible per doctor and per patient among active
    # statuses: exclusion constraints on PostgreSQL, triggers on SQLite (whose writers are
    # serialized).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    doctor = models.ForeignKey(
        Doctor, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("doctor")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("patient")
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("clinic")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=[(str(status), label) for status, label in STATUS_LABELS.items()],
    )
    reason = models.TextField(_("reason"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
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
        # On the clinic's clock, in the reader's calendar: the admin titles its pages with it.
        when = local_dates.moment_label(self.start, self.clinic.timezone, _reader())
        return f"{when} — {self.doctor} / {self.patient} ({self.get_status_display()})"


class AppointmentChange(models.Model):
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        related_name="history",
        verbose_name=_("appointment"),
    )
    seq = models.PositiveIntegerField(_("number"))
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("done by")
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from status"), max_length=16, blank=True)
    to_status = models.CharField(_("to status"), max_length=16)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["appointment", "seq"]
        verbose_name = _("appointment change")
        verbose_name_plural = _("appointment changes")
        constraints = [
            models.UniqueConstraint(fields=["appointment", "seq"], name="one_change_per_seq")
        ]

    def __str__(self) -> str:
        # The admin titles each row of a visit's history with it: on the clinic's clock, in the
        # reader's calendar, digits and words (not UTC and the stored codes).
        return str(_("%(when)s: %(action)s; now %(status)s")) % {
            "when": local_dates.moment_label(self.at, self.appointment.clinic.timezone, _reader()),
            "action": action_name(self.action),
            "status": status_name(self.to_status),
        }


class IdempotencyKey(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, verbose_name=_("user"))
    key = models.CharField(_("key"), max_length=200)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, verbose_name=_("appointment")
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_use_per_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class StoredEvent(models.Model):
    """Every domain event, written in the transaction that raised it; also the outbox."""

    class Delivery(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("delivered")
        # gave up after max attempts; visible in the admin, re-queueable
        DEAD = "dead", _("given up")

    id = models.UUIDField(primary_key=True, editable=False)
    type = models.CharField(_("type"), max_length=64)
    aggregate_id = models.UUIDField(_("record id"), db_index=True)
    version = models.PositiveIntegerField(_("version"))
    occurred_at = models.DateTimeField(_("occurred at"))
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivery = models.CharField(
        _("delivery"), max_length=8, choices=Delivery.choices, default=Delivery.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), auto_now_add=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("stored event")
        verbose_name_plural = _("stored events")
        indexes = [models.Index(fields=["delivery", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.type} v{self.version} ({self.delivery})"
