"""Slot holds on the real unit of work and database (both runtimes): an expired hold never
blocks and is released by whatever meets it, or by the sweep; grids show a live hold held and
nothing else hears of it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduler.adapters import event_codec, realtime
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import snapshots
from scheduler.config.bootstrap import build_bus, release_expired_holds, unit_of_work
from scheduler.domain.appointment import VisitMode
from scheduler.domain.errors import SlotTaken
from scheduler.domain.holds import REVIEW_MINUTES
from scheduler.entrypoints.ws import screens
from scheduler.services import commands
from scheduler.services.handlers import slot_change
from scheduler.services.holds import HeldSlot
from tests import factories
from tests.statements import as_run

pytestmark = pytest.mark.django_db

EXPIRED = timedelta(minutes=REVIEW_MINUTES, seconds=1)


def _hold(doctor: rows.Doctor, patient: rows.Patient, *, ago: timedelta = timedelta()) -> HeldSlot:
    booking = factories.booking(doctor, patient)
    held: HeldSlot = build_bus(clock=lambda: datetime.now(UTC) - ago).handle(
        commands.HoldSlot(
            actor=booking.actor,
            doctor_id=booking.doctor_id,
            clinic_id=booking.clinic_id,
            start=booking.start,
        )
    )
    return held


def _types() -> list[tuple[str, int]]:
    return list(rows.StoredEvent.objects.order_by("occurred_at").values_list("type", "version"))


def test_an_expired_hold_never_blocks_a_booking_and_is_released_by_it() -> None:
    doctor = factories.doctor()
    first, second = factories.patient(), factories.patient()
    held = _hold(doctor, first, ago=EXPIRED)

    visit = build_bus().handle(factories.booking(doctor, second)).appointment_id

    assert rows.Appointment.objects.get().pk == visit
    assert rows.Appointment.every.get(pk=held.hold_id).status == "released"
    assert _types() == [("SlotHeld", 1), ("HoldReleased", 2), ("AppointmentBooked", 1)]
    released = rows.StoredEvent.objects.get(type="HoldReleased")
    assert released.payload["reason"] == "expired"


def test_an_expired_hold_never_blocks_another_hold() -> None:
    doctor = factories.doctor()
    first, second = factories.patient(), factories.patient()
    _hold(doctor, first, ago=EXPIRED)

    fresh = _hold(doctor, second)

    assert rows.Appointment.every.get(status="proposed").pk == fresh.hold_id


def test_a_live_hold_blocks_until_its_last_second() -> None:
    doctor = factories.doctor()
    first, second = factories.patient(), factories.patient()
    _hold(doctor, first, ago=timedelta(minutes=REVIEW_MINUTES, seconds=-5))

    with pytest.raises(SlotTaken):
        build_bus().handle(factories.booking(doctor, second))


def test_the_sweep_releases_expired_holds_only() -> None:
    doctor = factories.doctor()
    old = _hold(doctor, factories.patient(), ago=EXPIRED)
    other_doctor = factories.doctor()
    young = _hold(other_doctor, factories.patient())

    assert release_expired_holds() == 1
    assert release_expired_holds() == 0

    assert rows.Appointment.every.get(pk=old.hold_id).status == "released"
    assert rows.Appointment.every.get(pk=young.hold_id).status == "proposed"


def test_the_grid_shows_a_live_hold_held_and_an_expired_one_free() -> None:
    doctor = factories.doctor()
    clinic = doctor.clinics.get()
    live = _hold(doctor, factories.patient())
    _hold(factories.doctor(clinic), factories.patient(), ago=EXPIRED)  # another doctor's
    day = datetime.now(ZoneInfo(clinic.timezone)).date() + timedelta(days=2)
    now = datetime.now(UTC)
    window = snapshots.grid_window(doctor_id=doctor.pk, viewer=None, first_day=day, days=1, now=now)

    grid = snapshots.slot_grid(window=window, viewer=None, now=now, uow=unit_of_work())

    (booking,) = grid.bookings
    assert booking.change.appointment_id == live.hold_id
    assert realtime.slot_record(booking.change)["state"] == "held"
    assert booking.change.slot.start not in {slot.start for _, slot in grid.free}


def test_a_holds_events_reach_the_grids_only() -> None:
    doctor = factories.doctor()
    patient = factories.patient()
    held = _hold(doctor, patient)
    build_bus().handle(
        commands.ReleaseHold(actor=factories.actor_of(patient), hold_id=held.hold_id)
    )
    stored = rows.StoredEvent.objects.order_by("occurred_at")
    zone = ZoneInfo(doctor.clinics.get().timezone)
    for row, state in zip(stored, ["held", "free"], strict=True):
        change = slot_change(event_codec.decode(row.type, row.payload))
        sent = realtime.fan_out(change, zone)
        assert [group.split(".")[0] for group, _ in sent] == ["slots"]
        assert sent[0][1]["slot"]["state"] == state


def test_grids_show_who_holds_a_slot_to_the_holder_alone() -> None:
    """A hold is no visit: the doctor, the desk and admins see the slot held, as everyone else
    does (the API finds no appointment for them either); its patient sees it is theirs."""
    clinic = factories.clinic()
    doctor, patient = factories.doctor(clinic), factories.patient()
    held = _hold(doctor, patient)
    viewers = {
        "holder": factories.actor_of(patient),
        "doctor": factories.actor_of(doctor),
        "desk": factories.actor_of(factories.receptionist(clinic)),
        "admin": factories.actor_of(factories.admin()),
        "another patient": factories.actor_of(factories.patient()),
    }
    day = datetime.now(ZoneInfo(clinic.timezone)).date() + timedelta(days=2)
    now = datetime.now(UTC)
    (held_event,) = rows.StoredEvent.objects.filter(type="SlotHeld")
    change = slot_change(event_codec.decode(held_event.type, held_event.payload))
    (_, delta), *_ = realtime.fan_out(change, ZoneInfo(clinic.timezone))
    build_bus().handle(
        commands.ReleaseHold(actor=factories.actor_of(patient), hold_id=held.hold_id)
    )
    released = rows.StoredEvent.objects.get(type="HoldReleased")
    change = slot_change(event_codec.decode(released.type, released.payload))
    (_, let_go), *_ = realtime.fan_out(change, ZoneInfo(clinic.timezone))
    _hold(doctor, patient)

    for name, viewer in viewers.items():
        window = snapshots.grid_window(
            doctor_id=doctor.pk, viewer=viewer, first_day=day, days=1, now=now
        )
        grid = snapshots.slot_grid(window=window, viewer=viewer, now=now, uow=unit_of_work())
        (slot,) = screens.grid_snapshot_message(grid, viewer)["slots"]
        live = realtime.slot_view(delta["slot"], delta["booking"], viewer)
        freed = realtime.slot_view(let_go["slot"], let_go["booking"], viewer)
        assert (slot["state"], live["state"], freed["state"]) == ("held", "held", "free"), name
        shown = [view["booking"] is not None for view in (slot, live, freed)]
        assert shown == [name == "holder"] * 3, name


def test_booking_a_hold_in_place_keeps_the_video_visit_chosen_in_the_review() -> None:
    # The review step holds the slot first (in person by default); Confirm books that very row
    # with the patient's choice: a video visit stays video, with its room, once saved.
    doctor = factories.doctor()
    rows.Clinic.objects.filter(pk=doctor.clinics.get().pk).update(
        video_url_template="https://meet.example.org/{room}"
    )
    patient = factories.patient()
    held = _hold(doctor, patient)

    booked = build_bus().handle(
        dataclasses.replace(
            factories.booking(doctor, patient), hold_id=held.hold_id, visit_mode=VisitMode.VIDEO
        )
    )

    row = rows.Appointment.objects.get()
    assert (row.pk, row.status, row.visit_mode) == (held.hold_id, "booked", "video")
    assert row.video_room != ""
    assert booked.appointment_id == held.hold_id


def test_a_booking_reads_the_holds_it_may_meet_once_and_no_busy_time() -> None:
    """Its own hold to book in place, its other review holds to let go, and the expired holds
    in its way to release: one read for the three (it was four). The doctor's and the
    patient's busy time: not read (it was two, then one); the database's guards refuse an
    overlap at commit."""
    doctor = factories.doctor()
    booking = factories.booking(doctor, factories.patient())
    build_bus().handle(booking)  # the schedule's hours are cached from here on
    other = factories.booking(doctor, factories.patient(), hour=11)

    with CaptureQueriesContext(connection) as queries:
        build_bus().handle(other)

    reads = [sql for q in queries if (sql := as_run(q["sql"])).startswith("SELECT")]
    busy = [sql for sql in reads if '"hold_expires_at" >' in sql]
    held = [sql for sql in reads if "'proposed'" in sql and sql not in busy]
    assert (len(held), len(busy)) == (1, 0), reads


def test_a_booking_naming_a_hold_let_go_books_the_patients_later_hold_of_that_time() -> None:
    """Two tabs on one slot: the second's hold let the first's go (one review hold a patient).
    Confirm in the first tab names the hold let go; it books the later one in place (it was
    refused as taken, by the patient's own hold)."""
    doctor, patient = factories.doctor(), factories.patient()
    booking = factories.booking(doctor, patient)
    first = _hold(doctor, patient)
    build_bus().handle(commands.ReleaseHold(actor=booking.actor, hold_id=first.hold_id))
    second = _hold(doctor, patient)

    booked = build_bus().handle(dataclasses.replace(booking, hold_id=first.hold_id))

    assert booked.appointment_id == second.hold_id
    assert rows.Appointment.objects.get().pk == second.hold_id


def test_a_waitlist_offer_booked_after_its_hold_is_gone_is_refused() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    booking = factories.booking(doctor, patient)
    first = _hold(doctor, patient)
    build_bus().handle(commands.ReleaseHold(actor=booking.actor, hold_id=first.hold_id))
    _hold(doctor, patient)

    with pytest.raises(SlotTaken):
        build_bus().handle(dataclasses.replace(booking, hold_id=first.hold_id, hold_required=True))
