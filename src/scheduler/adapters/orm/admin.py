"""Django admin for every model. Appointments are read-only here: their changes go through the
use cases (the API, the desk), which keep history, events and the overlap rules. Schedules and
time off are edited through their commands (entrypoints.web.schedule_admin)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from scheduler.adapters import outbox
from scheduler.adapters.audit.log import DjangoAuditLog
from scheduler.adapters.orm import models as rows
from scheduler.domain.model import Role
from scheduler.services.audit import Record

M = TypeVar("M", bound=Model)


class BoundedChangeList(ChangeList):
    def get_filters(self, request: HttpRequest) -> Any:
        # A date drill-down to year 9999 asks Django for the year after it: out of range.
        try:
            return super().get_filters(request)
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
        ("Nobat", {"fields": ("role", "phone", "language")}),
    )


def _patient_id_of(user: rows.User) -> int | None:
    """A patient's user page shows their contact details: a read of that patient's record."""
    if user.role != Role.PATIENT.value:
        return None
    patient: rows.Patient | None = getattr(user, "patient", None)
    return patient.pk if patient is not None else None


class ClinicAdmin(GuardedAdmin[rows.Clinic]):
    """Registered with other adapters' inlines by entrypoints.web.combined_admin."""

    list_display = ("name", "city", "timezone")
    search_fields = ("name", "city")


@admin.register(rows.Specialty)
class SpecialtyAdmin(GuardedAdmin[rows.Specialty]):
    list_display = ("name", "slug")


@admin.register(rows.Patient)
class PatientAdmin(GuardedAdmin[rows.Patient]):
    audited = (Record.PATIENT, lambda patient: patient.pk)
    search_fields = ("user__first_name", "user__last_name", "user__phone")


@admin.register(rows.Receptionist)
class ReceptionistAdmin(GuardedAdmin[rows.Receptionist]):
    list_display = ("user", "clinic")


class ChangeInline(admin.TabularInline[rows.AppointmentChange, rows.Appointment]):
    model = rows.AppointmentChange
    extra = 0
    can_delete = False
    readonly_fields = ("seq", "at", "actor", "action", "from_status", "to_status", "note")


class ReadOnlyAdmin(GuardedAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


@admin.register(rows.WeeklyInterval)
class WeeklyIntervalAdmin(ReadOnlyAdmin[rows.WeeklyInterval]):
    """Edited with its schedule (entrypoints.web.schedule_admin), through ReplaceSchedule."""

    list_display = ("schedule", "kind", "day", "start", "end")
    list_select_related = ("schedule__doctor__user", "schedule__clinic")

    @admin.display(description=_("day"), ordering="weekday")
    def day(self, span: rows.WeeklyInterval) -> str:
        return str(WEEKDAYS[span.weekday])  # 0 = Monday, as in the model


@admin.register(rows.DateOverride)
class DateOverrideAdmin(ReadOnlyAdmin[rows.DateOverride]):
    list_display = ("schedule", "date", "start", "end")


@admin.register(rows.Appointment)
class AppointmentAdmin(ReadOnlyAdmin[rows.Appointment]):
    audited = (Record.APPOINTMENT, lambda appointment: appointment.pk)
    list_display = ("at_the_clinic", "doctor", "patient", "clinic", "status")
    list_select_related = ("clinic", "doctor__user", "patient__user")
    list_filter = ("status", "clinic")
    date_hierarchy = "start"
    inlines = [ChangeInline]
    readonly_fields = ("at_the_clinic",)

    @admin.display(description=_("start, clinic time"), ordering="start")
    def at_the_clinic(self, appointment: rows.Appointment) -> str:
        """The visit as the desk sees it, not in the server's zone (UTC)."""
        zone = appointment.clinic.timezone
        local = localtime(appointment.start, ZoneInfo(zone))
        return f"{date_format(local, 'DATETIME_FORMAT')} ({zone})"


@admin.register(rows.AppointmentChange)
class AppointmentChangeAdmin(ReadOnlyAdmin[rows.AppointmentChange]):
    audited = (Record.APPOINTMENT, lambda change: change.appointment_id)
    list_display = ("appointment", "seq", "at", "action", "to_status")


@admin.register(rows.IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin[rows.IdempotencyKey]):
    list_display = ("user", "key", "appointment", "created_at")


@admin.register(rows.StoredEvent)
class StoredEventAdmin(ReadOnlyAdmin[rows.StoredEvent]):
    list_display = ("created_at", "type", "aggregate_id", "version", "delivery", "attempts")
    list_filter = ("delivery", "type")
    actions = ["requeue"]

    @admin.action(description="Re-queue for delivery")
    def requeue(self, request: HttpRequest, queryset: QuerySet[rows.StoredEvent]) -> None:
        outbox.requeue([row.pk for row in queryset])
