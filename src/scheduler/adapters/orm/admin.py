"""Django admin for every model. Appointments are read-only here: their changes go through the
use cases (the API, the desk), which keep history, events and the overlap rules. Schedules and
time off are edited through their commands (entrypoints.web.schedule_admin)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Model, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scheduler.adapters import local_dates, outbox
from scheduler.adapters.audit.log import DjangoAuditLog
from scheduler.adapters.orm import models as rows
from scheduler.domain.model import Role
from scheduler.services.audit import Record

M = TypeVar("M", bound=Model)
EMPTY = "-"


def reader() -> str:
    """The language the admin speaks to this request (PreferredLanguageMiddleware's choice)."""
    return get_language() or settings.LANGUAGE_CODE


def clock(at: datetime | None, zone: str | None = None, *, seconds: bool = False) -> SafeString:
    """A moment as the admin shows it: on ``zone``'s clock (a clinic's; the server's for the
    site's own records), in the reader's calendar and digits, the zone named beside it. The
    zone is isolated: its Latin name would otherwise reorder a Persian line around it."""
    if at is None:
        return format_html("{}", EMPTY)
    zone = zone or settings.TIME_ZONE
    language = reader()
    if seconds:
        local = local_dates.on_clock(at, zone)
        when = local_dates.digits(
            f"{local_dates.day_label(local.date(), language)} {local:%H:%M:%S}", language
        )
    else:
        when = local_dates.moment_label(at, zone, language)
    return format_html('{} <bdi dir="ltr" class="zone">({})</bdi>', when, zone)


def day(value: date | None) -> str:
    return EMPTY if value is None else local_dates.day_label(value, reader())


def hours(start: time | None, end: time | None) -> str:
    """'09:00–13:00' / '۰۹:۰۰–۱۳:۰۰'; a day with neither is closed."""
    if start is None or end is None:
        return str(_("closed"))
    return local_dates.digits(f"{start:%H:%M}–{end:%H:%M}", reader())


class BoundedChangeList(ChangeList):
    def get_filters(self, request: HttpRequest) -> Any:
        # A date drill-down to year 9999 asks Django for the year after it: out of range.
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request: HttpRequest) -> None:
        # A year by hand (``?start__year=0``) fails only once the query runs: the same way.
        try:
            super().get_results(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class GuardedAdmin(admin.ModelAdmin[M]):
    """Every admin list of Nobat: a hand-made query string or action form is sent back to the
    list with a message, never a 500 (Django's own lists trust both). Where rows name a
    patient (``audited``: the kind of record and each row's record id), an admin's reading a
    list or a page of them is in the audit trail, as any other reader's is."""

    audited: tuple[Record, Callable[[Any], object]] | None = None

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        shown = getattr(response, "context_data", None) or {}
        if "cl" in shown:
            self._record_reads(shown["cl"].result_list)
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", None) or {}
        if shown.get("original") is not None:
            self._record_reads([shown["original"]])
        return response

    def _record_reads(self, shown: Iterable[Any]) -> None:
        if self.audited is None:
            return
        kind, record_of = self.audited
        ids = [str(record) for row in shown if (record := record_of(row)) is not None]
        DjangoAuditLog().record_reads(kind, ids)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BoundedChangeList

    def response_action(  # type: ignore[override]
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponseBase | None:
        pk = self.model._meta.pk
        assert pk is not None
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.to_python(value)
        except ValidationError:
            self.message_user(request, _("Choose items from the list."), messages.WARNING)
            return None
        return super().response_action(request, queryset, *args, **kwargs)


class NobatUserAdmin(GuardedAdmin[rows.User], UserAdmin):  # type: ignore[type-arg]
    """Registered with other adapters' inlines by entrypoints.web.combined_admin."""

    audited = (Record.PATIENT, lambda user: _patient_id_of(user))
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Nobat"), {"fields": ("role", "phone", "language")}),
    )


def _patient_id_of(user: rows.User) -> int | None:
    """A patient's user page shows their contact details: a read of that patient's record."""
    if user.role != Role.PATIENT.value:
        return None
    patient: rows.Patient | None = getattr(user, "patient", None)
    return patient.pk if patient is not None else None


class ClinicAdmin(GuardedAdmin[rows.Clinic]):
    """Registered with other adapters' inlines by entrypoints.web.combined_admin."""

    list_display = ("name", "city", "timezone", "cancel_cutoff_minutes")
    search_fields = ("name", "city")


@admin.register(rows.Specialty)
class SpecialtyAdmin(GuardedAdmin[rows.Specialty]):
    list_display = ("name", "name_fa", "slug")
    fields = ("name", "name_fa", "slug")


@admin.register(rows.Patient)
class PatientAdmin(GuardedAdmin[rows.Patient]):
    audited = (Record.PATIENT, lambda patient: patient.pk)
    search_fields = ("user__first_name", "user__last_name", "user__phone")


@admin.register(rows.Receptionist)
class ReceptionistAdmin(GuardedAdmin[rows.Receptionist]):
    list_display = ("user", "clinic")


class WhenFilter(admin.SimpleListFilter):
    """Rows by how near their moment is to now, rather than Django's date drill-down: that one
    speaks in Gregorian years and months and cuts days at UTC midnight, which is no clinic's
    and no Persian reader's. Hours from now mean the same on every clock and calendar."""

    title = _("when")
    parameter_name = "when"
    field = "start"
    WINDOWS = {
        "next-day": (_("Next 24 hours"), 0, 1),
        "next-week": (_("Next 7 days"), 0, 7),
        "last-week": (_("Last 7 days"), -7, 0),
        "last-month": (_("Last 30 days"), -30, 0),
    }
    past_only = False  # True on a record of what happened, which has nothing ahead

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (key, label)
            for key, (label, _from, to) in self.WINDOWS.items()
            if to <= 0 or not self.past_only
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        chosen = self.WINDOWS.get(self.value() or "")
        if chosen is None:
            return queryset
        _label, after, before = chosen
        now = timezone.now()
        return queryset.filter(
            **{
                f"{self.field}__gte": now + timedelta(days=after),
                f"{self.field}__lt": now + timedelta(days=before),
            }
        )


def when_filter(on: str, *, past_only: bool = False) -> type[WhenFilter]:
    return type(f"WhenFilter_{on}", (WhenFilter,), {"field": on, "past_only": past_only})


class ChangeInline(admin.TabularInline[rows.AppointmentChange, rows.Appointment]):
    model = rows.AppointmentChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "when", "actor", "did", "was", "became", "note")

    def get_queryset(self, request: HttpRequest) -> QuerySet[rows.AppointmentChange]:
        # Each row's title and time read the clinic's zone: one query, not one a row.
        return super().get_queryset(request).select_related("appointment__clinic", "actor")

    @admin.display(description=_("number"))
    def number(self, change: rows.AppointmentChange) -> str:
        return local_dates.digits(change.seq, reader())  # Django writes Latin digits

    @admin.display(description=_("at"))
    def when(self, change: rows.AppointmentChange) -> SafeString:
        return clock(change.at, change.appointment.clinic.timezone)

    @admin.display(description=_("action"))
    def did(self, change: rows.AppointmentChange) -> str:
        return rows.action_name(change.action)

    @admin.display(description=_("from status"))
    def was(self, change: rows.AppointmentChange) -> str:
        return rows.status_name(change.from_status) if change.from_status else EMPTY

    @admin.display(description=_("to status"))
    def became(self, change: rows.AppointmentChange) -> str:
        return rows.status_name(change.to_status)


