"""Visit notes: the domain's rules, and writing through the bus with the in-memory unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from scheduler.domain import access, events, notifications, visit_notes
from scheduler.domain.appointment import Status
from scheduler.domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
)
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from tests.unit.test_handlers import (
    ADMIN,
    DESK,
    DOCTOR_1,
    MONDAY,
    PATIENT_10,
    PATIENT_11,
    TUESDAY,
    Clinic,
    at,
    clinic,
)

__all__ = ["clinic"]  # the fixture, shared with the booking tests

DOCTOR_2 = Actor(2002, Role.DOCTOR, doctor_id=2)
UNVERIFIED_1 = Actor(2001, Role.DOCTOR, doctor_id=1, verified=False)
PILL = {"drug": "Amoxicillin 500 mg", "dose": "1 capsule", "frequency": "3/day", "duration": "7 d"}


def completed_visit(clinic: Clinic) -> uuid.UUID:
    """Sara's Monday visit at 10:00, completed at 10:30."""
    visit = clinic.book(PATIENT_10, at(MONDAY, "10:00")).appointment_id
    clinic.clock.now = at(MONDAY, "10:20")
    clinic.bus.handle(commands.CompleteAppointment(actor=DOCTOR_1, appointment_id=visit))
    clinic.clock.now = at(MONDAY, "10:30")
    clinic.forget_the_past()
    return visit


def write(clinic: Clinic, visit: uuid.UUID, actor: Actor = DOCTOR_1, **changes: Any) -> object:
    fields: dict[str, Any] = {
        "summary": "Mild sinusitis.",
        "instructions": "Rest; fluids.",
        "prescriptions": (PILL,),
        **changes,
    }
    return clinic.bus.handle(commands.WriteVisitNote(actor=actor, appointment_id=visit, **fields))


# --- the domain's rules -----------------------------------------------------------------------


def test_content_is_trimmed_and_kept_in_order() -> None:
    second = {**PILL, "drug": "  Ibuprofen 400 mg "}
    note = visit_notes.content(
        summary="  Better. ", instructions="", prescriptions=[PILL, second], follow_up_start=None
    )
    assert note.summary == "Better."
    assert [p.drug for p in note.prescriptions] == ["Amoxicillin 500 mg", "Ibuprofen 400 mg"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"summary": "x" * (visit_notes.MAX_SUMMARY + 1)}, "summary"),
        ({"instructions": "x" * (visit_notes.MAX_INSTRUCTIONS + 1)}, "instructions"),
        ({"prescriptions": [PILL] * (visit_notes.MAX_PRESCRIPTIONS + 1)}, "prescriptions"),
        ({"prescriptions": [PILL, {**PILL, "dose": " "}]}, "prescriptions.1.dose"),
        (
            {"prescriptions": [{**PILL, "drug": "x" * (visit_notes.MAX_DRUG + 1)}]},
            "prescriptions.0.drug",
        ),
        (
            {"prescriptions": [{"drug": "A", "dose": "1", "frequency": "1/day"}]},
            "prescriptions.0.duration",
        ),
    ],
)
def test_what_a_note_must_be(changes: dict[str, Any], field: str) -> None:
    given: dict[str, Any] = {
        "summary": "Fine.",
        "instructions": "",
        "prescriptions": [PILL],
        "follow_up_start": None,
        **changes,
    }
    with pytest.raises(InvalidInput) as refused:
        visit_notes.content(**given)
    assert refused.value.details["field"] == field


def test_twenty_prescriptions_fit() -> None:
    given = [PILL] * visit_notes.MAX_PRESCRIPTIONS
    note = visit_notes.content(
        summary="s", instructions="", prescriptions=given, follow_up_start=None
    )
    assert len(note.prescriptions) == visit_notes.MAX_PRESCRIPTIONS


def test_who_reads_a_note(clinic: Clinic) -> None:
    visit = clinic.stored(clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id)
    readers = {PATIENT_10, DOCTOR_1, ADMIN}
    for actor in (PATIENT_10, PATIENT_11, DOCTOR_1, DOCTOR_2, UNVERIFIED_1, DESK, ADMIN):
        seen = access.may_read_visit_note(actor, doctor_id=visit.doctor_id, patient_id=10)
        assert seen is (actor in readers), actor
    access.ensure_may_write_visit_note(DOCTOR_1, visit)
    for reader in (PATIENT_10, ADMIN):
        with pytest.raises(NotAllowed):
            access.ensure_may_write_visit_note(reader, visit)
    for stranger in (PATIENT_11, DOCTOR_2, UNVERIFIED_1, DESK):
        with pytest.raises(NotFound):
            access.ensure_may_write_visit_note(stranger, visit)


