"""A real server drops a socket that sends more than any page of ours ever sends (64 KB): one
open socket cannot make the server hold megabytes. What fits is answered as usual, and what the
server sends is not held to that limit."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.snapshots import MAX_GRID_DAYS
from scheduler.entrypoints.cli import SOCKET_MESSAGE_BYTES
from tests import factories
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


async def answer_to(server: Server, doctor_id: int, message: str | list[str]) -> str:
    """``message`` as a list: one message in as many frames."""
    async with websockets.connect(
        f"{server.ws_url}/ws/slots/{doctor_id}/", origin=server.url, max_size=None
    ) as socket:
        await asyncio.wait_for(socket.recv(), 10)  # the grid's snapshot
        await socket.send(message)
        try:
            return str(json.loads(await asyncio.wait_for(socket.recv(), 10))["type"])
        except websockets.ConnectionClosed:
            return "dropped"


def test_a_message_bigger_than_any_page_sends_drops_the_socket(
    server: Server, doctor: rows.Doctor
) -> None:
    fits = asyncio.run(answer_to(server, doctor.pk, "x" * (SOCKET_MESSAGE_BYTES - 1)))
    too_big = asyncio.run(answer_to(server, doctor.pk, "x" * (SOCKET_MESSAGE_BYTES + 1)))

    assert (fits, too_big) == ("error", "dropped")


def test_a_message_bigger_than_any_page_sends_drops_the_socket_in_small_frames_too(
    server: Server, doctor: rows.Doctor
) -> None:
    frame = "x" * (SOCKET_MESSAGE_BYTES // 4)

    assert asyncio.run(answer_to(server, doctor.pk, [frame] * 5)) == "dropped"


def test_a_month_of_five_minute_slots_is_sent_whatever_its_size(
    server: Server, clinic: rows.Clinic
) -> None:
    """Found by an attacker: autobahn held what the server sends to the limit on what it
    receives, and closed a grid of more than about ten such days with 1011."""
    doctor = factories.doctor(clinic, slot_minutes=5, min_notice_minutes=0)

    async def snapshot() -> tuple[int, str]:
        async with websockets.connect(
            f"{server.ws_url}/ws/slots/{doctor.pk}/?days={MAX_GRID_DAYS}",
            origin=server.url,
            max_size=None,
        ) as socket:
            text = await asyncio.wait_for(socket.recv(), 10)
            return len(text), json.loads(text)["type"]

    size, kind = asyncio.run(snapshot())

    assert kind == "snapshot"
    assert size > 2 * SOCKET_MESSAGE_BYTES
