"""Family members on a patient's account, and booking for them, through the bus with the
in-memory unit of work."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.domain import events
from scheduler.domain.appointment import MAX_REASON
from scheduler.domain.dependants import MAX_NAME, MAX_PER_ACCOUNT, Relation
from scheduler.domain.errors import InvalidInput, NotAllowed, NotFound, SlotTaken
from scheduler.services import commands
from tests.unit.test_handlers import (
    DESK,
    DOCTOR_1,
    DR_ONE,
    PATIENT_10,
    PATIENT_11,
    TUESDAY,
    Clinic,
    at,
    clinic,
)

__all__ = ["clinic"]  # the fixture, shared with the booking tests

BIRTH = date(2019, 4, 2)


def add(clinic: Clinic, actor: commands.Actor = PATIENT_10, **changes: object) -> int:
    fields: dict[str, object] = {
        "first_name": "Arash",
        "last_name": "Karimi",
        "birth_date": BIRTH,
        "relation": "child",
        **changes,
    }
    result = clinic.bus.handle(commands.AddDependant(actor=actor, **fields))  # type: ignore[arg-type]
    assert isinstance(result, int)
    return result


def book_for(
    clinic: Clinic, dependant_id: int | None, *, actor: commands.Actor = PATIENT_10, **more: object
) -> object:
    return clinic.bus.handle(
        commands.BookAppointment(
            actor=actor,
            doctor_id=DR_ONE,
            clinic_id=100,
            start=at(TUESDAY, "10:00"),
            dependant_id=dependant_id,
            **more,  # type: ignore[arg-type]
        )
    )


def test_a_patient_adds_a_family_member_and_the_event_is_committed(clinic: Clinic) -> None:
    dependant_id = add(clinic, first_name="  Arash ")

    stored = clinic.uow.dependants.committed[dependant_id]
    assert (stored.patient_id, stored.first_name, stored.relation) == (10, "Arash", Relation.CHILD)
    (event,) = clinic.uow.outbox
    assert isinstance(event, events.DependantAdded)
    assert (event.user_id, event.dependant_id) == (PATIENT_10.user_id, dependant_id)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": "  "}, "first_name"),
        ({"last_name": "x" * (MAX_NAME + 1)}, "last_name"),
        ({"birth_date": date(2026, 6, 2)}, "birth_date"),  # the clock says 1 June 2026
        ({"birth_date": date(1800, 1, 1)}, "birth_date"),
        ({"relation": "cousin-in-law"}, "relation"),
    ],
)
def test_what_a_family_member_must_be(
    clinic: Clinic, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        add(clinic, **changes)
    assert refused.value.details["field"] == field
    assert not clinic.uow.dependants.committed and not clinic.uow.outbox


def test_an_account_holds_a_bounded_family(clinic: Clinic) -> None:
    for n in range(MAX_PER_ACCOUNT):
        add(clinic, first_name=f"Child {n}")
    with pytest.raises(InvalidInput):
        add(clinic)
    # Removing one makes room again.
    clinic.bus.handle(commands.RemoveDependant(actor=PATIENT_10, dependant_id=1))
    add(clinic)


def test_only_patients_keep_family_members(clinic: Clinic) -> None:
    with pytest.raises(NotAllowed):
        add(clinic, actor=DESK)


def test_someone_elses_family_member_is_not_found(clinic: Clinic) -> None:
    theirs = add(clinic, actor=PATIENT_11)
    update = commands.UpdateDependant(
        actor=PATIENT_10,
        dependant_id=theirs,
        first_name="Mine",
        last_name="Now",
        birth_date=BIRTH,
        relation="child",
    )
    with pytest.raises(NotFound):
        clinic.bus.handle(update)
    with pytest.raises(NotFound):
        clinic.bus.handle(commands.RemoveDependant(actor=PATIENT_10, dependant_id=theirs))
    with pytest.raises(NotFound):
        book_for(clinic, theirs)
    assert clinic.uow.dependants.committed[theirs].first_name == "Arash"


def test_update_and_remove(clinic: Clinic) -> None:
    dependant_id = add(clinic)
    clinic.bus.handle(
        commands.UpdateDependant(
            actor=PATIENT_10,
            dependant_id=dependant_id,
            first_name="Arshia",
            last_name="Karimi",
            birth_date=BIRTH,
            relation="sibling",
        )
    )
    assert clinic.uow.dependants.committed[dependant_id].relation is Relation.SIBLING
    clinic.bus.handle(commands.RemoveDependant(actor=PATIENT_10, dependant_id=dependant_id))
    assert clinic.uow.dependants.committed[dependant_id].active is False  # kept, for the visits
    assert [type(e) for e in clinic.uow.outbox] == [
        events.DependantAdded,
        events.DependantUpdated,
        events.DependantRemoved,
    ]
    with pytest.raises(NotFound):  # removed: no new booking for them
        book_for(clinic, dependant_id)


def test_a_patient_books_for_a_family_member(clinic: Clinic) -> None:
    dependant_id = add(clinic)
    result = book_for(clinic, dependant_id, reason="Fever since Sunday")
    stored = clinic.stored(result.appointment_id)  # type: ignore[attr-defined]
    assert (stored.patient_id, stored.dependant_id, stored.reason) == (
        10,
        dependant_id,
        "Fever since Sunday",
    )


def test_the_desk_books_for_a_patients_family_member_but_not_for_anothers(clinic: Clinic) -> None:
    dependant_id = add(clinic)
    with pytest.raises(NotFound):
        book_for(clinic, dependant_id, actor=DESK, patient_id=11, patient_introduced=True)
    result = book_for(clinic, dependant_id, actor=DESK, patient_id=10, patient_introduced=True)
    assert clinic.stored(result.appointment_id).dependant_id == dependant_id  # type: ignore[attr-defined]


def test_a_visit_for_a_family_member_holds_the_account_holders_time(clinic: Clinic) -> None:
    """One adult brings them: the holder cannot be in two rooms at once."""
    dependant_id = add(clinic)
    book_for(clinic, dependant_id)
    with pytest.raises(SlotTaken):
        clinic.bus.handle(
            commands.BookAppointment(
                actor=PATIENT_10, doctor_id=2, clinic_id=100, start=at(TUESDAY, "10:00")
            )
        )


def test_the_reason_is_bounded_in_the_domain(clinic: Clinic) -> None:
    with pytest.raises(InvalidInput) as refused:
        book_for(clinic, None, reason="x" * (MAX_REASON + 1))
    assert refused.value.details["field"] == "reason"
    assert not clinic.uow.appointments.all_stored()
    result = book_for(clinic, None, reason="x" * MAX_REASON)
    assert len(clinic.stored(result.appointment_id).reason) == MAX_REASON  # type: ignore[attr-defined]


def test_a_doctor_cannot_keep_family_members(clinic: Clinic) -> None:
    with pytest.raises(NotAllowed):
        add(clinic, actor=DOCTOR_1)
