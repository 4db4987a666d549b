"""Sockets open through a Redis restart, on the production layer (pub/sub) and a redis-server of
the test's own: once this process is subscribed again, each socket gets a snapshot that holds
what it missed meanwhile, and deltas reach it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from scheduler.adapters.orm import models as rows
from scheduler.config.asgi import application
from tests import factories
from tests.e2e.sockets import ORIGIN, Message, live, receive, relay, socket
from tests.e2e.test_ws_slots import book, grid_path, iso
from tests.loopback import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)

# The subscriber finds Redis gone on its next read, then reconnects with back-off.
BACK_WITHIN = 30.0


def free_of(snapshot: Message) -> set[str]:
    return {slot["start"] for slot in snapshot["free"]}


@live
@pytest.mark.usefixtures("pubsub_layer")
async def test_a_grid_open_through_a_redis_restart_is_repainted_then_hears_deltas(
    redis_server: RedisServer, doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=11)
    later = start + timedelta(hours=3)

    # A refused socket lives on until its client goes: it hears the news too.
    refused = WebsocketCommunicator(application, "/ws/nothing/here/", headers=[ORIGIN])
    connected, _ = await refused.connect(timeout=5)
    assert not connected

    async with socket(grid_path(doctor, start)) as ws:
        first = await receive(ws)
        redis_server.kill()
        # Told to no socket here, whenever it is relayed: this process is not subscribed.
        await book(doctor, patient, start)
        redis_server.start()
        repainted = await receive(ws, timeout=BACK_WITHIN)

        other = await database_sync_to_async(factories.patient)()
        await book(doctor, other, later)
        delivered = 0
        for _ in range(5):  # the relay's own connection may meet the restart first
            delivered += await relay()
            if delivered == 2:
                break
        delta = await receive(ws)

    assert not refused.future.done(), refused.future.exception()
    await refused.disconnect()
    assert iso(start) in free_of(first)
    assert repainted["type"] == "snapshot"
    assert iso(start) not in free_of(repainted)
    assert iso(later) in free_of(repainted)
    assert delivered == 2
    # The first booking's delta comes too late to matter; the one after the repaint is heard.
    assert delta["type"] == "slot"
    assert delta["start"] in {iso(start), iso(later)}
