"""The waitlist: patients waiting for a doctor's time that is full, and the fair offer of a slot
that frees up.

First come, first served: the line is ordered by ``rank`` (the moment one joined, unless staff
moved them, with a reason on the record). A freed slot goes to the first waiting entry that
asks for its clinic-local day and part of the day and whose patient could book it; the offer
holds the slot for them for the clinic's window, then passes to the next in line.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from scheduler.domain.day_parts import DayPart, part_of
from scheduler.domain.errors import InvalidInput, InvalidTransition
from scheduler.domain.holds import MAX_MINUTES
from scheduler.domain.messages import gettext_noop

# A wait is for the weeks ahead, not an open-ended wish: the clinic's horizon is about as far.
MAX_RANGE_DAYS = 90
DEFAULT_OFFER_MINUTES = 15
# A window shorter than this cannot be answered from a text message; the longest is the
# longest a slot is held for anyone (domain.holds).
MIN_OFFER_MINUTES, MAX_OFFER_MINUTES = 5, MAX_MINUTES
MAX_REASON = 300


class EntryStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # a slot is held for them now
    BOOKED = "booked"
    LEFT = "left"
    EXPIRED = "expired"  # their last day passed without a slot


class OfferStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


# The entries still in line: one per patient and doctor.
IN_LINE = frozenset({EntryStatus.WAITING, EntryStatus.OFFERED})


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, kw_only=True)
class Wish:
    """What the patient asks for: days (clinic-local, inclusive) and parts of those days."""

    first_day: date
    last_day: date
    parts: frozenset[DayPart]


@dataclass(frozen=True, kw_only=True)
class WaitlistEntry(Wish):
    id: int
    patient_id: int
    doctor_id: int
    clinic_id: int
    joined_at: datetime
    rank: int  # smaller is earlier in line
    status: EntryStatus


@dataclass(frozen=True, kw_only=True)
class Offer:
    id: uuid.UUID
    entry_id: int
    start: datetime
    end: datetime
    expires_at: datetime
    status: OfferStatus
    # The hold keeping the slot for the patient until expires_at (domain.holds); booked, it
    # becomes the visit, under the same id.
    hold_id: uuid.UUID | None = None


def wish(*, first_day: date, last_day: date, parts: Iterable[str], today: date) -> Wish:
    """The wish as given, or InvalidInput naming the field at fault."""
    if first_day < today:
        raise InvalidInput(gettext_noop("Choose a day from today on."), field="first_day")
    if last_day < first_day:
        raise InvalidInput(
            gettext_noop("The last day cannot come before the first."), field="last_day"
        )
    if (last_day - today).days > MAX_RANGE_DAYS:
        raise InvalidInput(
            gettext_noop("Wait for at most %(limit)s days ahead."),
            field="last_day",
            params={"limit": MAX_RANGE_DAYS},
        )
    try:
        chosen = frozenset(DayPart(part) for part in parts)
    except ValueError:
        raise InvalidInput(gettext_noop("Choose parts of the day."), field="parts") from None
    if not chosen:
        raise InvalidInput(gettext_noop("Choose at least one part of the day."), field="parts")
    return Wish(first_day=first_day, last_day=last_day, parts=chosen)


def rank_at_end(line: Iterable[WaitlistEntry], moment: datetime) -> int:
    """A newcomer's place, or theirs who comes back: the moment, in microseconds (first come,
    first served), and never ahead of anyone already in line. A server's clock can step back
    (a virtual machine's, set right by NTP): the moment alone would then put a later joiner
    first."""
    behind = max((entry.rank + 1 for entry in line if entry.status in IN_LINE), default=0)
    return max(int(moment.timestamp() * 1_000_000), behind)


def ensure_not_in_line(existing: Collection[WaitlistEntry]) -> None:
    """One place in a doctor's line per patient."""
    if any(entry.status in IN_LINE for entry in existing):
        raise InvalidInput(gettext_noop("You are already on this doctor's waitlist."))


def matches(entry: WaitlistEntry, local_start: datetime) -> bool:
    """Whether a slot starting at ``local_start`` (the clinic's wall clock) is what the entry
    waits for."""
    return (
        entry.status is EntryStatus.WAITING
        and entry.first_day <= local_start.date() <= entry.last_day
        and part_of(local_start.time()) in entry.parts
    )


def in_line(entries: Iterable[WaitlistEntry]) -> list[WaitlistEntry]:
    """The line in order: rank, then who joined first (equal ranks are rare, never ambiguous)."""
    return sorted(
        (entry for entry in entries if entry.status in IN_LINE),
        key=lambda entry: (entry.rank, entry.joined_at, entry.id),
    )


def candidates(
    entries: Iterable[WaitlistEntry], local_start: datetime, *, passed: Collection[int]
) -> list[WaitlistEntry]:
    """Who may be offered the slot, first in line first: waiting for it, and not offered this
    very slot before (``passed``: they declined it or let it lapse)."""
    return [
        entry
        for entry in in_line(entries)
        if matches(entry, local_start) and entry.id not in passed
    ]


def moved(
    line: Sequence[WaitlistEntry], entry_id: int, direction: Direction
) -> tuple[WaitlistEntry, WaitlistEntry]:
    """The entry and its neighbour with their ranks swapped: one step up or down the line."""
    ordered = in_line(line)
    index = next((i for i, entry in enumerate(ordered) if entry.id == entry_id), None)
    if index is None:
        raise InvalidTransition(gettext_noop("Only an entry still in line can be moved."))
    other = index - 1 if direction is Direction.UP else index + 1
    if not 0 <= other < len(ordered):
        raise InvalidInput(
            gettext_noop("It is first in line already.")
            if direction is Direction.UP
            else gettext_noop("It is last in line already."),
            field="direction",
        )
    entry, neighbour = ordered[index], ordered[other]
    if entry.rank == neighbour.rank:  # equal ranks: make the order explicit before swapping
        step = -1 if direction is Direction.UP else 1
        return replace(entry, rank=neighbour.rank + step), neighbour
    return replace(entry, rank=neighbour.rank), replace(neighbour, rank=entry.rank)


def move_reason(reason: str) -> str:
    """Staff say why they put someone ahead of another: it goes on the record."""
    text = reason.strip()
    if not text:
        raise InvalidInput(gettext_noop("Say why the entry moves."), field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(
            gettext_noop("At most %(limit)s characters."),
            field="reason",
            params={"limit": MAX_REASON},
        )
    return text


def offer_window(minutes: int) -> timedelta:
    """The clinic's window for answering an offer, kept within sane bounds."""
    return timedelta(minutes=min(max(minutes, MIN_OFFER_MINUTES), MAX_OFFER_MINUTES))


def ensure_answerable(offer: Offer, now: datetime) -> None:
    """An offer is taken or turned down while it is open and its window lasts."""
    if offer.status is not OfferStatus.OPEN:
        raise InvalidTransition(
            gettext_noop("This offer is no longer open."), status=offer.status.value
        )
    if now >= offer.expires_at:
        raise InvalidTransition(
            gettext_noop("This offer has expired."), status=OfferStatus.EXPIRED.value
        )


def after_lapse(
    entry: WaitlistEntry, line: Iterable[WaitlistEntry], now: datetime
) -> WaitlistEntry:
    """Back in line, at its end, after an offer left unanswered: a patient who does not answer
    does not keep the head of the line from those who would (one who declines keeps their
    place: they answered, only not for that time)."""
    others = (other for other in line if other.id != entry.id)
    return replace(entry, status=EntryStatus.WAITING, rank=rank_at_end(others, now))


def is_overdue(offer: Offer, now: datetime) -> bool:
    return offer.status is OfferStatus.OPEN and now >= offer.expires_at


def outlived(entry: WaitlistEntry, today: date) -> bool:
    """The entry's last day is over (clinic-local): it leaves the line by itself."""
    return entry.status is EntryStatus.WAITING and entry.last_day < today
