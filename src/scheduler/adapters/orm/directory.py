"""The search's read model of free time in rows (NextFreeSlot, FreeDay), kept by the sweep
(``refresh_due``, a periodic thread of each server and worker, runtime.start): it refreshes
the pairs (doctor, clinic) that events marked (DjangoDirectory, the services' Directory port,
called by the outbox relay) and those time overtook. `scheduler manage rebuild_directory`
recomputes them all.

Events only mark: a recomputation reads the doctor's whole booking horizon, and the relay
that calls the event handlers also carries the live slot grids' changes, which must not
wait behind it. Every refresh recomputes a pair with services.directory and replaces its
rows: a repeat changes nothing, and an event delivered late or twice cannot leave a wrong
count behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery

from scheduler.adapters.orm import models as rows
from scheduler.domain.day_parts import DayPart
from scheduler.services import directory
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork

# A unit of work reading as of the given clock (config.bootstrap builds it).
UnitOfWorkAt = Callable[[Clock], UnitOfWork]

# Pairs one tick refreshes at most: the rest wait for the next call, which the periodic thread
# makes at once while there is work (adapters.periodic), between other processes' turns.
TICK = 200

# The refreshed_at of a pair's row that an event marked: the sweep takes these first. (A pair
# the read model has no row for yet gets one, with no start, until then.)
STALE = datetime(2000, 1, 1, tzinfo=UTC)

Pair = tuple[int, int]  # (doctor id, clinic id)


class DjangoDirectory:
    def __init__(
        self, *, unit_of_work: UnitOfWorkAt, clock: Clock, wake: Callable[[], None]
    ) -> None:
        """``wake`` has this process's sweep run now rather than at its next round."""
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._wake = wake

    def refresh_doctor(self, doctor_id: int) -> None:
        mark(listed_or_listable(doctor_id))
        self._wake()

    def refresh_account(self, user_id: int) -> None:
        for doctor_id in rows.Doctor.objects.filter(user_id=user_id).values_list("pk", flat=True):
            self.refresh_doctor(doctor_id)

    def refresh_due(self) -> int:
        """Refresh up to TICK pairs that were marked or that time has overtaken; how many."""
        now = self._clock()
        pairs = due(now, limit=TICK)
        for doctor_id, clinic_id in pairs:
            refresh(doctor_id, clinic_id, now, unit_of_work=self._unit_of_work)
        return len(pairs)

    def rebuild(self) -> int:
        """Every pair anew (after a restore, or to repair); how many pairs it went through."""
        now = self._clock()
        pairs = listed_or_listable()
        for doctor_id, clinic_id in pairs:
            refresh(doctor_id, clinic_id, now, unit_of_work=self._unit_of_work)
        return len(pairs)


def refresh(doctor_id: int, clinic_id: int, now: datetime, *, unit_of_work: UnitOfWorkAt) -> None:
    """The doctor's rows at the clinic as the slot computation has them at ``now``."""
    with transaction.atomic():
        # The pair's row is locked before anything is read: two relays refreshing one doctor
        # take turns, and the second reads what the change behind its event committed.
        held = rows.NextFreeSlot.objects.select_for_update().filter(
            doctor_id=doctor_id, clinic_id=clinic_id
        )
        list(held.values_list("pk", flat=True))
        with unit_of_work(lambda: now) as uow:
            found = directory.free_time(uow, doctor_id=doctor_id, clinic_id=clinic_id, now=now)
        _store(doctor_id, clinic_id, found, now)


def mark(pairs: list[Pair]) -> None:
    """Have the sweep refresh ``pairs``. A refresh under way holds the row (``refresh``), so
    the mark waits for it and stands after it: nothing marked is lost to a refresh that read
    too early."""
    for doctor_id, clinic_id in pairs:
        held = rows.NextFreeSlot.objects.filter(doctor_id=doctor_id, clinic_id=clinic_id)
        if held.update(refreshed_at=STALE):
            continue
        try:
            with transaction.atomic():
                rows.NextFreeSlot.objects.create(
                    doctor_id=doctor_id, clinic_id=clinic_id, refreshed_at=STALE
                )
        except IntegrityError:  # made meanwhile by another mark or a refresh: mark that one
            held.update(refreshed_at=STALE)


