"""The waitlist's repository on Django rows (services.waitlist_store)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.waitlist_rows import ONE_PLACE_PER_DOCTOR
from scheduler.domain.day_parts import DayPart
from scheduler.domain.errors import InvalidInput
from scheduler.domain.messages import gettext_noop
from scheduler.domain.waitlist import (
    DEFAULT_OFFER_MINUTES,
    IN_LINE,
    EntryStatus,
    Offer,
    OfferStatus,
    WaitlistEntry,
    Wish,
)
from scheduler.services.waitlist_store import WaitlistRepository

_IN_LINE = sorted(status.value for status in IN_LINE)


def parts_text(parts: frozenset[DayPart]) -> str:
    """As stored: in the order of the day."""
    return ",".join(part.value for part in DayPart if part in parts)


def entry_to_domain(row: rows.WaitlistEntry) -> WaitlistEntry:
    return WaitlistEntry(
        id=row.pk,
        patient_id=row.patient_id,
        doctor_id=row.doctor_id,
        clinic_id=row.clinic_id,
        first_day=row.first_day,
        last_day=row.last_day,
        parts=frozenset(DayPart(part) for part in row.parts.split(",") if part),
        joined_at=row.joined_at,
        rank=row.rank,
        status=EntryStatus(row.status),
    )


def offer_to_domain(row: rows.WaitlistOffer) -> Offer:
    return Offer(
        id=row.pk,
        entry_id=row.entry_id,
        start=row.start,
        end=row.end,
        expires_at=row.expires_at,
        status=OfferStatus(row.status),
        hold_id=row.appointment_id,
    )


class DjangoWaitlistRepository(WaitlistRepository):
    def find(self, entry_id: int) -> WaitlistEntry | None:
        row = rows.WaitlistEntry.objects.filter(pk=entry_id).first()
        return None if row is None else entry_to_domain(row)

    def of_patient(self, patient_id: int, doctor_id: int) -> list[WaitlistEntry]:
        query = rows.WaitlistEntry.objects.filter(
            patient_id=patient_id, doctor_id=doctor_id, status__in=_IN_LINE
        )
        return [entry_to_domain(row) for row in query]

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
        try:
            with transaction.atomic():  # a savepoint: the refusal leaves the rest usable
                row = rows.WaitlistEntry.objects.create(
                    patient_id=patient_id,
                    doctor_id=doctor_id,
                    clinic_id=clinic_id,
                    first_day=wish.first_day,
                    last_day=wish.last_day,
                    parts=parts_text(wish.parts),
                    joined_at=joined_at,
                    rank=rank,
                )
        except IntegrityError as error:
            if ONE_PLACE_PER_DOCTOR not in str(error) and "waitlistentry" not in str(error):
                raise
            raise InvalidInput(gettext_noop("You are already on this doctor's waitlist.")) from None
        return int(row.pk)

    def line(self, doctor_id: int, clinic_id: int) -> list[WaitlistEntry]:
        # One lock for the whole line, taken first: the line's writers (join, lapse, move,
        # offer) queue on it, and the read after it sees every entry committed before, a
        # newcomer's included. Locking the entries themselves in the line's order deadlocks
        # (a move or lapse changes that order between two readers' snapshots), and misses a
        # newcomer inserted meanwhile.
        list(
            rows.Schedule.objects.select_for_update(no_key=True)
            .filter(doctor_id=doctor_id, clinic_id=clinic_id)
            .values_list("pk", flat=True)
        )
        query = (
            rows.WaitlistEntry.objects.select_for_update()  # against a leave, a decline meanwhile
            .filter(doctor_id=doctor_id, clinic_id=clinic_id, status__in=_IN_LINE)
            .order_by("rank", "joined_at", "id")
        )
        return [entry_to_domain(row) for row in query]

    def clinics_waited_at(self, doctor_id: int) -> list[int]:
        return sorted(
            set(
                rows.WaitlistEntry.objects.filter(
                    doctor_id=doctor_id, status__in=_IN_LINE
                ).values_list("clinic_id", flat=True)
            )
        )

    def save(self, entry: WaitlistEntry) -> None:
        rows.WaitlistEntry.objects.filter(pk=entry.id).update(
            status=entry.status.value, rank=entry.rank
        )

    def record_move(
        self, entry_id: int, *, actor_user_id: int, direction: str, reason: str, at: datetime
    ) -> None:
        rows.WaitlistMove.objects.create(
            entry_id=entry_id, actor_id=actor_user_id, direction=direction, reason=reason, at=at
        )

    def offer_minutes(self, clinic_id: int) -> int:
        minutes = (
            rows.Clinic.objects.filter(pk=clinic_id)
            .values_list("waitlist_offer_minutes", flat=True)
            .first()
        )
        return DEFAULT_OFFER_MINUTES if minutes is None else int(minutes)

    def find_offer(self, offer_id: uuid.UUID) -> Offer | None:
        row = rows.WaitlistOffer.objects.select_for_update().filter(pk=offer_id).first()
        return None if row is None else offer_to_domain(row)

    def open_offers_of(self, entry_id: int) -> list[uuid.UUID]:
        return list(
            rows.WaitlistOffer.objects.filter(
                entry_id=entry_id, status=OfferStatus.OPEN.value
            ).values_list("pk", flat=True)
        )

    def slot_on_offer(self, doctor_id: int, start: datetime) -> bool:
        return rows.WaitlistOffer.objects.filter(
            doctor_id=doctor_id, start=start, status=OfferStatus.OPEN.value
        ).exists()

    def offered_before(self, doctor_id: int, start: datetime) -> set[int]:
        return set(
            rows.WaitlistOffer.objects.filter(doctor_id=doctor_id, start=start).values_list(
                "entry_id", flat=True
            )
        )

    def add_offer(self, offer: Offer, *, doctor_id: int, now: datetime) -> bool:
        try:
            with transaction.atomic():
                rows.WaitlistOffer.objects.create(
                    id=offer.id,
                    entry_id=offer.entry_id,
                    doctor_id=doctor_id,
                    start=offer.start,
                    end=offer.end,
                    created_at=now,
                    expires_at=offer.expires_at,
                    status=offer.status.value,
                    appointment_id=offer.hold_id,
                )
        except IntegrityError:
            return False  # the slot is on offer, or was offered to this entry: made once
        return True

    def save_offer(self, offer: Offer, *, appointment_id: uuid.UUID | None = None) -> None:
        changes: dict[str, object] = {"status": offer.status.value}
        if appointment_id is not None:
            changes["appointment_id"] = appointment_id
        rows.WaitlistOffer.objects.filter(pk=offer.id).update(**changes)

    def overdue_offers(self, now: datetime, limit: int) -> list[uuid.UUID]:
        return list(
            rows.WaitlistOffer.objects.filter(status=OfferStatus.OPEN.value, expires_at__lte=now)
            .order_by("expires_at")
            .values_list("pk", flat=True)[:limit]
        )
