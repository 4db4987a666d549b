"""The audit trail on the real databases: one entry per committed event, in the change's
transaction; nothing for a command that changes nothing or fails; and entries that neither
SQL nor the ORM can change or delete."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction

from scheduler.adapters.audit import append_only
from scheduler.adapters.audit.models import SYSTEM, AuditEntry
from scheduler.adapters.audit.origin import Origin, User, current
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, unit_of_work
from scheduler.domain.errors import SlotTaken
from scheduler.services import commands
from tests import factories

pytestmark = pytest.mark.django_db


@contextmanager
def acting(user: Callable[[], User], ip: str | None) -> Iterator[None]:
    """As a request by ``user`` from ``ip`` would (the middleware sets the same)."""
    token = current.set(Origin(user=user, ip=ip))
    try:
        yield
    finally:
        current.reset(token)


def test_each_event_a_command_commits_is_one_entry_naming_it() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    before = set(rows.StoredEvent.objects.values_list("pk", flat=True))

    with acting(lambda: patient.user, "192.0.2.7"):
        booked = build_bus().handle(factories.booking(doctor, patient))

    events = list(rows.StoredEvent.objects.exclude(pk__in=before))
    entries = list(AuditEntry.objects.filter(object_id=str(booked.appointment_id)))
    assert [(e.action, e.detail["event_id"]) for e in entries] == [
        (event.type, str(event.pk)) for event in events
    ]
    [entry] = entries
    assert (entry.actor_id, entry.actor_username, entry.actor_role, entry.ip) == (
        patient.user.pk,
        "",  # a patient by id only: the trail outlives their asking to be forgotten
        "patient",
        "192.0.2.7",
    )
    assert entry.object_type == "appointment"
    assert entry.at == events[0].occurred_at
    # ids only: whom and what it concerns, never a name or a reason
    assert entry.detail == {
        "event_id": str(events[0].pk),
        "appointment_id": str(booked.appointment_id),
        "doctor_id": str(doctor.pk),
        "patient_id": str(patient.pk),
        "clinic_id": str(doctor.clinics.get().pk),
        "actor_user_id": str(patient.user.pk),
    }


def test_outside_a_request_the_site_itself_is_the_actor() -> None:
    doctor, patient = factories.doctor(), factories.patient()

    booked = build_bus().handle(factories.booking(doctor, patient))

    entry = AuditEntry.objects.get(object_id=str(booked.appointment_id))
    assert (entry.actor_id, entry.actor_username, entry.actor_role, entry.ip) == (
        None,
        "",
        SYSTEM,
        None,
    )


def test_a_command_that_changes_nothing_records_nothing() -> None:
    doctor = factories.doctor()  # verified already
    count = AuditEntry.objects.count()

    changed = build_bus().handle(
        commands.VerifyDoctor(actor=factories.actor_of(factories.admin()), doctor_id=doctor.pk)
    )
    with unit_of_work() as uow:
        uow.commit()  # a commit with no events at all

    assert changed is False
    assert AuditEntry.objects.count() == count


def test_a_failed_command_records_nothing() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    build_bus().handle(factories.booking(doctor, patient))
    count = AuditEntry.objects.count()

    with pytest.raises(SlotTaken):
        build_bus().handle(factories.booking(doctor, factories.patient()))

    assert AuditEntry.objects.count() == count


def test_a_change_whose_entry_cannot_be_written_is_not_made() -> None:
    """The entry is written in the change's transaction: failing, it takes the change along."""
    doctor, patient = factories.doctor(), factories.patient()
    appointments, events = rows.Appointment.objects.count(), rows.StoredEvent.objects.count()

    def nobody() -> User:
        raise RuntimeError("who is this?")

    with acting(nobody, "192.0.2.7"), pytest.raises(RuntimeError):
        build_bus().handle(factories.booking(doctor, patient))

    assert rows.Appointment.objects.count() == appointments
    assert rows.StoredEvent.objects.count() == events


def test_entries_keep_who_acted_as_they_were_then() -> None:
    """No foreign key: renaming or deleting a user never reaches into the trail."""
    doctor, patient = factories.doctor(), factories.patient()
    desk = factories.receptionist(doctor.clinics.get())
    with acting(lambda: desk.user, "192.0.2.7"):
        booked = build_bus().handle(factories.booking(doctor, patient))
    username = desk.user.username

    rows.User.objects.filter(pk=desk.user.pk).update(username="renamed")

    entry = AuditEntry.objects.get(object_id=str(booked.appointment_id))
    assert entry.actor_username == username


@pytest.fixture
def entry() -> AuditEntry:
    booked = build_bus().handle(factories.booking(factories.doctor(), factories.patient()))
    return AuditEntry.objects.get(object_id=str(booked.appointment_id))


REFUSED: dict[str, Callable[[AuditEntry], object]] = {
    "SQL UPDATE": lambda e: _sql(
        f"UPDATE {append_only.TABLE} SET actor_username = 'someone' WHERE id = %s", e.pk
    ),
    "SQL DELETE": lambda e: _sql(f"DELETE FROM {append_only.TABLE} WHERE id = %s", e.pk),
    "SQL DELETE all": lambda e: _sql(f"DELETE FROM {append_only.TABLE}"),
    "ORM save": lambda e: AuditEntry(pk=e.pk, at=e.at, actor_role="admin").save(),
    "ORM update": lambda e: AuditEntry.objects.filter(pk=e.pk).update(ip="198.51.100.1"),
    "ORM delete": lambda e: AuditEntry.objects.filter(pk=e.pk).delete(),
    "ORM row delete": lambda e: e.delete(),
}


def _sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize("attempt", list(REFUSED))
def test_the_database_refuses_to_change_or_delete_an_entry(entry: AuditEntry, attempt: str) -> None:
    kept = AuditEntry.objects.values().get(pk=entry.pk)

    with pytest.raises(IntegrityError, match=append_only.REFUSAL), transaction.atomic():
        REFUSED[attempt](entry)

    assert AuditEntry.objects.values().get(pk=entry.pk) == kept
