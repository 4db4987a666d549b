"""One client address holds at most WS_MAX_SOCKETS_PER_CLIENT sockets open in a process: the
next is closed with 4429 (a page shows it offline and does not retry); closing one, or one
refused on its way in, gives its place back."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from scheduler.adapters import realtime
from scheduler.config.asgi import application
from scheduler.entrypoints.ws import consumers
from tests import factories
from tests.e2e.sockets import ORIGIN, closed_with, live, receive, socket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_channel_layer"),
]

CAP = 3
# Loopback addresses of their own: no other test's sockets count against them.
ONE, ANOTHER = ("127.0.0.71", 50001), ("127.0.0.72", 50001)


async def refused_with(path: str, peer: tuple[str, int]) -> int:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN])
    communicator.scope["client"] = list(peer)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    try:
        return await closed_with(communicator)
    finally:
        await communicator.disconnect()


@live
async def test_one_address_past_the_cap_is_closed_with_4429(settings: Any) -> None:
    settings.WS_MAX_SOCKETS_PER_CLIENT = CAP
    doctor = await database_sync_to_async(factories.doctor)()
    grid = f"/ws/slots/{doctor.pk}/"
    async with AsyncExitStack() as stack:
        for _ in range(CAP):
            await receive(await stack.enter_async_context(socket(grid, peer=ONE)))

        assert await refused_with(grid, ONE) == 4429
        async with socket(grid, peer=ANOTHER) as other:  # another address is not held
            assert (await receive(other))["type"] == "snapshot"
    # Closed: the places are free again.
    async with socket(grid, peer=ONE) as again:
        assert (await receive(again))["type"] == "snapshot"


@live
async def test_a_socket_refused_on_its_way_in_gives_its_place_back(settings: Any) -> None:
    settings.WS_MAX_SOCKETS_PER_CLIENT = CAP
    for _ in range(CAP + 2):
        assert await refused_with("/ws/slots/999999/", ONE) == 4404  # no such doctor

    doctor = await database_sync_to_async(factories.doctor)()
    async with socket(f"/ws/slots/{doctor.pk}/", peer=ONE) as opened:
        assert (await receive(opened))["type"] == "snapshot"


@live
async def test_a_socket_ended_by_an_error_of_its_own_gives_its_place_back(settings: Any) -> None:
    """Only a close ran ``disconnect``: a consumer that raised kept its place among the
    address's sockets (and its count and watchdog) for the life of the process."""
    settings.WS_MAX_SOCKETS_PER_CLIENT = CAP
    doctor = await database_sync_to_async(factories.doctor)()
    day = (
        await database_sync_to_async(lambda: factories.slot_start(doctor.clinics.get()))()
    ).date()
    path = f"/ws/slots/{doctor.pk}/?from={day}&days=1"
    for _ in range(CAP + 1):
        communicator = WebsocketCommunicator(application, path, headers=[ORIGIN])
        communicator.scope["client"] = list(ONE)
        assert (await communicator.connect(timeout=5))[0]
        await communicator.receive_json_from(timeout=5)  # the snapshot
        # A message no handler takes: Channels raises, and the consumer ends with it.
        await get_channel_layer().group_send(
            realtime.slot_group(doctor.pk, day), {"type": "no.such.message"}
        )
        with pytest.raises(ValueError, match="No handler"):
            await communicator.wait(timeout=5)

    assert ONE[0] not in consumers._open_from
