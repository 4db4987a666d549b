"""Rows. Mapping to and from domain objects lives in the repositories, not here."""

from __future__ import annotations

import uuid
import zoneinfo
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scheduler.adapters import local_dates
from scheduler.domain import no_show_policy, video_visits
from scheduler.domain.appointment import (
    ACTIVE,
    DISPLACE,
    FORGIVE_NO_SHOW,
    HOLD_STATES,
    OCCUPYING,
    Status,
    VisitMode,
)
from scheduler.domain.documents import MAX_NAME as MAX_DOCUMENT_NAME
from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import Role
from scheduler.domain.schedule import MAX_NOTICE_MINUTES
from scheduler.domain.spelling import SPECIALTY_SEARCH_NAME_LENGTH, specialty_search_name
from scheduler.domain.waitlist import DEFAULT_OFFER_MINUTES, MAX_OFFER_MINUTES, MIN_OFFER_MINUTES

ACTIVE_STATUSES = sorted(status.value for status in ACTIVE)
HOLD_STATUSES = sorted(status.value for status in HOLD_STATES)
# What the no-overlap constraints keep apart, and so what their indexes hold.
OCCUPYING_STATUSES = sorted(status.value for status in OCCUPYING)

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
    Status.PROPOSED: _("Held"),
    Status.RELEASED: _("Hold released"),
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
    FORGIVE_NO_SHOW: _("no-show forgiven"),
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


def check_video_template(value: str) -> None:
    """The admin's form says what domain.video_visits would refuse."""
    try:
        video_visits.check_template(value)
    except InvalidInput as error:
        raise ValidationError(_(error.template), params=dict(error.params)) from None


def site_language() -> str:
    return str(settings.LANGUAGE_CODE)


def _reader() -> str:
    return get_language() or site_language()


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")


