"""Reads of visit notes, for their readers only (domain.access.may_read_visit_note)."""

from __future__ import annotations

import uuid

from scheduler.adapters.orm import models as rows
from scheduler.domain import access
from scheduler.domain.errors import NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor


def readable_visit(*, viewer: Actor, appointment_id: uuid.UUID) -> rows.Appointment:
    """The visit, with its note if it has one (``visit_note``), for a reader of its note;
    NotFound for anyone else, as for a visit that does not exist."""
    visit = (
        rows.Appointment.objects.select_related("doctor__user", "clinic", "dependant", "visit_note")
        .filter(pk=appointment_id)
        .first()
    )
    if visit is None or not access.may_read_visit_note(
        viewer, doctor_id=visit.doctor_id, patient_id=visit.patient_id
    ):
        raise NotFound(gettext_noop("Appointment not found."))
    return visit


def note_of(visit: rows.Appointment) -> rows.VisitNote | None:
    try:
        return visit.visit_note
    except rows.VisitNote.DoesNotExist:
        return None


def visit_note_get(*, viewer: Actor, appointment_id: uuid.UUID) -> rows.VisitNote:
    """The note of a visit, for its readers; NotFound if the visit has none (yet)."""
    note = note_of(readable_visit(viewer=viewer, appointment_id=appointment_id))
    if note is None:
        raise NotFound(gettext_noop("This visit has no note yet."))
    return note
