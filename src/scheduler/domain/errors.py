"""Typed domain errors.

Every error carries a human message and structured ``details``; the API maps each class to an
HTTP status in one place (entrypoints.api.errors), so adding an error never means editing views.
The message is a template marked with ``gettext_noop`` whose named values come from the details
and from ``params`` (values for the text only, not part of the structured extras);
entrypoints.error_text translates it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduler.domain.messages import render


class DomainError(Exception):
    code = "domain_error"

    def __init__(
        self, template: str, /, *, params: Mapping[str, object] | None = None, **details: Any
    ) -> None:
        self.template = template
        self.params: Mapping[str, object] = {**details, **(params or {})}
        self.message = render(template, self.params)
        super().__init__(self.message)
        self.details: Mapping[str, Any] = details


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it exists."""

    code = "not_found"


class NotAllowed(DomainError):
    """The actor can see the thing but may not do this to it."""

    code = "not_allowed"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class PastChangeCutoff(InvalidTransition):
    """A patient's cancellation or move after the clinic's cut-off: the desk may still."""

    code = "past_change_cutoff"


class SlotUnavailable(DomainError):
    """The requested time can never be booked as asked (policy or schedule)."""

    code = "slot_unavailable"


class OutsideWorkingHours(SlotUnavailable):
    code = "outside_working_hours"


class InBreak(SlotUnavailable):
    code = "in_break"


class DoctorAway(SlotUnavailable):
    code = "doctor_away"


class NotOnGrid(SlotUnavailable):
    code = "not_on_grid"


class InPast(SlotUnavailable):
    code = "in_past"


class BeyondHorizon(SlotUnavailable):
    code = "beyond_horizon"


class InsideMinimumNotice(SlotUnavailable):
    code = "inside_minimum_notice"


class SlotTaken(DomainError):
    """Someone holds an overlapping active appointment (the doctor or the patient)."""

    code = "slot_taken"


class SlotTakenMeanwhile(SlotTaken):
    """SlotTaken told by the store as the change is written: another writer took the time
    after this one read it free."""


class InvalidInput(DomainError):
    """A command names something that does not exist or cannot be used; ``field`` says which."""

    code = "invalid"


class IdempotencyMismatch(DomainError):
    """An Idempotency-Key was reused for a different request."""

    code = "idempotency_mismatch"


class ConcurrentUpdate(DomainError):
    """Someone else changed the appointment between our read and our write."""

    code = "concurrent_update"


class DuplicateIdempotencyKey(DomainError):
    """Two requests with one Idempotency-Key raced; the other one's result stands."""

    code = "duplicate_idempotency_key"


class ScheduleConflict(DomainError):
    """A change of hours or time off would leave booked visits outside them; ``appointments``
    lists them. Sent again with ``force``, it is made and their patients are asked to move."""

    code = "schedule_conflict"


class AlreadyRecorded(DomainError):
    """The person (by phone) is on file already: ``patient`` says who, to use instead."""

    code = "patient_exists"


class InvalidValue(ValueError):
    """A value refused as it is made (hours that end before they start): a ValueError, as
    Python code expects, whose text is marked and translated as a DomainError's is."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params: Mapping[str, object] = params
        super().__init__(render(template, params))
