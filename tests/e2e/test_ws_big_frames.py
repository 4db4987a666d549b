"""A real server drops a socket that sends more than any page of ours ever sends (64 KB): one
open socket cannot make the server hold megabytes. What fits is answered as usual."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from scheduler.adapters.orm import models as rows
from scheduler.entrypoints.cli import SOCKET_MESSAGE_BYTES
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


async def answer_to(server: Server, doctor_id: int, message: str) -> str:
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
