"""The doctor's Google Calendar page: connect, choose calendars, watch the sync, disconnect.

Under /doctor/calendar/, for signed-in doctors. Google is asked on this page (the calendar
list) but never on a booking's path.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from scheduler.adapters.gcal import actors, connections, oauth, sync, watch
from scheduler.adapters.gcal.models import BusyBlock, CalendarConnection, CalendarFeed
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import InvalidInput, NotAllowed
from scheduler.entrypoints.language import clinic_default
from scheduler.services import commands
from scheduler.services.calendar_sync import (
    CalendarError,
)
from scheduler.services.calendar_values import CalendarInfo, Detail

log = logging.getLogger(__name__)

SESSION_KEY = "gcal_oauth"
DETAIL_LABELS = {
    Detail.NONE: gettext_lazy("Nothing about the patient: “Appointment”"),
    Detail.FIRST_NAME: gettext_lazy("The patient's first name"),
    Detail.FIRST_NAME_REASON: gettext_lazy("First name and a short label of the reason (default)"),
    Detail.FULL: gettext_lazy("Full name and the whole reason"),
}

# What a last fault means to the doctor, by the fault's kind (its details follow).
# The choice's refusals, by the field at fault, in the page's language.
CHOICE_PROBLEMS = {
    "target": gettext_lazy("Choose a calendar you may write to for the appointments."),
    "detail": gettext_lazy("Choose what the appointment events show of the patient."),
}

PROBLEMS = {
    "CalendarUnavailable": gettext_lazy("Google did not answer; Nobat tries again by itself."),
    "CalendarRejected": gettext_lazy("Google refused what Nobat asked of this calendar."),
    "CalendarGone": gettext_lazy("Google no longer has this calendar for your account."),
    "EventLocked": gettext_lazy("Google would not let Nobat change an appointment's event."),
    "CalendarAccessRevoked": gettext_lazy("Google no longer accepts Nobat's access."),
}

DoctorView = Callable[[HttpRequest, int], HttpResponse]


def doctor_page(view: DoctorView) -> Callable[[HttpRequest], HttpResponse]:
    """Signed in, and a doctor: the view gets the doctor's id. Signing in comes back to the
    page itself, never to a form's POST-only address."""

    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            back = request.get_full_path() if request.method == "GET" else reverse("gcal-status")
            return redirect_to_login(back, login_url=reverse("login"))
        try:
            doctor_id = actor_for(request.user).doctor_id
        except NotAllowed:
            doctor_id = None
        if doctor_id is None:
            return render(request, "web/calendar_not_doctor.html", status=403)
        _speak_as_clinic(request, doctor_id)
        return view(request, doctor_id)

    return wrapped


@require_GET
@doctor_page
def status(request: HttpRequest, doctor_id: int) -> HttpResponse:
    row = connections.connection_of(doctor_id)
    calendars: list[CalendarInfo] = []
    calendars_error = ""
    if row is not None and row.state == CalendarConnection.State.CONNECTED:
        try:
            calendars = connections.calendars(doctor_id)
        except CalendarError as error:
            calendars_error = str(error)
    busy_ids = set(row.feeds.values_list("calendar_id", flat=True)) if row else set()
    target = _target_of(row, calendars) if row else None
    context: dict[str, Any] = {
        "configured": oauth.is_configured(),
        "connection": row,
        "broken": row is not None and row.state == CalendarConnection.State.BROKEN,
        "calendars": [
            {
                "info": calendar,
                "target": target is not None and calendar.id == target.id,
                "busy": calendar.id in busy_ids or (calendar.primary and "primary" in busy_ids),
            }
            for calendar in calendars
        ],
        "calendars_error": calendars_error,
        "target": target,
        # A target Google no longer lists: the appointments have nowhere to go.
        "target_lost": bool(row and row.target_calendar and calendars and target is None),
        "connection_problem": PROBLEMS.get(row.last_error.split(":", 1)[0], "") if row else "",
        "feeds": _feed_rows(list(row.feeds.order_by("pk")), calendars) if row else [],
        "details": [(detail.value, label) for detail, label in DETAIL_LABELS.items()],
        "upcoming_busy": BusyBlock.objects.filter(
            doctor_id=doctor_id, end__gt=datetime.now(UTC)
        ).count(),
        "push_channels": watch.enabled(),
        "zone": connections.zone_of(doctor_id),
    }
    return render(request, "web/calendar.html", context)


@require_POST
@doctor_page
def connect(request: HttpRequest, doctor_id: int) -> HttpResponse:
    if not oauth.is_configured():
        messages.error(request, _("Google Calendar is not set up on this server."))
        return redirect("gcal-status")
    state, verifier = oauth.new_state(), oauth.new_code_verifier()
    request.session[SESSION_KEY] = {"state": state, "verifier": verifier, "doctor": doctor_id}
    url = oauth.authorization_url(
        state=state, code_verifier=verifier, redirect_uri=_redirect_uri(request)
    )
    return HttpResponseRedirect(url)


