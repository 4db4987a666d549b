"""Reads of the waitlist: a patient's own places and offers, a doctor's line for staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet

from scheduler.adapters.orm import models as rows
from scheduler.domain import access
from scheduler.domain.errors import NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.domain.waitlist import IN_LINE, OfferStatus

_IN_LINE = sorted(status.value for status in IN_LINE)


@dataclass(frozen=True, kw_only=True)
class OpenOffer:
    id: uuid.UUID
    start: datetime
    end: datetime
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class Place:
    """A patient's place in a doctor's line, as they (or staff) see it."""

    id: int
    doctor_id: int
    doctor_name: str
    clinic_id: int
    clinic_name: str
    clinic_phone: str
    timezone: str
    patient_name: str
    first_day: date
    last_day: date
    parts: list[str]
    status: str
    joined_at: datetime
    position: int | None  # 1 is next; None once out of line
    offer: OpenOffer | None
    moves: list[dict[str, object]]


def my_waitlist(*, viewer: Actor, now: datetime) -> list[Place]:
    """The patient's places still in line (and those that ended in the last days' range)."""
    patient_id = access.waiting_patient(viewer)
    query = _places().filter(patient_id=patient_id, status__in=_IN_LINE).order_by("joined_at")
    return [_place(row, now, staff=False) for row in query]


def my_place(*, viewer: Actor, entry_id: int, now: datetime) -> Place:
    for place in my_waitlist(viewer=viewer, now=now):
        if place.id == entry_id:
            return place
    raise NotFound(gettext_noop("Waitlist entry not found."))


def doctor_waitlist(*, viewer: Actor, doctor_id: int, clinic_id: int, now: datetime) -> list[Place]:
    """The doctor's line at the clinic, first first, with staff's moves and their reasons."""
    if not access.manages_waitlist(viewer, doctor_id=doctor_id, clinic_id=clinic_id):
        raise NotFound(gettext_noop("Waitlist not found."))
    query = (
        _places()
        .filter(doctor_id=doctor_id, clinic_id=clinic_id, status__in=_IN_LINE)
        .prefetch_related(
            Prefetch(
                "moves", queryset=rows.WaitlistMove.objects.select_related("actor").order_by("-at")
            )
        )
        .order_by("rank", "joined_at", "id")
    )
    return [_place(row, now, staff=True) for row in query]


def offer_for(*, viewer: Actor, offer_id: uuid.UUID) -> tuple[rows.WaitlistOffer, Place]:
    """The patient's own offer (any status) and their place; another's is not found."""
    patient_id = access.waiting_patient(viewer)
    offer = (
        rows.WaitlistOffer.objects.select_related(
            "entry__clinic", "entry__doctor__user", "entry__patient__user"
        )
        .filter(pk=offer_id, entry__patient_id=patient_id)
        .first()
    )
    if offer is None:
        raise NotFound(gettext_noop("Offer not found."))
    return offer, _place(offer.entry, offer.created_at, staff=False)


def taken_from_an_offer(appointment_id: uuid.UUID) -> bool:
    """Whether the visit is a waitlist offer its patient took."""
    return rows.WaitlistOffer.objects.filter(
        appointment_id=appointment_id, status=OfferStatus.ACCEPTED.value
    ).exists()


def _places() -> QuerySet[rows.WaitlistEntry]:
    return rows.WaitlistEntry.objects.select_related(
        "doctor__user", "clinic", "patient__user"
    ).prefetch_related(
        Prefetch(
            "offers",
            queryset=rows.WaitlistOffer.objects.filter(status=OfferStatus.OPEN.value),
            to_attr="open_offers",
        )
    )


def _place(row: rows.WaitlistEntry, now: datetime, *, staff: bool) -> Place:
    offers = [o for o in getattr(row, "open_offers", []) if o.expires_at > now]
    offer = offers[0] if offers else None
    ahead = rows.WaitlistEntry.objects.filter(
        doctor_id=row.doctor_id, clinic_id=row.clinic_id, status__in=_IN_LINE, rank__lt=row.rank
    ).count()
    return Place(
        id=row.pk,
        doctor_id=row.doctor_id,
        doctor_name=str(row.doctor),
        clinic_id=row.clinic_id,
        clinic_name=row.clinic.name,
        clinic_phone=row.clinic.phone,
        timezone=row.clinic.timezone,
        patient_name=row.patient.user.display_name() if staff else "",
        first_day=row.first_day,
        last_day=row.last_day,
        parts=[part for part in row.parts.split(",") if part],
        status=row.status,
        joined_at=row.joined_at,
        position=ahead + 1 if row.status in _IN_LINE else None,
        offer=None
        if offer is None
        else OpenOffer(id=offer.pk, start=offer.start, end=offer.end, expires_at=offer.expires_at),
        moves=[
            {
                "direction": move.direction,
                "reason": move.reason,
                "at": move.at,
                "by": move.actor.display_name() if move.actor else "",
            }
            for move in row.moves.all()
        ]
        if staff
        else [],
    )
