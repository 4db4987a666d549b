"""The admin's schedule and time-off screens, writing through the same commands as the API.

A schedule is edited as text, one span a line (``Mon 10:00-13:00``; overrides ``2026-12-24
closed`` or ``2026-12-24 09:00-12:00``), so the whole change reaches ReplaceSchedule at once and
whatever the domain refuses comes back as a form error on its field. Registered from
config.urls: it needs the bus, which is wired once the apps are ready.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from scheduler.adapters import local_dates
from scheduler.adapters.orm import admin as orm_admin
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.adapters.orm.repositories import load_schedule
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import DomainError, InvalidInput, ScheduleConflict
from scheduler.entrypoints.error_text import error_text
from scheduler.entrypoints.web.schedule_text import (
    SPANS_HELP,
    override_text,
    parse_overrides,
    parse_weekly,
    replace_schedule,
    weekly_text,
)
from scheduler.services import commands


class ScheduleForm(forms.ModelForm[rows.Schedule]):
    hours = forms.CharField(
        label=_("Working hours"), widget=forms.Textarea(attrs={"rows": 8}), help_text=SPANS_HELP
    )
    breaks = forms.CharField(
        label=_("Breaks"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=SPANS_HELP,
    )
    overrides = forms.CharField(
        label=_("Dates that differ"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Dates that differ: “2026-12-24 closed” or “2026-12-24 09:00-12:00”."),
    )
    force = forms.BooleanField(
        required=False,
        label=_("Change it even over booked visits"),
        help_text=_("They stand, and their patients are asked to choose another time."),
    )
    request: HttpRequest  # set by ScheduleAdmin.get_form

    class Meta:
        model = rows.Schedule
        fields = (
            "doctor",
            "clinic",
            "slot_minutes",
            "horizon_days",
            "min_notice_minutes",
            "requires_approval",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            current = load_schedule(
                self.instance.doctor_id, self.instance.clinic_id, time_off_after=None
            )
            if current is not None:
                self.initial.update(
                    hours=weekly_text(current.hours),
                    breaks=weekly_text(current.breaks),
                    overrides=override_text(current),
                )

    def clean_hours(self) -> tuple[commands.WeeklySpan, ...]:
        return parse_weekly(self.cleaned_data["hours"])

    def clean_breaks(self) -> tuple[commands.WeeklySpan, ...]:
        return parse_weekly(self.cleaned_data["breaks"])

    def clean_overrides(self) -> tuple[commands.OverrideSpan, ...]:
        return parse_overrides(self.cleaned_data["overrides"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None:
            # Adding the schedule a doctor has at a clinic edits it, as the command replaces it.
            existing = rows.Schedule.objects.filter(
                doctor=data.get("doctor"), clinic=data.get("clinic")
            ).first()
            if existing is not None:
                self.instance = existing
        return data

    def full_clean(self) -> None:
        # After every check of the form (Django's model checks come after clean()): the
        # command writes, so it runs only when nothing else will refuse.
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        data = self.cleaned_data
        doctor = data.get("doctor") or self.instance.doctor
        clinic = data.get("clinic") or self.instance.clinic
        try:
            build_bus().handle(
                replace_schedule(
                    data,
                    actor=actor_for(self.request.user),
                    doctor_id=doctor.pk,
                    clinic_id=clinic.pk,
                    force=data["force"],
                )
            )
        except DomainError as refused:
            self.add_error(_field_of(refused, self.fields), _message(refused, clinic.timezone))


class TimeOffForm(forms.ModelForm[rows.TimeOff]):
    force = forms.BooleanField(
        required=False,
        label=_("Add it even over booked visits"),
        help_text=_("They stand, and their patients are asked to choose another time."),
    )
    request: HttpRequest

    class Meta:
        model = rows.TimeOff
        fields = ("doctor", "start", "end", "reason")
        help_texts = {
            "start": _("A Gregorian date (YYYY-MM-DD) and a time on the doctor's clinic's clock."),
            "end": _("A Gregorian date (YYYY-MM-DD) and a time on the doctor's clinic's clock."),
        }

    def full_clean(self) -> None:
        super().full_clean()  # every check of the form first: the command writes
        if not self.is_bound or self.errors:
            return
        data = self.cleaned_data
        zone = _zone_of(data["doctor"])
        try:
            added = build_bus().handle(
                commands.AddTimeOff(
                    actor=actor_for(self.request.user),
                    doctor_id=data["doctor"].pk,
                    start=_on_clock(data["start"], zone),
                    end=_on_clock(data["end"], zone),
                    reason=data["reason"],
                    force=data["force"],
                )
            )
        except DomainError as refused:
            self.add_error(_field_of(refused, self.fields), _message(refused, zone))
        else:
            self.instance.pk = added.time_off_id


def _on_clock(entered: datetime, zone: str | None) -> datetime:
    """The wall time the admin typed, on the clinic's clock: Django's field read it on the
    server's (UTC), so 09:00 for a Tehran doctor was 12:30 at the desk."""
    if zone is None:
        return entered
    return timezone.localtime(entered).replace(tzinfo=ZoneInfo(zone))


