"""The live part of an offer: the patient's own socket (/ws/me/appointments/) hears that an
offer was made for them, and that it ended; nobody else's socket does."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.e2e.sockets import live, receive, relay, session_cookie, socket


@database_sync_to_async
def waiting_for_a_cancelled_slot(
    doctor: rows.Doctor, patient: rows.Patient, holder: rows.Patient
) -> tuple[int, Any]:
    """The patient waits for the morning of the holder's visit; its cancellation (committed,
    not relayed yet)."""
    visit = build_bus().handle(factories.booking(doctor, holder)).appointment_id
    entry_id: int = build_bus().handle(factories.waiting(doctor, patient))
    return entry_id, commands.CancelAppointment(
        actor=factories.actor_of(holder), appointment_id=visit
    )


@database_sync_to_async
def run(command: commands.Command) -> Any:
    return build_bus().handle(command)


async def heard_waitlist(ws: Any) -> dict[str, Any]:
    """The first waitlist message (a grid's news of the hold may come first)."""
    for _ in range(5):
        message: dict[str, Any] = await receive(ws)
        if message["type"] == "waitlist":
            return message
    raise AssertionError("no waitlist message")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_the_offer_and_its_end_reach_the_patients_own_socket(
    doctor: rows.Doctor, patient: rows.Patient, other_patient: rows.Patient
) -> None:
    entry_id, cancel = await waiting_for_a_cancelled_slot(doctor, patient, other_patient)
    await relay()
    async with (
        socket("/ws/me/appointments/", headers=[await session_cookie(patient.user)]) as mine,
        socket(
            "/ws/me/appointments/", headers=[await session_cookie(other_patient.user)]
        ) as theirs,
    ):
        assert (await receive(mine))["type"] == "snapshot"
        assert (await receive(theirs))["type"] == "snapshot"
        await run(cancel)
        for _ in range(3):  # the cancellation, then the offer it made
            await relay()
        offered = await heard_waitlist(mine)
        offer = await database_sync_to_async(rows.WaitlistOffer.objects.get)()
        await run(commands.DeclineOffer(actor=factories.actor_of(patient), offer_id=offer.pk))
        await relay()
        ended = await heard_waitlist(mine)
        theirs_heard = []
        while not await theirs.receive_nothing(timeout=0.2):
            theirs_heard.append((await receive(theirs))["type"])

    assert offered == {"type": "waitlist", "entry_id": entry_id}
    assert ended == {"type": "waitlist", "entry_id": entry_id}
    assert "waitlist" not in theirs_heard