class BloodGroup(models.TextChoices):
    A_POS = "A+", "A+"
    A_NEG = "A-", "A−"
    B_POS = "B+", "B+"
    B_NEG = "B-", "B−"
    AB_POS = "AB+", "AB+"
    AB_NEG = "AB-", "AB−"
    O_POS = "O+", "O+"
    O_NEG = "O-", "O−"


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
    # The profile: a patient's for the clinic's record, a doctor's for the directory (sex is
    # what patients filter doctors by).
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, blank=True, choices=Sex.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    emergency_contact_name = models.CharField(
        _("emergency contact's name"), max_length=150, blank=True
    )
    emergency_contact_phone = models.CharField(
        _("emergency contact's phone"), max_length=32, blank=True
    )
    blood_group = models.CharField(
        _("blood group"), max_length=3, blank=True, choices=BloodGroup.choices
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
    # E.164, as users' phones (the admin's form normalizes it).
    phone = models.CharField(
        _("phone"),
        max_length=32,
        blank=True,
        help_text=_("Patients call it when it is too late to cancel or move a visit online."),
    )
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
    cancel_cutoff_minutes = models.PositiveIntegerField(
        _("cancellation cut-off (minutes)"),
        default=120,
        validators=[MaxValueValidator(MAX_NOTICE_MINUTES)],
        help_text=_(
            "Patients cancel or move a visit themselves until this long before it; then they "
            "call the clinic. 0: until the visit."
        ),
    )
    waitlist_offer_minutes = models.PositiveSmallIntegerField(
        _("waitlist offer window (minutes)"),
        default=DEFAULT_OFFER_MINUTES,
        validators=[MinValueValidator(MIN_OFFER_MINUTES), MaxValueValidator(MAX_OFFER_MINUTES)],
        help_text=_("How long a freed slot is held for the patient it is offered to."),
    )
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-show limit"),
        default=0,
        validators=[MaxValueValidator(no_show_policy.MAX_LIMIT)],
        help_text=_(
            "After this many no-shows within the window, a patient's own bookings are held "
            "back. 0: no policy."
        ),
    )
    no_show_window_months = models.PositiveSmallIntegerField(
        _("no-show window (months)"),
        default=6,
        validators=[
            MinValueValidator(1),
            MaxValueValidator(no_show_policy.MAX_WINDOW_MONTHS),
        ],
        help_text=_("No-shows older than this no longer count."),
    )
    no_show_consequence = models.CharField(
        _("when over the limit"),
        max_length=24,
        choices=[
            (
                no_show_policy.Consequence.NEEDS_APPROVAL.value,
                _("bookings need the doctor's approval"),
            ),
            (no_show_policy.Consequence.NO_ONLINE_BOOKING.value, _("no online booking")),
        ],
        default=no_show_policy.Consequence.NEEDS_APPROVAL.value,
    )
    video_url_template = models.CharField(
        _("video visit address"),
        max_length=video_visits.MAX_TEMPLATE,
        blank=True,
        validators=[check_video_template],
        help_text=_(
            "The video provider's room address, with {room} where the room's name goes, e.g. "
            "https://meet.jit.si/{room}. Empty: no video visits."
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
    name_fa = models.CharField(_("name in Persian"), max_length=100, blank=True)
    # Both names and the slug, folded (domain.spelling): what a search's words are matched in.
    search_name = models.CharField(
        _("name for search"), max_length=SPECIALTY_SEARCH_NAME_LENGTH, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        """The name in the reader's language: every page and the API show it so."""
        if self.name_fa and (get_language() or "").startswith("fa"):
            return self.name_fa
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Reference data edited in the admin, with no command of its own: kept with its row.
        self.search_name = specialty_search_name(self.name, self.name_fa, self.slug)
        super().save(*args, **kwargs)


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
    photo = models.ImageField(_("photo"), upload_to="doctors/", blank=True)
    years_of_experience = models.PositiveSmallIntegerField(
        _("years of experience"), null=True, blank=True
    )
    # Language codes (ISO 639-1) separated by spaces, e.g. "fa en": a filter, not a relation.
    languages = models.CharField(_("languages spoken"), max_length=100, blank=True)
    consultation_fee = models.PositiveIntegerField(_("consultation fee"), null=True, blank=True)
    fee_currency = models.CharField(_("currency"), max_length=3, default="IRR")
    accepts_new_patients = models.BooleanField(_("accepts new patients"), default=True)
    # The name as the search matches it: case, accents, Arabic/Persian letter forms and
    # diacritics folded (kept by the commands that change a name; see the search's folding).
    search_name = models.CharField(_("name for search"), max_length=300, blank=True, db_index=True)

    class Meta:
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    @staticmethod
    def listed(via: str = "") -> models.Q:
        """Whom a patient may find and book: verified, and their account not closed. ``via``:
        the way to the doctor from the rows filtered, e.g. "doctor__"."""
        return models.Q(**{f"{via}verified": True, f"{via}user__is_active": True})


class Patient(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="patient", verbose_name=_("user")
    )
    # The clinic whose desk added them (a walk-in or a caller): its staff find and book them
    # before any booking there (repositories.known_patients). None: they signed up themselves.
    added_at = models.ForeignKey(
        Clinic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added at"),
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return self.user.display_name()


class Dependant(models.Model):
    """A family member on a patient's account (domain.dependants): booked for by the holder."""

    class Relation(models.TextChoices):
        CHILD = "child", _("child")
        SPOUSE = "spouse", _("spouse")
        PARENT = "parent", _("parent")
        SIBLING = "sibling", _("sibling")
        OTHER = "other", _("other")

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="dependants", verbose_name=_("patient")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    # Removed from the account's list but kept: visits booked for them still name them.
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        indexes = [models.Index(fields=["patient", "active"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


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
    # New on every save of the hours: a process may keep the hours it read under it (a booking
    # or a grid then reads this one row, not every weekly span). Null: not kept.
    revision = models.UUIDField(null=True, editable=False)

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


class VisitRows(models.Manager["Appointment"]):
    """Visits only: a slot hold (domain.holds) is no visit, so no list, count, export or
    admin page reading ``Appointment.objects`` shows one. ``Appointment.every`` has them."""

    def get_queryset(self) -> models.QuerySet[Appointment]:
        return super().get_queryset().exclude(status__in=HOLD_STATUSES)


class Appointment(models.Model):
    # Migrations 0002, 0004 and 0017 make overlap impossible per doctor and per patient among
    # active statuses and holds: exclusion constraints on PostgreSQL, triggers on SQLite (whose
    # writers are serialized).
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
    # Who the visit is for, when not the patient (the account holder) themselves.
    dependant = models.ForeignKey(
        Dependant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("family member"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=[(str(status), label) for status, label in STATUS_LABELS.items()],
    )
    reason = models.TextField(_("reason"), blank=True)
    visit_mode = models.CharField(
        _("visit mode"),
        max_length=16,
        choices=[(VisitMode.IN_PERSON.value, _("in person")), (VisitMode.VIDEO.value, _("video"))],
        default=VisitMode.IN_PERSON.value,
    )
    video_room = models.CharField(_("video room"), max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # A hold's (status proposed) expiry and purpose (domain.holds); empty for a visit.
    hold_expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    hold_purpose = models.CharField(_("hold purpose"), max_length=16, blank=True)

    every = models.Manager()  # holds too: the repositories, free time and the live grids
    objects = VisitRows()  # the default (Meta.default_manager_name)

    class Meta:
        default_manager_name = "objects"
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
            # The sweep of expired holds (domain.holds): holds only, few at any time.
            models.Index(
                fields=["hold_expires_at"],
                name="appointment_hold_expiry",
                condition=models.Q(status=Status.PROPOSED.value),
            ),
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
        indexes = [
            models.Index(fields=["delivery", "next_attempt_at"]),
            # The relay's "nothing earlier of this stream still pending" probe (adapters.outbox),
            # which SQLite runs for each candidate row: without it, through aggregate_id, over
            # the whole history of the stream (a doctor's grows with every change of hours).
            # PostgreSQL usually hashes the pending rows instead. Pending rows only: it stays small.
            models.Index(
                fields=["aggregate_id", "version"],
                condition=models.Q(delivery="pending"),
                name="storedevent_pending_stream",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} v{self.version} ({self.delivery})"


# -- the directory's read model: kept by the outbox, never the source of truth -----------------


class NextFreeSlot(models.Model):
    """The first slot a patient could book with a doctor at a clinic, as the search shows it.

    Rebuilt from the slot computation whenever something that moves it happens (a booking, a
    cancellation, a move, new hours, time off, calendar busy blocks) and when it has passed.
    No row, or no start: nothing free within the booking horizon.
    """

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="next_free", verbose_name=_("doctor")
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="next_free", verbose_name=_("clinic")
    )
    start = models.DateTimeField(_("start"), null=True, blank=True)
    end = models.DateTimeField(_("end"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("next free slot")
        verbose_name_plural = _("next free slots")
        constraints = [
            models.UniqueConstraint(fields=["doctor", "clinic"], name="one_next_free_per_clinic")
        ]
        indexes = [models.Index(fields=["start"], name="next_free_start")]

    def __str__(self) -> str:
        return f"{self.doctor_id}@{self.clinic_id}: {self.start}"


class FreeDay(models.Model):
    """One day of a doctor at a clinic with at least one free slot: the last free start in
    each part of the day (null: none free in that part), so "free on Tuesday morning" is one
    indexed lookup. Days with nothing free have no row."""

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="free_days", verbose_name=_("doctor")
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="free_days", verbose_name=_("clinic")
    )
    day = models.DateField(_("day"))
    morning_last = models.DateTimeField(_("last free in the morning"), null=True, blank=True)
    afternoon_last = models.DateTimeField(_("last free in the afternoon"), null=True, blank=True)
    evening_last = models.DateTimeField(_("last free in the evening"), null=True, blank=True)
    free_slots = models.PositiveSmallIntegerField(_("free slots"), default=0)

    class Meta:
        verbose_name = _("free day")
        verbose_name_plural = _("free days")
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "clinic", "day"], name="one_free_day_per_clinic"
            )
        ]
        indexes = [models.Index(fields=["day", "doctor"], name="free_day_day_doctor")]

    def __str__(self) -> str:
        return f"{self.doctor_id}@{self.clinic_id}: {self.day}"


class PrivateFeed(models.Model):
    """A user's private calendar feed (``/feeds/<secret>.ics``), which their calendar app
    subscribes to. Only the secret's SHA-256 digest is kept: a copy of the database opens no
    feed, and the owner sees the address once, when it is made (a new one replaces it). Not the
    Google Calendar feeds of gcal, which are calendars read from Google."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("user")
    )
    digest = models.CharField(_("digest of the secret"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("private calendar feed")
        verbose_name_plural = _("private calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.created_at:%Y-%m-%d}"


# The waitlist's rows live in their own module; imported here so the app registers them.
from scheduler.adapters.orm import waitlist_rows  # noqa: E402

WaitlistEntry = waitlist_rows.WaitlistEntry
WaitlistMove = waitlist_rows.WaitlistMove
WaitlistOffer = waitlist_rows.WaitlistOffer


# -- reviews of visits (domain.reviews) ----------------------------------------------------------


class Review(models.Model):
    """A patient's stars and words on a visit that took place; the doctor's one reply; an
    admin's hiding (kept: hidden reviews stay, with why, by whom and when)."""

    id = models.UUIDField(primary_key=True, editable=False)
    # One per visit: the domain checks it, and this relation makes it the database's word too.
    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.PROTECT,
        related_name="visit_review",
        verbose_name=_("appointment"),
    )
    doctor = models.ForeignKey(
        Doctor, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("doctor")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("patient")
    )
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="reviews_written", verbose_name=_("author")
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    text = models.TextField(_("text"), blank=True)
    written_at = models.DateTimeField(_("written at"))
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    reply = models.TextField(_("doctor's reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    hidden_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_hidden",
        verbose_name=_("hidden by"),
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-written_at"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="review_stars_one_to_five"
            )
        ]
        # A doctor's page lists their shown reviews, newest first.
        indexes = [models.Index(fields=["doctor", "hidden", "-written_at"], name="review_page")]

    def __str__(self) -> str:
        # The admin's title of a review, in any language: its stars drawn, not a number, and no
        # date (formatted here, it was UTC's and Gregorian, above the clinic's own in Jalali).
        return f"{'★' * self.stars}{'☆' * (5 - self.stars)} {self.doctor}"


class DoctorRating(models.Model):
    """The read model of a doctor's rating (domain.reviews.Rating), which the search sorts and
    filters on: recounted from the shown reviews in each review's own unit of work. No row:
    no review yet."""

    doctor = models.OneToOneField(
        Doctor,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="rating",
        verbose_name=_("doctor"),
    )
    mean = models.DecimalField(
        _("mean stars"), max_digits=2, decimal_places=1, null=True, blank=True
    )
    count = models.PositiveIntegerField(_("reviews counted"), default=0)

    class Meta:
        verbose_name = _("doctor's rating")
        verbose_name_plural = _("doctors' ratings")
        indexes = [models.Index(fields=["-mean", "-count"], name="rating_order")]

    def __str__(self) -> str:
        return f"{self.doctor_id}: {self.mean} ({self.count})"


# -- visit notes (domain.visit_notes) ----------------------------------------------------------


class VisitNote(models.Model):
    """A completed visit's note, as its doctor last wrote it; each writing is an event (who,
    when) in the outbox and the audit trail. Medical: never shown to the desk."""

    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="visit_note",
        verbose_name=_("appointment"),
    )
    summary = models.TextField(_("summary"))
    instructions = models.TextField(_("follow-up instructions"), blank=True)
    # [{"drug", "dose", "frequency", "duration"}, ...] in the doctor's order: read and written
    # whole with the note, never queried one by one.
    prescriptions = models.JSONField(_("prescriptions"), default=list, blank=True)
    follow_up_start = models.DateTimeField(_("proposed follow-up"), null=True, blank=True)
    written_at = models.DateTimeField(_("written at"))
    written_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    amended_at = models.DateTimeField(_("last amended at"), null=True, blank=True)
    amended_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last amended by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("visit note")
        verbose_name_plural = _("visit notes")

    def __str__(self) -> str:
        return f"{self.appointment_id} v{self.version}"


class AppointmentDocument(models.Model):
    """A file a patient attached to an appointment (domain.documents). The file itself is in
    the private "documents" storage under ``stored_name``, never under the web root."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"

    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("appointment"),
    )
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("attached by")
    )
    name = models.CharField(_("file name"), max_length=MAX_DOCUMENT_NAME)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_name = models.CharField(_("stored as"), max_length=200, unique=True)
    uploaded_at = models.DateTimeField(_("attached at"))

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["appointment", "uploaded_at"])]

    def __str__(self) -> str:
        return self.name
