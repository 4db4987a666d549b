"""What the doctor writes after a visit: a summary, prescriptions, instructions to follow, and
perhaps a follow-up visit they propose (the patient books it, or not).

One note per visit, written by that visit's doctor once the visit is completed, and amended by
them as often as needed: the note holds its latest words, and every writing is an event naming
who wrote and when (VisitNoteWritten, then VisitNoteAmended), so the trail keeps the history
without the outbox ever holding medical words (events carry ids only).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import InvalidInput, InvalidTransition
from scheduler.domain.events import Event, VisitNoteAmended, VisitNoteEvent, VisitNoteWritten
from scheduler.domain.messages import gettext_noop

MAX_SUMMARY = 4000
MAX_INSTRUCTIONS = 2000
# A prescription's lines are short; a drug's name with its strength fits in this.
MAX_DRUG = 200
MAX_LINE = 100
# More than a visit's worth of drugs is a list pasted by mistake.
MAX_PRESCRIPTIONS = 20
PRESCRIPTION_FIELDS: Mapping[str, int] = {
    "drug": MAX_DRUG,
    "dose": MAX_LINE,
    "frequency": MAX_LINE,
    "duration": MAX_LINE,
}


@dataclass(frozen=True, kw_only=True)
class Prescription:
    drug: str
    dose: str
    frequency: str
    duration: str


@dataclass(frozen=True, kw_only=True)
class NoteContent:
    summary: str
    instructions: str = ""
    prescriptions: tuple[Prescription, ...] = ()
    follow_up_start: datetime | None = None  # a slot of the same doctor and clinic


@dataclass(kw_only=True)
class VisitNote:
    """The aggregate: the note of one visit (``appointment_id``), as last written."""

    appointment_id: uuid.UUID
    doctor_id: int
    content: NoteContent
    written_at: datetime
    written_by: int | None  # user ids: the doctor who wrote, then who amended last
    amended_at: datetime | None = None
    amended_by: int | None = None
    version: int = 1  # 1 as written; one more for each amendment
    events: list[Event] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def write(
        cls, appointment: Appointment, content: NoteContent, *, actor_user_id: int, now: datetime
    ) -> VisitNote:
        ensure_writable(appointment)
        note = cls(
            appointment_id=appointment.id,
            doctor_id=appointment.doctor_id,
            content=content,
            written_at=now,
            written_by=actor_user_id,
        )
        note.events.append(note._event(VisitNoteWritten, appointment, actor_user_id, now))
        return note

    def amend(
        self, appointment: Appointment, content: NoteContent, *, actor_user_id: int, now: datetime
    ) -> None:
        ensure_writable(appointment)
        self.content = content
        self.amended_at, self.amended_by = now, actor_user_id
        self.version += 1
        self.events.append(self._event(VisitNoteAmended, appointment, actor_user_id, now))

    def _event(
        self,
        event_type: type[VisitNoteEvent],
        appointment: Appointment,
        actor_user_id: int,
        now: datetime,
    ) -> VisitNoteEvent:
        return event_type(
            occurred_at=now,
            appointment_id=appointment.id,
            doctor_id=appointment.doctor_id,
            patient_id=appointment.patient_id,
            clinic_id=appointment.clinic_id,
            start=appointment.slot.start,
            note_version=self.version,
            actor_user_id=actor_user_id,
        )


def ensure_writable(appointment: Appointment) -> None:
    """A note says what happened at a visit: only once it took place."""
    if appointment.status is not Status.FULFILLED:
        raise InvalidTransition(
            gettext_noop("A visit note is written once the visit is completed."),
            status=appointment.status,
        )


def content(
    *,
    summary: str,
    instructions: str,
    prescriptions: Sequence[Mapping[str, str]],
    follow_up_start: datetime | None,
) -> NoteContent:
    """The note as given, trimmed, or InvalidInput naming the field at fault (a prescription's
    as ``prescriptions.<index>.<field>``)."""
    summary, instructions = summary.strip(), instructions.strip()
    if not summary:
        raise InvalidInput(gettext_noop("Write a summary of the visit."), field="summary")
    _ensure_within("summary", summary, MAX_SUMMARY)
    _ensure_within("instructions", instructions, MAX_INSTRUCTIONS)
    if len(prescriptions) > MAX_PRESCRIPTIONS:
        raise InvalidInput(
            gettext_noop("At most %(limit)s prescriptions."),
            field="prescriptions",
            params={"limit": MAX_PRESCRIPTIONS},
        )
    return NoteContent(
        summary=summary,
        instructions=instructions,
        prescriptions=tuple(
            _prescription(index, given) for index, given in enumerate(prescriptions)
        ),
        follow_up_start=follow_up_start,
    )


def _prescription(index: int, given: Mapping[str, str]) -> Prescription:
    lines: dict[str, str] = {}
    for name, limit in PRESCRIPTION_FIELDS.items():
        value = str(given.get(name, "")).strip()
        where = f"prescriptions.{index}.{name}"
        if not value:
            raise InvalidInput(gettext_noop("Fill this in for each prescription."), field=where)
        _ensure_within(where, value, limit)
        lines[name] = value
    return Prescription(**lines)


def _ensure_within(field_name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidInput(
            gettext_noop("At most %(limit)s characters."),
            field=field_name,
            params={"limit": limit},
        )