def _store(doctor_id: int, clinic_id: int, found: directory.FreeTime | None, now: datetime) -> None:
    days = rows.FreeDay.objects.filter(doctor_id=doctor_id, clinic_id=clinic_id)
    if found is None:  # not listed: no rows at all
        rows.NextFreeSlot.objects.filter(doctor_id=doctor_id, clinic_id=clinic_id).delete()
        days.delete()
        return
    first = found.next
    rows.NextFreeSlot.objects.update_or_create(
        doctor_id=doctor_id,
        clinic_id=clinic_id,
        defaults={
            "start": first.start if first else None,
            "end": first.end if first else None,
            "refreshed_at": now,
        },
    )
    days.delete()
    rows.FreeDay.objects.bulk_create(
        rows.FreeDay(
            doctor_id=doctor_id,
            clinic_id=clinic_id,
            day=day.day,
            morning_last=day.last.get(DayPart.MORNING),
            afternoon_last=day.last.get(DayPart.AFTERNOON),
            evening_last=day.last.get(DayPart.EVENING),
            free_slots=day.free_slots,
        )
        for day in found.days
    )


def listed_or_listable(doctor_id: int | None = None) -> list[Pair]:
    """Pairs with hours (listable) or with rows (listed, perhaps no longer rightly)."""
    hours = rows.Schedule.objects.all()
    held = rows.NextFreeSlot.objects.all()
    if doctor_id is not None:
        hours, held = hours.filter(doctor_id=doctor_id), held.filter(doctor_id=doctor_id)
    pairs = {*_pairs(hours), *_pairs(held)}
    return sorted(pairs)


def _pairs(query: QuerySet[Any]) -> list[Pair]:
    return [(doctor, clinic) for doctor, clinic in query.values_list("doctor_id", "clinic_id")]


def due(now: datetime, *, limit: int) -> list[Pair]:
    """Pairs marked by events, then pairs whose rows ``now`` has made wrong, at most ``limit``:
    the next free slot has come within the schedule's least notice (it is no longer bookable,
    and the day's counts with it), or the clinic's day has turned since the refresh (a new day
    entered the horizon, a past one left it)."""
    marked = rows.NextFreeSlot.objects.filter(refreshed_at=STALE).order_by("pk")
    found = _pairs(marked[:limit])
    for pair in _passed(now, limit - len(found)):
        if pair not in found:
            found.append(pair)
    for zone in rows.Clinic.objects.values_list("timezone", flat=True).distinct():
        if len(found) >= limit:
            break
        midnight = datetime.combine(now.astimezone(ZoneInfo(zone)).date(), time(), ZoneInfo(zone))
        stale = rows.NextFreeSlot.objects.filter(clinic__timezone=zone, refreshed_at__lt=midnight)
        for pair in _pairs(stale.order_by("refreshed_at")[: limit - len(found)]):
            if pair not in found:
                found.append(pair)
    return found


def _passed(now: datetime, limit: int) -> list[Pair]:
    if limit <= 0:
        return []
    longest = rows.Schedule.objects.aggregate(most=Max("min_notice_minutes"))["most"] or 0
    notice = rows.Schedule.objects.filter(
        doctor_id=OuterRef("doctor_id"), clinic_id=OuterRef("clinic_id")
    ).values("min_notice_minutes")[:1]
    soon = (
        rows.NextFreeSlot.objects.filter(start__lt=now + timedelta(minutes=longest))
        .annotate(notice=Subquery(notice))
        .order_by("start")
        .values_list("doctor_id", "clinic_id", "start", "notice")
    )
    passed: list[Pair] = []
    for doctor_id, clinic_id, start, minutes in soon.iterator():
        if minutes is None or start is None or start < now + timedelta(minutes=minutes):
            passed.append((doctor_id, clinic_id))
            if len(passed) >= limit:
                break
    return passed
