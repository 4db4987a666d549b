"""The doctor's hours page (/doctor/hours/): weekly hours and breaks, slot length, notice,
horizon, dates that differ, and days off, at each clinic the doctor works at.

A plain form page: each save is one command on the bus (ReplaceSchedule, AddTimeOff,
RemoveTimeOff). What the domain refuses comes back on its field; a change over booked visits
shows them and offers to go ahead, asking their patients to choose another time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, time, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from scheduler.adapters.local_dates import digits, moment_label, weekday_name
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.actors import viewer_for
from scheduler.config.bootstrap import audit_log, build_bus, utc_now
from scheduler.domain.errors import DomainError, InvalidInput, NotFound, ScheduleConflict
from scheduler.domain.intervals import local_days
from scheduler.domain.model import Actor, Role
from scheduler.domain.schedule import MAX_HORIZON_DAYS, MAX_NOTICE_MINUTES, Schedule, WallInterval
from scheduler.entrypoints import plain_text
from scheduler.entrypoints.error_text import error_text
from scheduler.entrypoints.language import clinic_default
from scheduler.entrypoints.web.params import row_id
from scheduler.entrypoints.web.schedule_text import (
    OVERRIDES_HELP,
    override_text,
    parse_date,
    parse_day,
    parse_overrides,
    replace_schedule,
    spans_text,
)
from scheduler.services import commands
from scheduler.services.audit import Record, read_by_others
from scheduler.services.schedules import AHEAD

SLOT_MINUTES = (10, 15, 20, 30, 40, 45, 60, 90)


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def slot_choices() -> list[tuple[int, str]]:
    """Read when the page is drawn, so the minutes are in the page's digits."""
    return [(minutes, digits(minutes, _language())) for minutes in SLOT_MINUTES]