def test_the_message_plans_one_note_notice_that_is_always_sent() -> None:
    event = events.VisitNoteWritten(
        occurred_at=at(MONDAY, "11:00"),
        appointment_id=uuid.uuid4(),
        doctor_id=1,
        patient_id=10,
        clinic_id=100,
        start=at(MONDAY, "10:00"),
        note_version=1,
        actor_user_id=2001,
    )
    (message,) = notifications.plan_note(event)
    assert (message.kind, message.scheduled_for) == (
        notifications.Kind.VISIT_NOTE,
        event.occurred_at,
    )
    assert message.kind.audience is notifications.Audience.PATIENT
    skip = notifications.skip_reason(
        message.kind,
        about_start=event.start,
        status=Status.FULFILLED,
        start=event.start,
        now=at(MONDAY, "11:00"),
    )
    assert skip is None


# --- through the bus --------------------------------------------------------------------------


def test_the_doctor_writes_then_amends_and_each_writing_is_an_event(clinic: Clinic) -> None:
    visit = completed_visit(clinic)
    write(clinic, visit)
    stored = clinic.uow.visit_notes.committed[visit]
    assert (stored.content.summary, stored.version, stored.written_by) == (
        "Mild sinusitis.",
        1,
        DOCTOR_1.user_id,
    )
    (written,) = clinic.uow.outbox
    assert isinstance(written, events.VisitNoteWritten)
    assert (written.patient_id, written.note_version, written.actor_user_id) == (10, 1, 2001)

    clinic.clock.now = at(MONDAY, "12:00")
    write(clinic, visit, summary="Sinusitis; X-ray normal.", prescriptions=())
    stored = clinic.uow.visit_notes.committed[visit]
    assert (stored.content.summary, stored.content.prescriptions) == (
        "Sinusitis; X-ray normal.",
        (),
    )
    assert (stored.version, stored.amended_at, stored.amended_by) == (2, at(MONDAY, "12:00"), 2001)
    amended = clinic.uow.outbox[-1]
    assert isinstance(amended, events.VisitNoteAmended) and amended.note_version == 2
    assert len(clinic.uow.outbox) == 2


def test_no_note_before_the_visit_is_completed(clinic: Clinic) -> None:
    visit = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    with pytest.raises(InvalidTransition):
        write(clinic, visit)
    assert not clinic.uow.visit_notes.committed


@pytest.mark.parametrize(
    ("actor", "refusal"),
    [
        (PATIENT_10, NotAllowed),
        (ADMIN, NotAllowed),
        (PATIENT_11, NotFound),
        (DOCTOR_2, NotFound),
        (UNVERIFIED_1, NotFound),
        (DESK, NotFound),
    ],
)
def test_only_the_visits_doctor_writes(
    clinic: Clinic, actor: Actor, refusal: type[Exception]
) -> None:
    visit = completed_visit(clinic)
    with pytest.raises(refusal):
        write(clinic, visit, actor=actor)
    assert not clinic.uow.visit_notes.committed and not clinic.uow.outbox


def test_a_follow_up_is_one_of_the_doctors_free_slots(clinic: Clinic) -> None:
    visit = completed_visit(clinic)
    proposed = at(TUESDAY, "11:00")
    write(clinic, visit, follow_up_start=proposed)
    assert clinic.uow.visit_notes.committed[visit].content.follow_up_start == proposed


@pytest.mark.parametrize(
    "start",
    [
        at(TUESDAY, "13:00"),  # the lunch break
        at(TUESDAY, "10:10"),  # off the grid
        at(TUESDAY, "20:00"),  # after hours
        at(MONDAY, "10:00"),  # the past
        at(MONDAY, "15:00") + timedelta(days=400),  # beyond the horizon
    ],
)
def test_a_follow_up_off_the_schedule_is_refused_on_its_field(
    clinic: Clinic, start: datetime
) -> None:
    visit = completed_visit(clinic)
    with pytest.raises(InvalidInput) as refused:
        write(clinic, visit, follow_up_start=start)
    assert refused.value.details["field"] == "follow_up_start"
    assert not clinic.uow.visit_notes.committed


def test_a_follow_up_at_a_taken_time_is_refused(clinic: Clinic) -> None:
    visit = completed_visit(clinic)
    clinic.book(PATIENT_11, at(TUESDAY, "11:00"))
    with pytest.raises(InvalidInput) as refused:
        write(clinic, visit, follow_up_start=at(TUESDAY, "11:00"))
    assert refused.value.details["field"] == "follow_up_start"


def test_a_follow_up_kept_as_it_was_stands_once_its_time_is_taken(clinic: Clinic) -> None:
    visit = completed_visit(clinic)
    write(clinic, visit, follow_up_start=at(TUESDAY, "11:00"))
    clinic.book(PATIENT_10, at(TUESDAY, "11:00"))  # the patient booked it
    write(clinic, visit, summary="Amended.", follow_up_start=at(TUESDAY, "11:00"))
    assert clinic.uow.visit_notes.committed[visit].content.summary == "Amended."


def test_bad_content_writes_nothing(clinic: Clinic) -> None:
    visit = completed_visit(clinic)
    with pytest.raises(InvalidInput):
        write(clinic, visit, prescriptions=(PILL, {**PILL, "frequency": ""}))
    assert not clinic.uow.visit_notes.committed and not clinic.uow.outbox