@require_GET
@doctor_page
def callback(request: HttpRequest, doctor_id: int) -> HttpResponse:
    expected = request.session.get(SESSION_KEY) or {}
    state = request.GET.get("state", "").encode("utf-8", "replace")
    if (
        not state
        or expected.get("doctor") != doctor_id
        or not hmac.compare_digest(str(expected.get("state", "")).encode(), state)
    ):
        # A stray or forged link does not end a sign-in still under way.
        messages.error(request, _("That sign-in link is not from this session; connect again."))
        return redirect("gcal-status")
    del request.session[SESSION_KEY]  # one use
    if "error" in request.GET or not request.GET.get("code"):
        messages.error(request, _("Google Calendar was not connected: access was not allowed."))
        return redirect("gcal-status")
    try:
        grant = oauth.exchange_code(
            request.GET["code"],
            redirect_uri=_redirect_uri(request),
            code_verifier=str(expected.get("verifier", "")),
        )
    except oauth.OAuthError as error:
        messages.error(request, str(error))
        return redirect("gcal-status")
    row = connections.connect(doctor_id, grant)
    _bring_events_in_place(doctor_id, row.target_calendar)
    actors.request_pull(doctor_id)
    messages.success(
        request,
        _("Connected %(account)s. Choose your calendars below.")
        % {"account": row.account or _("your Google account")},
    )
    return redirect("gcal-status")


@require_POST
@doctor_page
def choose(request: HttpRequest, doctor_id: int) -> HttpResponse:
    row = connections.connection_of(doctor_id)
    if row is None:
        return redirect("gcal-status")
    try:
        known = {calendar.id: calendar for calendar in connections.calendars(doctor_id)}
    except CalendarError as error:
        messages.error(
            request, _("Your calendars could not be read from Google: %(error)s") % {"error": error}
        )
        return redirect("gcal-status")
    if "target" not in request.POST:
        messages.error(request, _("Choose which calendar receives your appointments, or “None”."))
        return redirect("gcal-status")
    try:
        build_bus().handle(
            commands.ChooseCalendars(
                actor=actor_for(request.user),
                doctor_id=doctor_id,
                target_calendar=request.POST["target"],
                busy_calendars=tuple(request.POST.getlist("busy")),
                detail=request.POST.get("detail", row.detail),
                listed=tuple(known.values()),
            )
        )
    except InvalidInput as error:
        messages.error(request, CHOICE_PROBLEMS.get(error.details.get("field", ""), str(error)))
        return redirect("gcal-status")
    messages.success(request, _("Saved. Busy times are being read from the chosen calendars."))
    return redirect("gcal-status")


@require_POST
@doctor_page
def sync_now(request: HttpRequest, doctor_id: int) -> HttpResponse:
    if connections.connection_of(doctor_id) is not None:
        actors.request_pull(doctor_id)
        messages.success(request, _("Busy times will be read again in a moment."))
    return redirect("gcal-status")


@require_POST
@doctor_page
def disconnect(request: HttpRequest, doctor_id: int) -> HttpResponse:
    if connections.connection_of(doctor_id) is None:
        return redirect("gcal-status")
    if sync.disconnect(doctor_id):
        messages.success(request, _("Disconnected. Google has revoked Nobat's access."))
    else:
        messages.warning(
            request,
            _(
                "Disconnected and the tokens deleted, but Google did not confirm the revocation: "
                "you can remove Nobat in your Google account's third-party access settings."
            ),
        )
    return redirect("gcal-status")


def _bring_events_in_place(doctor_id: int, target: str) -> None:
    """Upcoming appointments go to the target (those booked before connecting too), and events
    in a calendar no longer chosen move or go."""
    for appointment_id in connections.out_of_place(doctor_id, target, datetime.now(UTC)):
        actors.push_appointment.send(str(appointment_id))


def _speak_as_clinic(request: HttpRequest, doctor_id: int) -> None:
    """The page speaks as the doctor's clinic (the first, whose clock it shows) to a doctor who
    chose no language."""
    language = (
        rows.Clinic.objects.filter(doctors__pk=doctor_id)
        .order_by("pk")
        .values_list("language", flat=True)
        .first()
    )
    if language:
        clinic_default(request, language)


def _target_of(row: CalendarConnection, calendars: list[CalendarInfo]) -> CalendarInfo | None:
    """The calendar receiving the appointments, as Google lists it now (None: none or lost)."""
    return next(
        (
            calendar
            for calendar in calendars
            if calendar.id == row.target_calendar
            or (row.target_calendar == "primary" and calendar.primary)
        ),
        None,
    )


def _feed_rows(feeds: list[CalendarFeed], calendars: list[CalendarInfo]) -> list[dict[str, Any]]:
    """Each busy calendar with the name Google shows for it now, and its problem in words."""
    names = {calendar.id: calendar.summary for calendar in calendars}
    names["primary"] = next((c.summary for c in calendars if c.primary), "") or _("Primary")
    return [
        {
            "feed": feed,
            "name": names.get(feed.calendar_id) or feed.summary or feed.calendar_id,
            "problem": PROBLEMS.get(feed.last_error.split(":", 1)[0], ""),
        }
        for feed in feeds
    ]


def _redirect_uri(request: HttpRequest) -> str:
    return settings.GCAL_REDIRECT_URI or request.build_absolute_uri(reverse("gcal-callback"))


urlpatterns: list[URLPattern] = [
    path("", status, name="gcal-status"),
    path("connect/", connect, name="gcal-connect"),
    path("callback/", callback, name="gcal-callback"),
    path("calendars/", choose, name="gcal-choose"),
    path("sync/", sync_now, name="gcal-sync"),
    path("disconnect/", disconnect, name="gcal-disconnect"),
]
