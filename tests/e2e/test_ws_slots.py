"""The slot-grid socket: joins each watched day, snapshot first, then deltas; who sees what."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from scheduler.adapters import realtime
from scheduler.adapters.orm import models as rows
from scheduler.config.asgi import application
from scheduler.config.bootstrap import build_bus, unit_of_work
from scheduler.domain.intervals import Interval
from scheduler.services import commands
from scheduler.services.busy_times import SyncState
from tests import factories
from tests.e2e.sockets import (
    ORIGIN,
    closed_with,
    live,
    receive,
    relay,
    session_cookie,
    socket,
    text_of,
    token_for,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_channel_layer"),
]


def grid_path(doctor: rows.Doctor, start: datetime, *, days: int = 1, **extra: str) -> str:
    """The grid of ``start``'s day (clinics here are all on Tehran time)."""
    day = start.astimezone(ZoneInfo(factories.TEHRAN)).date()
    query = "&".join(f"{k}={v}" for k, v in {"from": day, "days": days, **extra}.items())
    return f"/ws/slots/{doctor.pk}/?{query}"


@database_sync_to_async
def book(doctor: rows.Doctor, patient: rows.Patient, start: datetime) -> uuid.UUID:
    result = build_bus().handle(
        commands.BookAppointment(
            actor=factories.actor_of(patient),
            doctor_id=doctor.pk,
            clinic_id=doctor.clinics.get().pk,
            start=start,
        )
    )
    return result.appointment_id


@database_sync_to_async
def cancel(patient: rows.Patient, appointment_id: uuid.UUID) -> None:
    build_bus().handle(
        commands.CancelAppointment(actor=factories.actor_of(patient), appointment_id=appointment_id)
    )


@database_sync_to_async
def reschedule(patient: rows.Patient, appointment_id: uuid.UUID, start: datetime) -> None:
    build_bus().handle(
        commands.RescheduleAppointment(
            actor=factories.actor_of(patient), appointment_id=appointment_id, start=start
        )
    )


def iso(moment: datetime) -> str:
    return realtime.instant(moment)


@live
async def test_a_visitor_gets_the_days_free_and_taken_slots_first(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=11)
    appointment_id = await book(doctor, patient, start)

    async with socket(grid_path(doctor, start)) as ws:
        snapshot = await receive(ws)

    assert snapshot["type"] == "snapshot"
    assert snapshot["doctor_id"] == doctor.pk
    assert snapshot["first_day"] == snapshot["last_day"] == start.date().isoformat()
    assert snapshot["clinics"] == [
        {"id": clinic.pk, "name": clinic.name, "timezone": clinic.timezone}
    ]
    free = {slot["start"] for slot in snapshot["free"]}
    assert iso(start) not in free
    assert iso(start - timedelta(minutes=30)) in free  # 10:30
    assert len(free) == 11  # 10:00-17:00 in half hours, less lunch and the booked 11:00
    [taken] = snapshot["slots"]
    assert taken["start"] == iso(start)
    assert taken["state"] == "taken"
    assert taken["version"] == 1
    assert taken["key"] == realtime.appointment_key(appointment_id)
    assert taken["booking"] is None
    assert str(appointment_id) not in text_of(snapshot)


@live
async def test_bookings_and_cancellations_reach_the_grid_as_versioned_deltas(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=15)

    async with socket(grid_path(doctor, start)) as ws:
        await receive(ws)  # the snapshot
        appointment_id = await book(doctor, patient, start)
        assert await relay() == 1
        booked = await receive(ws)
        await cancel(patient, appointment_id)
        assert await relay() == 1
        cancelled = await receive(ws)
        assert await ws.receive_nothing(timeout=0.2)

    key = realtime.appointment_key(appointment_id)
    assert booked == {
        "type": "slot",
        "key": key,
        "version": 1,
        "doctor_id": doctor.pk,
        "clinic_id": clinic.pk,
        "start": iso(start),
        "end": iso(start + timedelta(minutes=30)),
        "state": "taken",
        "released": None,
        "booking": None,
    }
    assert cancelled["key"] == key
    assert cancelled["version"] == 2
    assert cancelled["state"] == "free"


@live
async def test_a_socket_joins_each_day_it_watches_and_no_other(
    doctor: rows.Doctor, patient: rows.Patient, other_patient: rows.Patient, clinic: rows.Clinic
) -> None:
    day_one = factories.slot_start(clinic, days_ahead=2, hour=10)
    day_two = factories.slot_start(clinic, days_ahead=3, hour=10)
    day_four = factories.slot_start(clinic, days_ahead=5, hour=10)

    async with socket(grid_path(doctor, day_one, days=2)) as ws:
        snapshot = await receive(ws)
        assert snapshot["last_day"] == day_two.date().isoformat()
        await book(doctor, patient, day_two)
        await book(doctor, other_patient, day_four)
        assert await relay() == 2
        message = await receive(ws)
        assert message["start"] == iso(day_two)
        assert await ws.receive_nothing(timeout=0.3)  # day four is not watched


