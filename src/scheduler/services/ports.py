"""What event handlers need from the outside world, as ports; adapters implement them and
config.bootstrap passes them in as one ``Dependencies`` value."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from scheduler.domain.appointment import ACTIVE, HOLD_STATES, Status
from scheduler.domain.documents import Kind
from scheduler.domain.events import (
    AppointmentEvent,
    Event,
    SlotOffered,
    VisitNoteEvent,
    WaitlistEvent,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.notifications import PlannedMessage

# What time it is: one clock, injected, so tests choose it.
Clock = Callable[[], datetime]


class EventLog(Protocol):
    def record(self, event: Event) -> None: ...


@dataclass(frozen=True, kw_only=True)
class SlotChange:
    """What an open slot grid or desk screen learns when an appointment changes.

    ``slot`` is where the appointment stands now and ``taken`` whether it holds that slot
    (active states only); ``released`` is the slot a reschedule gave up. ``version`` is the
    appointment's: watchers drop what they have seen and notice what they missed.
    """

    appointment_id: uuid.UUID
    version: int
    doctor_id: int
    clinic_id: int
    patient_id: int
    status: str
    slot: Interval
    released: Interval | None = None

    @property
    def taken(self) -> bool:
        return Status(self.status) in ACTIVE

    @property
    def held(self) -> bool:
        """A slot hold (domain.holds) keeps the slot, for a few minutes."""
        return Status(self.status) is Status.PROPOSED

    @property
    def is_hold(self) -> bool:
        """A hold, live or let go: grids learn of it, no desk or patient list does."""
        return Status(self.status) in HOLD_STATES


class SlotPublisher(Protocol):
    """Tells everyone watching the doctor's days (and the clinic's desk) about a change."""

    def publish(self, change: SlotChange) -> None: ...

    def repaint(self, doctor_id: int, window: Interval, change_id: uuid.UUID) -> None:
        """The doctor's free time changed in ``window`` for another reason (hours, time off,
        their calendar); ``change_id`` names the change, so a grid watching several of its
        days repaints once:
        grids of the days it touches fetch a fresh snapshot."""


class CalendarPush(Protocol):
    """Queues the push of one appointment to its doctor's own calendar, if they have one."""

    def push(self, doctor_id: int, appointment_id: uuid.UUID) -> None: ...

    def rearrange(
        self, doctor_id: int, target_calendar: str, dropped_channels: Sequence[tuple[str, str]]
    ) -> None:
        """After a new choice of calendars: queue moving the events to ``target_calendar``,
        closing the channels of calendars no longer read, and a read of busy times."""


@dataclass(frozen=True)
class NoCalendar:
    """No calendar sync wired: pushes go nowhere."""

    def push(self, doctor_id: int, appointment_id: uuid.UUID) -> None:
        return None

    def rearrange(
        self, doctor_id: int, target_calendar: str, dropped_channels: Sequence[tuple[str, str]]
    ) -> None:
        return None


class Notifier(Protocol):
    """Keeps the messages planned for an appointment and hands them to the senders."""

    def reminder_offsets(self, clinic_id: int) -> Sequence[timedelta]:
        """How long before a visit its clinic reminds people."""

    def schedule(
        self, event: AppointmentEvent | VisitNoteEvent, messages: Sequence[PlannedMessage]
    ) -> None:
        """Record ``messages`` and have each sent when due; planning one twice is harmless."""


@dataclass(frozen=True)
class NoNotifier:
    """No notifications wired: nothing is planned, nobody is told."""

    def reminder_offsets(self, clinic_id: int) -> Sequence[timedelta]:
        return ()

    def schedule(
        self, event: AppointmentEvent | VisitNoteEvent, messages: Sequence[PlannedMessage]
    ) -> None:
        return None


class AccountMail(Protocol):
    """Queues the emails of accounts; each re-reads the user when it is sent."""

    def password_reset(self, user_id: int) -> None:
        """A link to set a new password, to the user's verified address (none: nothing)."""

    def email_verification(self, user_id: int) -> None:
        """A link proving the user's address, as it is when the mail goes."""


@dataclass(frozen=True)
class NoAccountMail:
    def password_reset(self, user_id: int) -> None:
        return None

    def email_verification(self, user_id: int) -> None:
        return None


class Directory(Protocol):
    """Keeps the search's read model of free time (services.directory) in step with changes."""

    def refresh_doctor(self, doctor_id: int) -> None:
        """Have the doctor's free time recomputed at every clinic they have hours at (or had),
        as of now or very soon after."""

    def refresh_account(self, user_id: int) -> None:
        """The same for the doctor whose account this is, if it is a doctor's (closed: they
        leave the search)."""


@dataclass(frozen=True)
class NoDirectory:
    """No search read model wired: nothing is kept."""

    def refresh_doctor(self, doctor_id: int) -> None:
        return None

    def refresh_account(self, user_id: int) -> None:
        return None


class WaitlistOffers(Protocol):
    """Offers of freed time to the waitlist (services.waitlist), and telling people of them."""

    def offer_freed(self, doctor_id: int, window: Interval) -> None:
        """Have the doctor's free slots in ``window`` offered to the first in line, now."""

    def offered(self, event: SlotOffered) -> None:
        """Tell the patient (a message with the offer's link, their open pages) and have the
        offer end when its window is over; asking twice tells them once."""

    def answered(self, event: WaitlistEvent) -> None:
        """The patient's open pages learn that an offer (or their place) is gone."""


@dataclass(frozen=True)
class NoWaitlist:
    """No waitlist wired: freed time is offered to nobody."""

    def offer_freed(self, doctor_id: int, window: Interval) -> None:
        return None

    def offered(self, event: SlotOffered) -> None:
        return None

    def answered(self, event: WaitlistEvent) -> None:
        return None


class DocumentDrop(Protocol):
    """Where a removed document's file goes away, after its row (an event handler's port)."""

    def drop(self, stored_name: str) -> None:
        """Drop the file; nothing when it is already gone."""


class DocumentFiles(DocumentDrop, Protocol):
    """The private storage of appointments' documents: never under the web root, read only
    through the authorized download."""

    def keep(self, content: bytes, kind: Kind) -> str:
        """Keep the file under a new random name, which it returns; InvalidInput(field="file")
        when it is not wholly a file of its kind (a PNG header on anything else)."""


@dataclass(frozen=True)
class NoDocumentFiles:
    """No storage (event handlers' tests): dropping a file does nothing."""

    def drop(self, stored_name: str) -> None:
        pass


@dataclass(frozen=True)
class Dependencies:
    log: EventLog
    slots: SlotPublisher
    calendar: CalendarPush = NoCalendar()
    notifier: Notifier = NoNotifier()
    account_mail: AccountMail = NoAccountMail()
    directory: Directory = NoDirectory()
    waitlist: WaitlistOffers = NoWaitlist()
    documents: DocumentDrop = NoDocumentFiles()
