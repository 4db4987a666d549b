"""The live screens' sockets name their viewer and the peer's address in the audit trail when
they send a snapshot that shows whose appointments they are."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from scheduler.adapters import realtime
from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from tests import factories
from tests.e2e.sockets import live, receive, session_cookie, socket, token_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_channel_layer"),
]


@database_sync_to_async
def booked(doctor: rows.Doctor, patient: rows.Patient) -> str:
    return str(build_bus().handle(factories.booking(doctor, patient)).appointment_id)


@database_sync_to_async
def reads(appointment_id: str) -> list[tuple[str, str, str | None]]:
    return [
        (e.actor_username, e.actor_role, e.ip)
        for e in AuditEntry.objects.filter(action="appointment.read", object_id=appointment_id)
    ]


@live
async def test_the_desk_snapshot_names_the_receptionist_and_their_address(
    receptionist: rows.Receptionist,
    doctor: rows.Doctor,
    patient: rows.Patient,
    clinic: rows.Clinic,
) -> None:
    appointment_id = await booked(doctor, patient)
    day = factories.slot_start(clinic).date()
    cookie = await session_cookie(receptionist.user)

    path = f"/ws/desk/{receptionist.clinic_id}/?date={day}"
    async with socket(path, headers=[cookie], peer=("198.51.100.20", 40000)) as ws:
        snapshot = await receive(ws)

    assert [a["id"] for a in snapshot["appointments"]] == [appointment_id]
    assert await reads(appointment_id) == [
        (receptionist.user.username, "receptionist", "198.51.100.20")
    ]


@live
async def test_a_grid_signed_in_on_the_socket_names_whoever_signed_in(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = await booked(doctor, patient)
    token = await token_for(doctor.user)

    async with socket(f"/ws/slots/{doctor.pk}/?days=3") as ws:
        as_visitor = await receive(ws)
        await ws.send_json_to({"type": "auth", "token": token})
        as_doctor = await receive(ws)

    assert [s["booking"] for s in as_visitor["slots"]] == [None]  # not whose: nothing read
    assert as_doctor["slots"][0]["booking"]["id"] == appointment_id
    assert await reads(appointment_id) == [(doctor.user.username, "doctor", "127.0.0.1")]


@live
async def test_a_snapshot_a_channel_message_asks_for_names_the_viewer_too(
    doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    """The socket's viewer is set in the task that handles its connect; a repaint (or a
    resubscription) comes through the channel layer. Handled in a task of its own with a
    context of its own, its snapshot was audited as the system's, with no address."""
    appointment_id = await booked(doctor, patient)
    day = factories.slot_start(clinic).date()
    cookie = await session_cookie(doctor.user)

    path = f"/ws/slots/{doctor.pk}/?from={day}&days=1"
    async with socket(path, headers=[cookie], peer=("198.51.100.20", 40000)) as ws:
        await receive(ws)
        for message in (
            {"type": realtime.SLOTS_REPAINT, "change": "c1"},
            {"type": realtime.RESUBSCRIBED},
        ):
            await get_channel_layer().group_send(realtime.slot_group(doctor.pk, day), message)
            await receive(ws)

    assert await reads(appointment_id) == [(doctor.user.username, "doctor", "198.51.100.20")] * 3