class ReadOnlyAdmin(GuardedAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


class WeekPosition(Case):
    """A weekday's place in the reader's week, worked out when the list is read: Saturday
    first on a Persian admin, Monday first on an English one (the rows count from Monday, as
    Python does)."""

    def __init__(self) -> None:
        super().__init__(output_field=IntegerField())

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        # A new Case each time: this one is shared by every request, whatever its language.
        order = local_dates.WEEK_ORDER[local_dates.language_key(reader())]
        cases = [When(weekday=day, then=Value(at)) for at, day in enumerate(order)]
        return Case(*cases, output_field=IntegerField()).resolve_expression(*args, **kwargs)


def week_position() -> OrderBy:
    return WeekPosition().asc()


@admin.register(rows.WeeklyInterval)
class WeeklyIntervalAdmin(ReadOnlyAdmin[rows.WeeklyInterval]):
    """Edited with its schedule (entrypoints.web.schedule_admin), through ReplaceSchedule."""

    list_display = ("schedule", "kind", "day", "span")
    list_select_related = ("schedule__doctor__user", "schedule__clinic")

    def get_ordering(self, request: HttpRequest) -> tuple[Any, ...]:
        return (week_position(), "start")

    @admin.display(description=_("day"), ordering=week_position())
    def day(self, span: rows.WeeklyInterval) -> str:
        return local_dates.weekday_name(span.weekday, reader())  # 0 = Monday, as in the model

    @admin.display(description=_("hours"), ordering="start")
    def span(self, span: rows.WeeklyInterval) -> str:
        return hours(span.start, span.end)


@admin.register(rows.DateOverride)
class DateOverrideAdmin(ReadOnlyAdmin[rows.DateOverride]):
    list_display = ("schedule", "on", "span")
    list_select_related = ("schedule__doctor__user", "schedule__clinic")

    @admin.display(description=_("date"), ordering="date")
    def on(self, override: rows.DateOverride) -> str:
        return day(override.date)

    @admin.display(description=_("hours"), ordering="start")
    def span(self, override: rows.DateOverride) -> str:
        return hours(override.start, override.end)


@admin.register(rows.Appointment)
class AppointmentAdmin(ReadOnlyAdmin[rows.Appointment]):
    audited = (Record.APPOINTMENT, lambda appointment: appointment.pk)
    list_display = ("at_the_clinic", "doctor", "patient", "clinic", "status")
    list_select_related = ("clinic", "doctor__user", "patient__user")
    list_filter = (WhenFilter, "status", "clinic")
    inlines = [ChangeInline]
    # Every moment on the clinic's clock, in the reader's calendar: not Django's UTC fields.
    fields = (
        "at_the_clinic",
        "until",
        "doctor",
        "patient",
        "clinic",
        "status",
        "reason",
        "revision",
        "booked_at",
        "changed_at",
    )
    readonly_fields = ("at_the_clinic", "until", "revision", "booked_at", "changed_at")

    @admin.display(description=_("start, clinic time"), ordering="start")
    def at_the_clinic(self, appointment: rows.Appointment) -> SafeString:
        """The visit as the desk sees it, not in the server's zone (UTC)."""
        return clock(appointment.start, appointment.clinic.timezone)

    @admin.display(description=_("end, clinic time"))
    def until(self, appointment: rows.Appointment) -> SafeString:
        return clock(appointment.end, appointment.clinic.timezone)

    @admin.display(description=_("version"))
    def revision(self, appointment: rows.Appointment) -> str:
        return local_dates.digits(appointment.version, reader())  # Django writes Latin digits

    @admin.display(description=_("booked at"))
    def booked_at(self, appointment: rows.Appointment) -> SafeString:
        return clock(appointment.created_at, appointment.clinic.timezone)

    @admin.display(description=_("last changed"))
    def changed_at(self, appointment: rows.Appointment) -> SafeString:
        return clock(appointment.updated_at, appointment.clinic.timezone)


@admin.register(rows.AppointmentChange)
class AppointmentChangeAdmin(ReadOnlyAdmin[rows.AppointmentChange]):
    audited = (Record.APPOINTMENT, lambda change: change.appointment_id)
    list_display = ("appointment", "seq", "when", "did", "became")
    list_select_related = (
        "appointment__clinic",
        "appointment__doctor__user",
        "appointment__patient__user",
    )

    @admin.display(description=_("at"), ordering="at")
    def when(self, change: rows.AppointmentChange) -> SafeString:
        return clock(change.at, change.appointment.clinic.timezone)

    @admin.display(description=_("to status"), ordering="to_status")
    def became(self, change: rows.AppointmentChange) -> str:
        return rows.status_name(change.to_status)

    @admin.display(description=_("action"), ordering="action")
    def did(self, change: rows.AppointmentChange) -> str:
        return rows.action_name(change.action)


@admin.register(rows.IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin[rows.IdempotencyKey]):
    list_display = ("user", "key", "appointment", "created")
    list_select_related = (
        "user",
        "appointment__clinic",
        "appointment__doctor__user",
        "appointment__patient__user",
    )

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, key: rows.IdempotencyKey) -> SafeString:
        return clock(key.created_at)


@admin.register(rows.StoredEvent)
class StoredEventAdmin(ReadOnlyAdmin[rows.StoredEvent]):
    list_display = ("created", "type", "aggregate_id", "version", "delivery", "attempts")
    list_filter = ("delivery", "type")
    actions = ["requeue"]

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, event: rows.StoredEvent) -> SafeString:
        return clock(event.created_at)

    @admin.action(description=_("Re-queue for delivery"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[rows.StoredEvent]) -> None:
        outbox.requeue([row.pk for row in queryset])
