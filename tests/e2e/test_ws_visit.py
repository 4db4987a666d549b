"""The visit socket: a patient's own place, from the signed link; it follows the visit when it
is moved to another day, and says nothing of anyone else."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async

from scheduler.adapters import visit_links
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.e2e.sockets import closed_with, live, receive, relay, socket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_channel_layer"),
]


@database_sync_to_async
def handle(command: commands.Command) -> Any:
    return build_bus().handle(command)


@database_sync_to_async
def make(factory: Any, *args: Any, **kwargs: Any) -> Any:
    return factory(*args, **kwargs)


@live
async def test_the_socket_follows_the_visit_to_its_new_day(
    doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient, receptionist: rows.Receptionist
) -> None:
    desk = factories.actor_of(receptionist)
    booking = await make(factories.booking, doctor, patient)
    mine: uuid.UUID = (await handle(booking)).appointment_id
    await relay()

    async with socket(f"/ws/visit/{visit_links.token_for(mine)}/") as ws:
        first = await receive(ws)
        later = factories.slot_start(clinic, days_ahead=6, hour=11)
        await handle(commands.RescheduleAppointment(actor=desk, appointment_id=mine, start=later))
        await relay()
        moved = await receive(ws)
        # Heard only in the new day's group: the socket must have moved there.
        await handle(commands.CancelAppointment(actor=desk, appointment_id=mine, reason="ill"))
        await relay()
        cancelled = await receive(ws)

    assert first["status"] == moved["status"] == "booked"
    assert moved["start"] != first["start"]
    assert cancelled["status"] == "cancelled"


@live
async def test_the_patient_sees_their_place_and_nobody_elses(
    doctor: rows.Doctor, clinic: rows.Clinic, patient: rows.Patient, receptionist: rows.Receptionist
) -> None:
    desk = factories.actor_of(receptionist)
    earlier = factories.earlier_today(clinic, minutes_ago=60)
    before = await make(factories.appointment, doctor, await make(factories.patient), earlier)
    mine = await make(factories.appointment, doctor, patient, earlier + timedelta(minutes=30))

    async with socket(f"/ws/visit/{visit_links.token_for(mine.pk)}/") as ws:
        first = await receive(ws)
        await handle(commands.CheckInAppointment(actor=desk, appointment_id=mine.pk))
        await relay()
        waiting = await receive(ws)
        await handle(commands.CheckInAppointment(actor=desk, appointment_id=before.pk))
        await relay()
        behind = await receive(ws)

    assert first["status"] == "booked" and first["queue"]["place"] == "expected"
    assert waiting["status"] == "arrived" and waiting["queue"]["position"] == 1
    assert behind["queue"]["position"] == 2  # the other's visit was earlier: they go first
    assert set(behind) == {"type", "status", "start", "queue", "asked_to_move", "reason"}
    assert str(before.pk) not in str(behind)


@live
async def test_a_link_not_signed_here_closes_the_socket_as_not_found() -> None:
    async with socket("/ws/visit/forged/") as ws:
        assert await closed_with(ws) == 4404
