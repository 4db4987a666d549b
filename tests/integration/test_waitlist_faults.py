"""Faults on the production runtime for the waitlist: PostgreSQL, a redis-server of the test's
own on a free loopback port, `scheduler worker` processes, and an SMTP sink on loopback.

A doctor's day is full, and twice as many patients wait in line as it has slots. Every visit of
the day is cancelled at once (the events wait in the outbox); each freed slot must be offered
once, to the first in line still waiting, and its patient told once. Then a worker is killed
mid-batch and replaced, or Redis is killed with the offers' delayed ends pending in it and
started again empty while the windows run out: the sweep still ends every offer, and the next
in line get the slots, each once, in the order they joined.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.loopback import FaultRig, fault_rig, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SLOTS = 12  # the doctor's day: 10:00 to 17:00 with an hour's lunch, half-hour visits
WAITING = 2 * SLOTS
TIMEOUT = 90  # seconds for a round of offers to settle: a bound, not a measure


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[FaultRig]:
    with fault_rig(
        tmp_path, WAITLIST_SWEEP_SECONDS="0.5", WAITLIST_TELL_LOST_AFTER_SECONDS="3"
    ) as made:
        yield made


def full_day_cancelled() -> list[rows.Patient]:
    """The line, in the order its patients joined; every visit of the day then cancelled."""
    clinic = factories.clinic()
    doctor = factories.doctor(clinic)
    day = factories.slot_start(clinic, days_ahead=3).date()
    visits = [
        factories.appointment(
            doctor,
            factories.patient(),
            factories.slot_start(clinic, days_ahead=3, hour=h, minute=m),
        )
        for h in (10, 11, 12, 14, 15, 16)
        for m in (0, 30)
    ]
    line = [factories.patient() for _ in range(WAITING)]
    for patient in line:
        build_bus().handle(
            commands.JoinWaitlist(
                actor=factories.actor_of(patient),
                doctor_id=doctor.pk,
                clinic_id=clinic.pk,
                first_day=day,
                last_day=day,
                parts=("morning", "afternoon", "evening"),
            )
        )
    for visit in visits:
        build_bus().handle(
            commands.CancelAppointment(
                actor=factories.actor_of(visit.patient), appointment_id=visit.pk
            )
        )
    return line


def offered_in_order() -> list[int]:
    """The patients offered a slot, in the order the offers were made."""
    return list(
        rows.WaitlistOffer.objects.order_by("created_at").values_list(
            "entry__patient_id", flat=True
        )
    )


def told(rig: FaultRig) -> Counter[str]:
    """Offer emails at the sink, by recipient."""
    return Counter(
        recipient
        for mail in rig.sink.received()
        if "waited for is free" in mail.subject
        for recipient in mail.recipients
    )


def round_settled(rig: FaultRig, count: int) -> bool:
    open_told = rows.WaitlistOffer.objects.filter(told_at__isnull=False).count()
    return (
        rows.WaitlistOffer.objects.count() >= count
        and open_told >= count
        and sum(told(rig).values()) >= count
    )


def emails(patients: list[rows.Patient]) -> set[str]:
    return {patient.user.email for patient in patients}


def test_a_worker_killed_mid_batch_offers_every_slot_once_in_line_order(
    rig: FaultRig, capsys: pytest.CaptureFixture[str]
) -> None:
    line = full_day_cancelled()
    first = rig.worker("first")
    try:
        assert wait_for(
            lambda: rows.WaitlistOffer.objects.count() >= SLOTS // 2, timeout=TIMEOUT, interval=0.05
        ), first.tail()
    finally:
        first.kill()
    at_kill = rows.WaitlistOffer.objects.count()
    second = rig.worker("second")
    try:
        settled = wait_for(lambda: round_settled(rig, SLOTS), timeout=TIMEOUT, interval=0.2)
        assert settled, second.tail()
    finally:
        second.stop()

    with capsys.disabled():
        print(f"\n[waitlist worker killed] offers at the kill {at_kill}, told {dict(told(rig))}")
    # Every slot offered once, to the first SLOTS in line, in the order they joined.
    assert offered_in_order() == [patient.pk for patient in line[:SLOTS]]
    assert rows.WaitlistOffer.objects.values("start").distinct().count() == SLOTS
    assert rows.Appointment.every.filter(status="proposed", hold_purpose="offer").count() == SLOTS
    # Told once each; SMTP across a SIGKILL may repeat the one a thread had in flight.
    copies = told(rig)
    assert set(copies) == emails(line[:SLOTS])
    assert sum(n - 1 for n in copies.values()) <= first.threads


def test_redis_lost_with_the_offers_ends_pending_still_passes_each_slot_on_once(
    rig: FaultRig, capsys: pytest.CaptureFixture[str]
) -> None:
    line = full_day_cancelled()
    worker = rig.worker("worker")
    try:
        assert wait_for(lambda: round_settled(rig, SLOTS), timeout=TIMEOUT), worker.tail()
        keys_before, first_run = rig.redis.keys(), rig.redis.run_id()
        rig.redis.kill()  # the delayed ends of the offers go with it
        rig.redis.start()
        # Meanwhile the windows ran out (as if 15 minutes passed): only the sweep knows.
        past = timezone.now() - timedelta(seconds=1)
        rows.WaitlistOffer.objects.update(expires_at=past)
        rows.Appointment.every.filter(status="proposed").update(hold_expires_at=past)
        settled = wait_for(lambda: round_settled(rig, 2 * SLOTS), timeout=TIMEOUT, interval=0.2)
        assert settled, worker.tail()
        second_run = rig.redis.run_id()
    finally:
        worker.stop()

    with capsys.disabled():
        print(f"\n[waitlist redis killed] keys before {keys_before}, told {dict(told(rig))}")
    assert second_run != first_run
    statuses = Counter(rows.WaitlistOffer.objects.values_list("status", flat=True))
    assert statuses == {"expired": SLOTS, "open": SLOTS}
    # The first round to the first SLOTS, the second to the next SLOTS: in line order, once.
    assert offered_in_order() == [patient.pk for patient in line]
    copies = told(rig)
    assert set(copies) == emails(line) and set(copies.values()) == {1}