class NumberInput(forms.TextInput):
    """A whole number typed with any keyboard: a browser's type="number" field drops Persian
    digits, so a text field that asks phones for their digit pad."""

    def __init__(self) -> None:
        super().__init__(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"})

    def format_value(self, value: Any) -> str | None:
        shown = super().format_value(value)
        return None if shown is None else digits(shown, _language())


def accepted(text: str) -> frozenset[uuid.UUID]:
    """The visits the doctor saw in the way and went ahead over (a hidden field of the page)."""
    ids = set()
    for part in text.split(","):
        try:
            ids.add(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return frozenset(ids)


class HoursForm(forms.Form):
    slot_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Length of a visit (minutes)"), choices=slot_choices, coerce=int
    )
    min_notice_minutes = forms.IntegerField(
        label=gettext_lazy("Bookings close this many minutes before a visit"),
        min_value=0,
        max_value=MAX_NOTICE_MINUTES,
        widget=NumberInput(),
    )
    horizon_days = forms.IntegerField(
        label=gettext_lazy("Bookings open this many days ahead"),
        min_value=1,
        max_value=MAX_HORIZON_DAYS,
        widget=NumberInput(),
    )
    requires_approval = forms.BooleanField(
        label=gettext_lazy("I confirm each request by hand"), required=False
    )
    overrides = forms.CharField(
        label=gettext_lazy("Dates that differ"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=OVERRIDES_HELP,
    )
    accept = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday in range(7):
            name = weekday_name(weekday, _language())
            for kind, label in (
                ("hours", gettext_lazy("hours")),
                ("breaks", gettext_lazy("breaks")),
            ):
                attrs = {"dir": "ltr"}
                if kind == "hours":
                    attrs["placeholder"] = str(gettext_lazy("closed"))
                self.fields[f"{kind}_{weekday}"] = forms.CharField(
                    label=f"{name}: {label}", required=False, widget=forms.TextInput(attrs=attrs)
                )

    def example(self) -> str:
        """Two spans of a day as the page writes them, for the hint under the week."""
        language = _language()
        spans = [WallInterval(time(9), time(13)), WallInterval(time(14), time(18))]
        return digits(spans_text(spans, language), language)

    def week(self) -> list[dict[str, Any]]:
        """The weekday rows of the table, from the clinics' first weekday (as the agenda's
        weeks): name and its two fields."""
        first = (settings.WEEK_STARTS_ON - 1) % 7  # JavaScript's 0 = Sunday; Python's 6
        order = [(first + offset) % 7 for offset in range(7)]
        return [
            {
                "name": weekday_name(day, _language()),
                "hours": self[f"hours_{day}"],
                "breaks": self[f"breaks_{day}"],
            }
            for day in order
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in ("hours", "breaks"):
            spans: list[commands.WeeklySpan] = []
            for day in range(7):
                try:
                    spans += parse_day(day, data.get(f"{kind}_{day}", ""))
                except forms.ValidationError as error:
                    self.add_error(f"{kind}_{day}", error)
            data[kind] = tuple(spans)
        try:
            data["overrides"] = parse_overrides(data.get("overrides", ""))
        except forms.ValidationError as error:
            self.add_error("overrides", error)
        return data

    @staticmethod
    def initial_for(schedule: Schedule) -> dict[str, Any]:
        """The schedule as the doctor types it, in the page's digits (read back either way)."""
        language = _language()
        initial: dict[str, Any] = {
            "slot_minutes": schedule.slot_minutes,
            "min_notice_minutes": schedule.min_notice_minutes,
            "horizon_days": schedule.horizon_days,
            "requires_approval": schedule.requires_approval,
            "overrides": digits(override_text(schedule, language), language),
        }
        for day in range(7):
            for kind, spans in (("hours", schedule.hours), ("breaks", schedule.breaks)):
                text = spans_text([w.span for w in spans if w.weekday == day], language)
                initial[f"{kind}_{day}"] = digits(text, language)
        return initial


def plain_text_only(value: str) -> None:
    if not plain_text.is_plain(value):
        raise ValidationError(_("Use letters, digits, spaces and punctuation only."))


class DayField(forms.DateField):
    """A date picker's ISO day, or one typed without it: Persian digits, a Jalali date."""

    widget = forms.DateInput(attrs={"type": "date"})

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        return parse_date(str(value)[:40])


class TimeOffForm(forms.Form):
    first_day = DayField(label=gettext_lazy("From"))
    last_day = DayField(label=gettext_lazy("To (inclusive)"))
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        max_length=200,
        required=False,
        validators=[plain_text_only],
    )
    accept = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        today = utc_now().date()
        if first and first < today - timedelta(days=1):
            self.add_error("first_day", _("Days off start today or later."))
        if last and last > today + AHEAD:
            self.add_error("last_day", _("Days off end within five years."))
        if first and last and last < first:
            self.add_error("last_day", _("The last day comes after the first."))
        return data


Page = Callable[[HttpRequest, Actor, rows.Doctor, rows.Clinic], HttpResponse]


def doctors_own(view: Page) -> Callable[[HttpRequest], HttpResponse]:
    """Signed in as a doctor: the view gets the doctor and the clinic chosen (?clinic=)."""

    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        viewer = viewer_for(request.user)
        if viewer is None:
            back = request.get_full_path() if request.method == "GET" else reverse("hours")
            return redirect_to_login(back, login_url=reverse("login"))
        if viewer.role is not Role.DOCTOR or viewer.doctor_id is None:
            return render(request, "web/hours_not_doctor.html", status=403)
        doctor = selectors.doctor_get(doctor_id=viewer.doctor_id, viewer=viewer)
        try:
            clinic = selectors.doctor_clinic(
                doctor=doctor, clinic_id=row_id(request.GET.get("clinic"))
            )
        except (InvalidInput, NotFound):
            first = doctor.clinics.order_by("pk").first()
            if first is None:
                return render(request, "web/hours_not_doctor.html", status=404)
            clinic = first
        clinic_default(request, clinic.language)
        return view(request, viewer, doctor, clinic)

    return wrapped


@require_http_methods(["GET", "POST"])
@doctors_own
def hours(
    request: HttpRequest, viewer: Actor, doctor: rows.Doctor, clinic: rows.Clinic
) -> HttpResponse:
    schedule = selectors.schedule_get(viewer=viewer, doctor=doctor, clinic=clinic)
    form = HoursForm(request.POST or None, initial=HoursForm.initial_for(schedule))
    conflict: ScheduleConflict | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        command = replace_schedule(
            data,
            actor=viewer,
            doctor_id=doctor.pk,
            clinic_id=clinic.pk,
            accept=accepted(data["accept"]),
        )
        conflict = _run(request, form, command, _("Your hours are saved."))
        if conflict is None and form.is_valid():
            return _back(clinic)
    return _render(request, doctor, clinic, hours_form=form, hours_conflict=conflict)


@require_POST
@doctors_own
def add_time_off(
    request: HttpRequest, viewer: Actor, doctor: rows.Doctor, clinic: rows.Clinic
) -> HttpResponse:
    form = TimeOffForm(request.POST)
    conflict: ScheduleConflict | None = None
    if form.is_valid():
        data = form.cleaned_data
        away = local_days(data["first_day"], data["last_day"], ZoneInfo(clinic.timezone))
        command = commands.AddTimeOff(
            actor=viewer,
            doctor_id=doctor.pk,
            start=away.start,
            end=away.end,
            reason=data["reason"],
            accept=accepted(data["accept"]),
        )
        conflict = _run(request, form, command, _("Your days off are saved."))
        if conflict is None and form.is_valid():
            return _back(clinic)
    return _render(request, doctor, clinic, time_off_form=form, time_off_conflict=conflict)


@require_POST
@doctors_own
def remove_time_off(
    request: HttpRequest, viewer: Actor, doctor: rows.Doctor, clinic: rows.Clinic
) -> HttpResponse:
    try:
        build_bus().handle(
            commands.RemoveTimeOff(
                actor=viewer,
                doctor_id=doctor.pk,
                time_off_id=row_id(request.POST.get("time_off")) or 0,
            )
        )
    except NotFound:
        messages.error(request, _("Those days off were removed already."))
    else:
        messages.success(request, _("Those days are open for bookings again."))
    return _back(clinic)


def _run(
    request: HttpRequest, form: forms.Form, command: commands.ScheduleChange, saved: str
) -> ScheduleConflict | None:
    """Run the command; a refusal goes onto the form (on its field where it names one), a
    conflict is returned for the page to show with a way to go ahead."""
    try:
        build_bus().handle(command)
    except ScheduleConflict as conflict:
        return conflict
    except DomainError as refused:
        field = str(refused.details.get("field", ""))
        form.add_error(_form_field(field, form), error_text(refused))
        return None
    messages.success(request, saved)
    return None


def _form_field(field: str, form: forms.Form) -> str | None:
    if field in form.fields:
        return field
    return None  # e.g. "hours" as a whole: shown above the form


def _render(
    request: HttpRequest, doctor: rows.Doctor, clinic: rows.Clinic, **parts: Any
) -> HttpResponse:
    viewer = viewer_for(request.user)
    assert viewer is not None
    if "hours_form" not in parts:
        schedule = selectors.schedule_get(viewer=viewer, doctor=doctor, clinic=clinic)
        parts["hours_form"] = HoursForm(initial=HoursForm.initial_for(schedule))
    parts.setdefault("time_off_form", TimeOffForm())
    now = utc_now()
    away = selectors.time_off_list(viewer=viewer, doctor=doctor).filter(end__gt=now)
    zone = ZoneInfo(clinic.timezone)
    conflict = parts.get("hours_conflict") or parts.get("time_off_conflict")
    context = {
        "doctor": doctor,
        "clinic": clinic,
        "clinics": list(doctor.clinics.order_by("name")),
        "time_off": [
            {
                "id": period.pk,
                "first_day": period.start.astimezone(zone).date(),
                "last_day": (period.end.astimezone(zone) - timedelta(microseconds=1)).date(),
                "reason": period.reason,
            }
            for period in away
        ],
        "hit": (hit := _visits(viewer, conflict) if conflict else []),
        "hit_ids": ",".join(visit["id"] for visit in hit),
        **parts,
    }
    status = 400 if any(f.errors for f in (parts["hours_form"], parts["time_off_form"])) else 200
    return render(request, "web/hours.html", context, status=409 if conflict else status)


def _visits(viewer: Actor, conflict: ScheduleConflict) -> list[dict[str, Any]]:
    """The visits in the way, as the viewer may see them: when (on their clinic's clock),
    where, and who (a read, for the audit trail)."""
    visits = []
    shown = [
        selectors.appointment_get(viewer=viewer, appointment_id=appointment_id)
        for appointment_id, _slot in conflict.details.get("appointments", [])
    ]
    read = read_by_others(viewer, ((visit.pk, visit.patient_id) for visit in shown))
    audit_log().record_reads(Record.APPOINTMENT, read)
    for visit in shown:
        person = visit.patient.user
        visits.append(
            {
                "id": str(visit.pk),
                "when": moment_label(visit.start, visit.clinic.timezone, _language()),
                "clinic": visit.clinic.name,
                "patient": person.display_name(),
            }
        )
    return visits


def _back(clinic: rows.Clinic) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('hours')}?clinic={clinic.pk}")


urlpatterns: list[URLPattern] = [
    path("", hours, name="hours"),
    path("time-off/", add_time_off, name="hours-time-off"),
    path("time-off/remove/", remove_time_off, name="hours-time-off-remove"),
]
