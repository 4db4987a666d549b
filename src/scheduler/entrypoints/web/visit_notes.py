"""Visit notes on the pages: the doctor's form (from their day, on a completed visit) and the note
as the patient reads it on the visit's page, with the follow-up the doctor proposes. Thin: read
through the selectors, render; the writing and the booking go through the REST API
(static/web/visit_note.js, static/web/visit_note_read.js)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import viewer_for
from scheduler.adapters.orm.visit_notes import note_of, readable_visit
from scheduler.config.bootstrap import audit_log, utc_now
from scheduler.domain import visit_notes
from scheduler.domain.appointment import ACTIVE, Status
from scheduler.domain.errors import NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Role
from scheduler.entrypoints.language import clinic_default
from scheduler.services.audit import Record, read_by_others

# Where the follow-up's day picker opens when none is proposed yet: a week after the visit.
FOLLOW_UP_AFTER = timedelta(days=7)


@login_required(login_url="/login/")
def note_form(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """The visit's doctor writes or amends its note; anyone else finds no such page."""
    viewer = viewer_for(request.user)
    try:
        if viewer is None or viewer.role is not Role.DOCTOR:
            raise NotFound(gettext_noop("Appointment not found."))
        visit = readable_visit(viewer=viewer, appointment_id=appointment_id)
    except NotFound:
        raise Http404("No such visit.") from None
    clinic_default(request, visit.clinic.language)
    note = note_of(visit)
    if note is not None:
        audit_log().record_reads(
            Record.VISIT_NOTE, read_by_others(viewer, [(visit.pk, visit.patient_id)])
        )
    zone = ZoneInfo(visit.clinic.timezone)
    now = utc_now()
    opens_on = note.follow_up_start if note and note.follow_up_start else None
    opens_on = opens_on or max(visit.start + FOLLOW_UP_AFTER, now)
    return render(
        request,
        "web/visit_note_form.html",
        {
            "visit": visit,
            "note": note,
            "completed": visit.status == Status.FULFILLED,
            "prescriptions": note.prescriptions if note else [],
            "first_day": opens_on.astimezone(zone).date(),
            "limits": {
                "summary": visit_notes.MAX_SUMMARY,
                "instructions": visit_notes.MAX_INSTRUCTIONS,
                "drug": visit_notes.MAX_DRUG,
                "line": visit_notes.MAX_LINE,
                "prescriptions": visit_notes.MAX_PRESCRIPTIONS,
            },
        },
    )


@dataclass(frozen=True)
class FollowUp:
    """The follow-up the doctor proposes, as its patient sees it on the visit's page."""

    start: datetime
    booked: rows.Appointment | None  # the patient's booking at that time with the doctor
    open: bool  # still ahead, and not booked: "Book it" is offered


def for_patient(visit: rows.Appointment, now: datetime) -> dict[str, object]:
    """The note of the patient's own visit (the caller checked it is theirs), for its page."""
    note = note_of(visit)
    if note is None:
        return {"note": None}
    follow_up = None
    if note.follow_up_start is not None:
        booked = (
            rows.Appointment.objects.filter(
                patient_id=visit.patient_id,
                doctor_id=visit.doctor_id,
                start=note.follow_up_start,
                status__in=[str(status) for status in ACTIVE],
            )
            .order_by("created_at")
            .first()
        )
        follow_up = FollowUp(
            start=note.follow_up_start,
            booked=booked,
            open=booked is None and note.follow_up_start > now,
        )
    return {"note": note, "follow_up": follow_up}
