"""The audit trail's port for reads: who looked at someone's records.

Changes need nothing from here: the unit of work records one audit entry per event it commits,
in the transaction of the change. Reads are different: looking at an appointment changes
nothing in the clinic, so recording it is an infrastructure log (like an access log), not a
domain write; it does not go through the bus as a command, and raises no events. Entrypoints
call the port after they have read, with the ids of what they show.

A patient's look at their own records is theirs and is not recorded; everyone else's is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Protocol

from scheduler.domain.model import Actor, Role


class Record(StrEnum):
    """What kind of record was read; its entries' action is ``<kind>.read``."""

    APPOINTMENT = "appointment"
    PATIENT = "patient"
    VISIT_NOTE = "visit_note"
    DOCUMENT = "document"


class AuditLog(Protocol):
    def record_reads(self, kind: Record, object_ids: Sequence[str]) -> None:
        """One entry per record read, naming whoever is reading (the request or socket at hand)
        and from where; nothing for no ids."""


def read_by_others(viewer: Actor | None, records: Iterable[tuple[object, int]]) -> list[str]:
    """The ids of ``records`` (id, the patient whose record it is) that are not the viewer's
    own, as the trail keeps them."""
    own = viewer.patient_id if viewer is not None and viewer.role is Role.PATIENT else None
    return [str(record_id) for record_id, patient_id in records if patient_id != own]
