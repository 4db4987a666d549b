"""Appointments' documents in the database: the repository the unit of work hands out, and the
reads the API and the pages share (each checks who may read before it answers)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from scheduler.adapters.orm import models as rows
from scheduler.domain import access
from scheduler.domain.documents import Document, Kind
from scheduler.domain.errors import NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.services import unit_of_work as ports


def _not_found() -> NotFound:
    return NotFound(gettext_noop("Document not found."))


class DjangoDocumentRepository(ports.DocumentRepository):
    def count(self, appointment_id: uuid.UUID) -> int:
        # The appointment's row stays locked until the unit of work ends: on PostgreSQL (READ
        # COMMITTED) uploads racing for the last room would each miss the others' rows.
        locked = rows.Appointment.objects.select_for_update().filter(pk=appointment_id)
        list(locked.values_list("pk", flat=True))
        return rows.AppointmentDocument.objects.filter(appointment_id=appointment_id).count()

    def add(self, document: Document) -> int:
        row = rows.AppointmentDocument.objects.create(
            appointment_id=document.appointment_id,
            uploaded_by_id=document.uploaded_by,
            name=document.name,
            kind=document.kind.value,
            size=document.size,
            sha256=document.sha256,
            stored_name=document.stored_name,
            uploaded_at=document.uploaded_at,
        )
        return row.pk

    def get(self, appointment_id: uuid.UUID, document_id: int) -> Document:
        row = rows.AppointmentDocument.objects.filter(
            pk=document_id, appointment_id=appointment_id
        ).first()
        if row is None:
            raise _not_found()
        return _document(row)

    def remove(self, document_id: int) -> None:
        rows.AppointmentDocument.objects.filter(pk=document_id).delete()

    def attached_by(self, user_id: int) -> list[Document]:
        found = rows.AppointmentDocument.objects.filter(uploaded_by_id=user_id).order_by("pk")
        return [_document(row) for row in found]


def _document(row: rows.AppointmentDocument) -> Document:
    return Document(
        id=row.pk,
        appointment_id=row.appointment_id,
        uploaded_by=row.uploaded_by_id,
        name=row.name,
        kind=Kind(row.kind),
        size=row.size,
        sha256=row.sha256,
        stored_name=row.stored_name,
        uploaded_at=row.uploaded_at,
    )


def document_list(
    *, viewer: Actor, appointment_id: uuid.UUID
) -> QuerySet[rows.AppointmentDocument]:
    """The appointment's documents, oldest first; NotFound or NotAllowed as
    access.ensure_may_read_documents says."""
    booking = rows.Appointment.objects.filter(pk=appointment_id).values(
        "doctor_id", "clinic_id", "patient_id"
    )
    found = booking.first()
    if found is None:
        raise NotFound(gettext_noop("Appointment not found."))
    access.ensure_may_read_documents(viewer, **found)
    return rows.AppointmentDocument.objects.filter(appointment_id=appointment_id)


def document_get(
    *, viewer: Actor, appointment_id: uuid.UUID, document_id: int
) -> rows.AppointmentDocument:
    row = document_list(viewer=viewer, appointment_id=appointment_id).filter(pk=document_id).first()
    if row is None:
        raise _not_found()
    return row
