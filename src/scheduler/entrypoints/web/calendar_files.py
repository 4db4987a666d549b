"""A person's own visits in their calendar app: one booking as an .ics file, a private feed to
subscribe to (``/feeds/<secret>.ics``), and the page where they make, replace or revoke it (its
actions go through the API, ``/api/me/calendar-feed/``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from scheduler.adapters import ical
from scheduler.adapters.orm import calendar_reads
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for, viewer_for
from scheduler.config.bootstrap import utc_now
from scheduler.domain import access
from scheduler.domain.errors import NotAllowed, NotFound
from scheduler.domain.model import Actor, Role
from scheduler.entrypoints.api.throttles import feed_wait
from scheduler.entrypoints.language import supported

CALENDAR_TYPE = "text/calendar; charset=utf-8"


@require_GET
@login_required(login_url="/login/")
def one_booking(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """The booking as a file to add to a calendar: its patient's or its doctor's, no one else's
    (404: they must not learn it exists)."""
    viewer = viewer_for(request.user)
    if viewer is None:
        raise Http404
    try:
        appointment = calendar_reads.own_appointment(viewer=viewer, appointment_id=appointment_id)
    except NotFound:
        raise Http404("No such appointment.") from None
    language = translation.get_language() or settings.LANGUAGE_CODE
    body = ical.calendar_of([appointment], seen=_seen_by(viewer), language=language)
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def feed(request: HttpRequest, secret: str) -> HttpResponse:
    """A private feed: the secret in the address is the key. An unknown, replaced or revoked
    one is a plain 404, like any address that is not there."""
    wait = feed_wait(request)
    if wait is not None:
        response = HttpResponse(status=429)
        response["Retry-After"] = str(wait)
        return response
    holder = calendar_reads.feed_holder(secret=secret)
    if holder is None:
        return _unlisted(HttpResponse(status=404))
    viewer = actor_for(holder)
    body = ical.calendar_of(
        calendar_reads.feed_appointments(holder=holder, now=utc_now()),
        seen=_seen_by(viewer),
        language=_language_of(holder),
        feed=True,
    )
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = 'inline; filename="nobat.ics"'
    response["Cache-Control"] = "private, no-store"
    return _unlisted(response)


@login_required(login_url="/login/")
def feed_page(request: HttpRequest) -> HttpResponse:
    """What a private feed is, with Create / Regenerate / Revoke (through the API)."""
    viewer = viewer_for(request.user)
    refusal = PermissionDenied("Calendar feeds are for patients and verified doctors.")
    if viewer is None:
        raise refusal
    try:
        access.ensure_may_keep_calendar_feed(viewer)
    except NotAllowed:
        raise refusal from None
    created_at = calendar_reads.feed_created_at(user_id=viewer.user_id)
    response = render(request, "web/calendar_feed.html", {"created_at": created_at})
    response["Referrer-Policy"] = "no-referrer"  # the page shows the address once made
    response["Cache-Control"] = "no-store"
    return response


def _seen_by(viewer: Actor) -> ical.Seen:
    return ical.Seen.BY_DOCTOR if viewer.role is Role.DOCTOR else ical.Seen.BY_PATIENT


def _language_of(user: rows.User) -> str:
    """The person's own language (a feed is read by an app, which asks for none)."""
    return supported(user.language) or settings.LANGUAGE_CODE


def _unlisted(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