@live
async def test_a_move_to_another_day_reaches_watchers_of_both_days(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    before = factories.slot_start(clinic, days_ahead=2, hour=10)
    after = factories.slot_start(clinic, days_ahead=4, hour=16)
    appointment_id = await book(doctor, patient, before)
    await relay()

    async with (
        socket(grid_path(doctor, before)) as old_day,
        socket(grid_path(doctor, after)) as new_day,
    ):
        await receive(old_day), await receive(new_day)
        await reschedule(patient, appointment_id, after)
        await relay()
        seen_on_old, seen_on_new = await receive(old_day), await receive(new_day)

    assert seen_on_old == seen_on_new
    assert seen_on_new["version"] == 2
    assert seen_on_new["start"] == iso(after)
    assert seen_on_new["state"] == "taken"
    assert seen_on_new["released"] == {
        "start": iso(before),
        "end": iso(before + timedelta(minutes=30)),
    }


@live
async def test_the_same_event_relayed_twice_carries_the_same_version(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    """At least once: a client drops the second copy by its version."""
    start = factories.slot_start(clinic, days_ahead=2, hour=12)

    async with socket(grid_path(doctor, start)) as ws:
        await receive(ws)
        await book(doctor, patient, start)
        await relay()
        await database_sync_to_async(rows.StoredEvent.objects.update)(delivery="pending")
        await relay()
        first, second = await receive(ws), await receive(ws)

    assert first == second


@live
async def test_a_client_that_saw_a_gap_asks_for_the_snapshot_again(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=12)

    async with socket(grid_path(doctor, start)) as ws:
        first = await receive(ws)
        assert first["slots"] == []
        await book(doctor, patient, start)  # committed, never relayed: the socket missed it
        await ws.send_json_to({"type": "snapshot"})
        again = await receive(ws)

    assert again["type"] == "snapshot"
    assert [slot["start"] for slot in again["slots"]] == [iso(start)]


@live
async def test_a_ping_is_answered_at_once_and_a_half_open_page_can_tell(
    doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    """A page with no change to hear for a while could not tell a quiet day from a dead
    connection (a laptop that slept, a phone that lost its network): its status said live."""
    async with socket(grid_path(doctor, factories.slot_start(clinic))) as ws:
        await receive(ws)
        for _ in range(3):
            await ws.send_json_to({"type": "ping"})
            assert await receive(ws) == {"type": "pong"}


# -- who sees what -----------------------------------------------------------------------------


@live
async def test_patients_see_free_or_taken_and_never_another_patients_booking(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    other = await database_sync_to_async(factories.patient)(
        first_name="Zahra", last_name="Unseen", phone="+989120000077"
    )
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    theirs = await book(doctor, other, start)
    await relay()
    later = start + timedelta(hours=1)

    path = grid_path(doctor, start)
    async with socket(path, headers=[await session_cookie(patient.user)]) as ws:
        snapshot = await receive(ws)
        mine = await book(doctor, patient, later)
        await cancel(other, theirs)
        await relay()
        deltas = [await receive(ws), await receive(ws)]

    seen = text_of(snapshot) + "".join(text_of(d) for d in deltas)
    for secret in (str(theirs), f'"patient_id": {other.pk}', "Zahra", "Unseen", "0000077"):
        assert secret not in seen
    assert [slot["booking"] for slot in snapshot["slots"]] == [None]
    by_key = {d["key"]: d for d in deltas}
    assert by_key[realtime.appointment_key(theirs)]["booking"] is None
    assert by_key[realtime.appointment_key(theirs)]["state"] == "free"
    # their own booking is theirs to see, as in the API
    assert by_key[realtime.appointment_key(mine)]["booking"] == {
        "id": str(mine),
        "status": "booked",
        "patient_id": patient.pk,
    }


@live
async def test_one_change_reaches_each_viewer_in_their_own_view(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    """A process encodes a delta once a view and hands every socket the same message: the
    patient, the doctor and a visitor still each get theirs."""
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    path = grid_path(doctor, start)
    doctors_path = grid_path(doctor, start, token=await token_for(doctor.user))
    patients = [await session_cookie(patient.user)]
    async with (
        socket(path) as visitor,
        socket(doctors_path) as doctors,
        socket(path, headers=patients) as own,
    ):
        for ws in (visitor, doctors, own):
            await receive(ws)  # the snapshot
        appointment_id = await book(doctor, patient, start)
        await relay()
        heard = {"visitor": await receive(visitor), "doctor": await receive(doctors)}
        heard["patient"] = await receive(own)

    booking = {"id": str(appointment_id), "status": "booked", "patient_id": patient.pk}
    assert {name: delta["booking"] for name, delta in heard.items()} == {
        "visitor": None,
        "doctor": booking,
        "patient": booking,
    }
    assert {delta["state"] for delta in heard.values()} == {"taken"}


@live
async def test_the_doctor_sees_who_holds_each_slot_signed_in_with_a_token(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    appointment_id = await book(doctor, patient, start)
    token = await token_for(doctor.user)

    async with socket(grid_path(doctor, start, token=token)) as ws:
        snapshot = await receive(ws)

    [slot] = snapshot["slots"]
    assert slot["booking"]["id"] == str(appointment_id)
    assert slot["booking"]["patient_id"] == patient.pk
    assert slot["booking"]["patient_name"] == patient.user.get_full_name()


@live
async def test_signing_in_with_a_first_message_sends_the_fuller_snapshot(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    appointment_id = await book(doctor, patient, start)
    await relay()  # old news: before the socket opens
    token = await token_for(doctor.user)

    async with socket(grid_path(doctor, start)) as ws:
        as_visitor = await receive(ws)
        await ws.send_json_to({"type": "auth", "token": token})
        as_doctor = await receive(ws)
        await cancel(patient, appointment_id)
        await relay()
        delta = await receive(ws)

    assert as_visitor["slots"][0]["booking"] is None
    assert as_doctor["slots"][0]["booking"]["id"] == str(appointment_id)
    assert delta["booking"] == {
        "id": str(appointment_id),
        "status": "cancelled",
        "patient_id": patient.pk,
    }


@live
async def test_another_doctor_sees_only_free_or_taken(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    await book(doctor, patient, start)
    colleague = await database_sync_to_async(factories.doctor)(clinic)

    async with socket(
        grid_path(doctor, start), headers=[await session_cookie(colleague.user)]
    ) as ws:
        snapshot = await receive(ws)

    assert [slot["booking"] for slot in snapshot["slots"]] == [None]


@live
async def test_a_bad_token_is_told_and_closed(doctor: rows.Doctor, clinic: rows.Clinic) -> None:
    start = factories.slot_start(clinic)
    async with socket(grid_path(doctor, start, token="not-a-jwt")) as ws:
        error = await receive(ws)
        assert await closed_with(ws) == 4401
    assert error["type"] == "error"

    async with socket(grid_path(doctor, start)) as ws:
        await receive(ws)
        await ws.send_json_to({"type": "auth", "token": "still-not-a-jwt"})
        assert (await receive(ws))["code"] == 4401
        assert await closed_with(ws) == 4401


@live
async def test_unknown_unverified_doctors_and_bad_ranges_are_refused(
    doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    hidden = await database_sync_to_async(factories.doctor)(clinic, verified=False)
    cases = [
        (f"/ws/slots/{hidden.pk}/", 4404),
        ("/ws/slots/999999/", 4404),
        (f"/ws/slots/{doctor.pk}/?days=0", 4400),
        (f"/ws/slots/{doctor.pk}/?days=32", 4400),
        (f"/ws/slots/{doctor.pk}/?from=tomorrow", 4400),
    ]
    for path, code in cases:
        async with socket(path) as ws:
            assert (await receive(ws))["type"] == "error", path
            assert await closed_with(ws) == code, path


@live
async def test_a_socket_from_a_foreign_origin_is_refused(doctor: rows.Doctor) -> None:
    for headers in ([(b"origin", b"http://evil.example")], []):
        communicator = WebsocketCommunicator(
            application, f"/ws/slots/{doctor.pk}/", headers=headers
        )
        connected, _ = await communicator.connect(timeout=5)
        assert not connected
    communicator = WebsocketCommunicator(application, f"/ws/slots/{doctor.pk}/", headers=[ORIGIN])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    await communicator.disconnect()


@database_sync_to_async
def block_in_the_doctors_calendar(doctor: rows.Doctor, busy: Interval) -> None:
    with unit_of_work() as uow:
        uow.busy_blocks.replace(
            doctor.pk, "primary", {"evt-1": busy}, sync=SyncState(), now=busy.start
        )
        uow.commit()


@live
async def test_busy_time_from_the_doctors_calendar_repaints_the_grids_of_its_day(
    doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=15)

    async with socket(grid_path(doctor, start)) as ws:
        before = await receive(ws)
        await block_in_the_doctors_calendar(doctor, Interval(start, start + timedelta(hours=1)))
        assert await relay() == 1
        after = await receive(ws)

    assert after["type"] == "snapshot"
    assert iso(start) in {slot["start"] for slot in before["free"]}
    assert {slot["start"] for slot in before["free"]} - {
        slot["start"] for slot in after["free"]
    } == {
        iso(start),
        iso(start + timedelta(minutes=30)),
    }


@database_sync_to_async
def days_off(doctor: rows.Doctor, period: Interval) -> None:
    build_bus().handle(
        commands.AddTimeOff(
            actor=factories.actor_of(doctor),
            doctor_id=doctor.pk,
            start=period.start,
            end=period.end,
        )
    )


@live
async def test_days_off_repaint_a_grid_once_however_many_of_its_days_they_touch(
    doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=0)

    async with socket(grid_path(doctor, start, days=7)) as ws:
        before = await receive(ws)
        await days_off(doctor, Interval(start, start + timedelta(days=3)))
        assert await relay() == 1
        after = await receive(ws)
        assert await ws.receive_nothing(timeout=0.5)  # not once per day of the three

    assert after["type"] == "snapshot"
    gone = {slot["start"] for slot in before["free"]} - {slot["start"] for slot in after["free"]}
    assert len(gone) == 3 * 12  # three days of twelve slots
