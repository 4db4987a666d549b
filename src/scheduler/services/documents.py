"""Documents on an appointment: a patient attaches a file, whoever attached it removes it.

The file is written to the private storage before the transaction (a 10 MB write does not hold
the database's lock) and dropped again when the command fails: no file without its row. A
removed document's file is dropped after commit, by the DocumentRemoved event's handler: no row
points at a file already gone, and a failed drop is retried from the outbox.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from scheduler.domain import access, documents
from scheduler.domain.events import DocumentAttached, DocumentRemoved, Event
from scheduler.services import commands
from scheduler.services.ports import Clock, Dependencies, DocumentFiles
from scheduler.services.unit_of_work import UnitOfWork


def attach_document(
    cmd: commands.AttachDocument, uow: UnitOfWork, clock: Clock, files: DocumentFiles
) -> int:
    """The new document's id."""
    kind = documents.kind_of(cmd.content)
    name = documents.file_name(cmd.name, kind)
    stored_name = files.keep(cmd.content, kind)
    try:
        with uow:
            appointment = uow.appointments.get(cmd.appointment_id)
            access.ensure_may_attach_document(cmd.actor, appointment)
            documents.ensure_room(uow.documents.count(appointment.id))
            now = clock()
            document_id = uow.documents.add(
                documents.Document(
                    id=0,
                    appointment_id=appointment.id,
                    uploaded_by=cmd.actor.user_id,
                    name=name,
                    kind=kind,
                    size=len(cmd.content),
                    sha256=hashlib.sha256(cmd.content).hexdigest(),
                    stored_name=stored_name,
                    uploaded_at=now,
                )
            )
            uow.documents.events.append(
                DocumentAttached(
                    occurred_at=now,
                    user_id=cmd.actor.user_id,
                    actor_user_id=cmd.actor.user_id,
                    appointment_id=appointment.id,
                    document_id=document_id,
                    kind=kind.value,
                    size=len(cmd.content),
                )
            )
            uow.commit()
    except BaseException:
        files.drop(stored_name)
        raise
    return document_id


def remove_document(cmd: commands.RemoveDocument, uow: UnitOfWork, clock: Clock) -> None:
    with uow:
        appointment = uow.appointments.get(cmd.appointment_id)
        access.ensure_may_read_documents_of(cmd.actor, appointment)
        document = uow.documents.get(appointment.id, cmd.document_id)
        access.ensure_may_remove_document(cmd.actor, document.uploaded_by)
        discard(uow, document, actor_user_id=cmd.actor.user_id, now=clock())
        uow.commit()


def discard(
    uow: UnitOfWork, document: documents.Document, *, actor_user_id: int, now: datetime
) -> None:
    """The document's row goes in the unit of work; its file after commit (DocumentRemoved)."""
    uow.documents.remove(document.id)
    uow.documents.events.append(
        DocumentRemoved(
            occurred_at=now,
            user_id=document.uploaded_by,
            actor_user_id=actor_user_id,
            appointment_id=document.appointment_id,
            document_id=document.id,
            stored_name=document.stored_name,
        )
    )


def drop_removed_file(event: Event, deps: Dependencies) -> None:
    """Idempotent: a file already gone is no error."""
    if isinstance(event, DocumentRemoved):
        deps.documents.drop(event.stored_name)


# The commands whose handlers write files: config.bootstrap gives them the storage.
STORING_FILES: frozenset[type[commands.Command]] = frozenset({commands.AttachDocument})
