"""A patient's own appointments: the list (upcoming, then past and cancelled) and one booking's
page, where it is cancelled or moved. Thin: read through selectors, decide with the domain's
rules, render; the changes go through the REST API (static/web/my_appointments.js), and the
doctor's or the desk's changes arrive on the patient's socket (/ws/me/appointments/)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors, waitlist_reads
from scheduler.adapters.orm.actors import viewer_for
from scheduler.adapters.orm.visit_notes import note_of
from scheduler.config.bootstrap import utc_now
from scheduler.domain import access, documents, rules
from scheduler.domain.appointment import ACTIVE, RESCHEDULABLE, TRANSITIONS, Status
from scheduler.domain.errors import NotAllowed
from scheduler.domain.messages import Span
from scheduler.domain.model import Role
from scheduler.entrypoints.error_text import language, shown
from scheduler.entrypoints.language import clinic_default
from scheduler.entrypoints.web import visit_notes, waitlist_pages

# The past is long: a page of it at a time, the newest first.
PAST_A_PAGE = 10
# What is ahead is short; a bound all the same, so a page is never a thousand rows.
UPCOMING_AT_MOST = 50

# A status as its patient reads it (the API's words are FHIR's, the desk's are the clinic's).
STATUS_WORDS: dict[str, Promise] = {
    Status.PENDING: pgettext_lazy("status for the patient", "waiting for the doctor"),
    Status.BOOKED: pgettext_lazy("status for the patient", "confirmed"),
    Status.ARRIVED: pgettext_lazy("status for the patient", "checked in"),
    Status.IN_CONSULTATION: pgettext_lazy("status for the patient", "with the doctor"),
    Status.FULFILLED: pgettext_lazy("status for the patient", "completed"),
    Status.CANCELLED: pgettext_lazy("status for the patient", "cancelled"),
    Status.REJECTED: pgettext_lazy("status for the patient", "declined by the doctor"),
    Status.NOSHOW: pgettext_lazy("status for the patient", "missed"),
}


@dataclass(frozen=True)
class Visit:
    """One booking as its patient's pages show it, with what they may still do to it."""

    row: rows.Appointment
    now: datetime

    @property
    def status_words(self) -> str:
        return str(STATUS_WORDS.get(self.row.status, self.row.status))

    @property
    def zone(self) -> str:
        return self.row.clinic.timezone

    @property
    def local_start(self) -> datetime:
        return self.row.start.astimezone(ZoneInfo(self.zone))

    @property
    def ahead(self) -> bool:
        return self.row.end > self.now and Status(self.row.status) in ACTIVE

    @property
    def changes_until(self) -> datetime | None:
        """When the clinic's cut-off closes the patient's own cancelling and moving."""
        return rules.patient_changes_until(self.row.start, self.row.clinic.cancel_cutoff_minutes)

    @property
    def past_cutoff(self) -> bool:
        until = self.changes_until
        return self.ahead and until is not None and self.now >= until

    @property
    def may_cancel(self) -> bool:
        return (
            self.ahead
            and not self.past_cutoff
            and Status.CANCELLED in TRANSITIONS[Status(self.row.status)]
        )

    @property
    def may_move(self) -> bool:
        return self.ahead and not self.past_cutoff and Status(self.row.status) in RESCHEDULABLE

    @property
    def clinics_reason(self) -> str:
        """Why the doctor declined it or the clinic cancelled it, as they told the patient
        (by email too); "" for the patient's own cancelling, or none given."""
        if self.row.status not in (Status.REJECTED, Status.CANCELLED):
            return ""
        changes = list(self.row.history.all())  # in order (selectors.own_appointments_shown)
        last = changes[-1] if changes else None
        if last is None or last.actor is None or last.actor.role == Role.PATIENT:
            return ""
        return last.note

    @property
    def has_note(self) -> bool:
        """The doctor wrote the visit's note (read with the row: own_appointments)."""
        return note_of(self.row) is not None

    @property
    def cutoff_words(self) -> str:
        """The cut-off in words ("2 hours"), as the domain's refusal says it."""
        return str(shown(Span(self.row.clinic.cancel_cutoff_minutes), language()))


def _patient_id(request: HttpRequest) -> int:
    try:
        return access.own_patient_id(viewer_for(request.user))
    except NotAllowed:
        raise PermissionDenied("This page is for patients.") from None


def _visit(request: HttpRequest, appointment_id: uuid.UUID) -> Visit:
    """The patient's own booking; 404 for any other (and for staff): not even that it exists."""
    try:
        patient_id = access.own_patient_id(viewer_for(request.user))
    except NotAllowed:
        raise Http404("No such appointment.") from None
    row = selectors.own_appointments_shown(patient_id=patient_id).filter(pk=appointment_id).first()
    if row is None:
        raise Http404("No such appointment.")
    return Visit(row, utc_now())


@login_required(login_url="/login/")
def appointment_list(request: HttpRequest) -> HttpResponse:
    now = utc_now()
    mine = selectors.own_appointments_shown(patient_id=_patient_id(request))
    ahead = Q(end__gt=now, status__in=[str(status) for status in ACTIVE])
    upcoming = mine.filter(ahead).order_by("start")[:UPCOMING_AT_MOST]
    past = Paginator(mine.exclude(ahead).order_by("-start"), PAST_A_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/my_appointments.html",
        {
            "upcoming": [Visit(row, now) for row in upcoming],
            "past": [Visit(row, now) for row in past],
            "past_page": past,
            "upcoming_at_most": UPCOMING_AT_MOST,
            "places": waitlist_pages.my_places(request),
        },
    )


@login_required(login_url="/login/")
def appointment_page(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    visit = _visit(request, appointment_id)
    clinic_default(request, visit.row.clinic.language)
    return render(
        request,
        "web/my_appointment.html",
        {
            "visit": visit,
            # From a waitlist offer's Take it; said only of a visit that was one (found in
            # review: ?taken=1 made any visit's page say so).
            "just_taken": request.GET.get("taken") == "1"
            and waitlist_reads.taken_from_an_offer(visit.row.pk),
            "first_day": visit.local_start.date(),
            "patient_id": visit.row.patient_id,
            **visit_notes.for_patient(visit.row, visit.now),
            # The documents' section (web/documents.html): a cancelled visit keeps its files.
            "may_attach": Status(visit.row.status) not in access.CLOSED_TO_DOCUMENTS,
            "max_megabytes": documents.MAX_BYTES // (1024 * 1024),
            "max_bytes": documents.MAX_BYTES,
        },
    )


@login_required(login_url="/login/")
def appointment_row(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """One booking's row as it is now: what a page puts in place of the old one when the
    booking changed (here, or by the doctor or the desk)."""
    visit = _visit(request, appointment_id)
    detail = request.GET.get("detail") == "1"
    return render(request, "web/my_visit.html", {"visit": visit, "detail": detail})
