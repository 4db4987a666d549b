"""The waitlist's repository port: places in line and offers, as domain.waitlist sees them."""

from __future__ import annotations

import abc
import uuid
from datetime import datetime

from scheduler.domain.errors import NotFound
from scheduler.domain.events import Event
from scheduler.domain.messages import gettext_noop
from scheduler.domain.waitlist import Offer, WaitlistEntry, Wish


class WaitlistRepository(abc.ABC):
    """``events`` holds what happened to the entries and offers, committed with them."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def get(self, entry_id: int) -> WaitlistEntry:
        entry = self.find(entry_id)
        if entry is None:
            raise NotFound(gettext_noop("Waitlist entry not found."))
        return entry

    @abc.abstractmethod
    def find(self, entry_id: int) -> WaitlistEntry | None: ...

    @abc.abstractmethod
    def of_patient(self, patient_id: int, doctor_id: int) -> list[WaitlistEntry]:
        """The patient's entries still in the doctor's line (at any clinic)."""

    @abc.abstractmethod
    def add(
        self,
        *,
        patient_id: int,
        doctor_id: int,
        clinic_id: int,
        wish: Wish,
        joined_at: datetime,
        rank: int,
    ) -> int:
        """Store a waiting entry; its id. InvalidInput if the patient is in that line already
        (a concurrent join won)."""

    @abc.abstractmethod
    def line(self, doctor_id: int, clinic_id: int) -> list[WaitlistEntry]:
        """The entries in the doctor's line at the clinic, locked until the unit of work ends:
        offers and moves of one line happen one at a time."""

    @abc.abstractmethod
    def clinics_waited_at(self, doctor_id: int) -> list[int]:
        """The clinics where someone waits for the doctor."""

    @abc.abstractmethod
    def save(self, entry: WaitlistEntry) -> None:
        """Store the entry's status and rank."""

    @abc.abstractmethod
    def record_move(
        self, entry_id: int, *, actor_user_id: int, direction: str, reason: str, at: datetime
    ) -> None: ...

    @abc.abstractmethod
    def offer_minutes(self, clinic_id: int) -> int:
        """The clinic's window for answering an offer."""

    # -- offers ---------------------------------------------------------------------------------

    def get_offer(self, offer_id: uuid.UUID) -> Offer:
        """The offer, locked until the unit of work ends, or NotFound."""
        offer = self.find_offer(offer_id)
        if offer is None:
            raise NotFound(gettext_noop("Offer not found."))
        return offer

    @abc.abstractmethod
    def find_offer(self, offer_id: uuid.UUID) -> Offer | None: ...

    @abc.abstractmethod
    def open_offers_of(self, entry_id: int) -> list[uuid.UUID]: ...

    @abc.abstractmethod
    def slot_on_offer(self, doctor_id: int, start: datetime) -> bool:
        """Whether an open offer holds the doctor's slot starting at ``start``."""

    @abc.abstractmethod
    def offered_before(self, doctor_id: int, start: datetime) -> set[int]:
        """The entries this slot was offered to already (declined, lapsed, or open)."""

    @abc.abstractmethod
    def add_offer(self, offer: Offer, *, doctor_id: int, now: datetime) -> bool:
        """Store the open offer; False (and nothing stored) when the slot is on offer already
        or was offered to this entry before: a concurrent or repeated offer lost."""

    @abc.abstractmethod
    def save_offer(self, offer: Offer, *, appointment_id: uuid.UUID | None = None) -> None:
        """Store the offer's status (and the appointment it became)."""

    @abc.abstractmethod
    def overdue_offers(self, now: datetime, limit: int) -> list[uuid.UUID]:
        """Open offers whose window is over, oldest first."""