def _zone_of(doctor: rows.Doctor) -> str | None:
    """Time off holds at every clinic of the doctor: shown on the first one's clock."""
    clinic = doctor.clinics.order_by("pk").first()
    return clinic.timezone if clinic is not None else None


def _field_of(error: DomainError, fields: dict[str, forms.Field]) -> str | None:
    field = str(error.details.get("field", "")) if isinstance(error, InvalidInput) else ""
    return field if field in fields else None


def _message(error: DomainError, zone: str | None) -> str:
    """The refusal, with each visit in the way on the clinic's clock, in the reader's calendar."""
    if isinstance(error, ScheduleConflict):
        separator = "؛ " if local_dates.is_persian(orm_admin.reader()) else "; "
        listed = separator.join(
            strip_tags(orm_admin.clock(slot.start, zone))
            for _, slot in error.details["appointments"]
        )
        return f"{error_text(error)} ({listed})"
    return error_text(error)


class CommandAdmin(orm_admin.GuardedAdmin[Any]):
    """The form's clean() ran the command: saving the row again would bypass it."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})  # whose command it is

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass


@admin.register(rows.Schedule)
class ScheduleAdmin(CommandAdmin):
    form = ScheduleForm
    list_display = ("doctor", "clinic", "slot_minutes", "requires_approval")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("doctor", "clinic") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        doctor = form.cleaned_data.get("doctor") or obj.doctor
        clinic = form.cleaned_data.get("clinic") or obj.clinic
        obj.pk = rows.Schedule.objects.get(doctor=doctor, clinic=clinic).pk  # for the redirect

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a doctor stops seeing patients at a clinic by other means


@admin.register(rows.TimeOff)
class TimeOffAdmin(CommandAdmin):
    form = TimeOffForm
    list_display = ("doctor", "starts", "ends", "reason")
    list_select_related = ("doctor__user",)

    @admin.display(description=_("start"), ordering="start")
    def starts(self, period: rows.TimeOff) -> SafeString:
        return orm_admin.clock(period.start, _zone_of(period.doctor))

    @admin.display(description=_("end"), ordering="end")
    def ends(self, period: rows.TimeOff) -> SafeString:
        return orm_admin.clock(period.end, _zone_of(period.doctor))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # remove it and add another: each a command, each repainting

    def delete_model(self, request: HttpRequest, obj: rows.TimeOff) -> None:
        build_bus().handle(
            commands.RemoveTimeOff(
                actor=actor_for(request.user), doctor_id=obj.doctor_id, time_off_id=obj.pk
            )
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[rows.TimeOff]) -> None:
        for period in queryset:
            self.delete_model(request, period)
