"""Two daphne processes on one Redis: a booking made through one reaches sockets held by both.

This is what the production runtime is for: the process whose relay publishes the event is not
the one that holds most sockets.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rest_framework_simplejwt.tokens import AccessToken
from websockets.asyncio.client import ClientConnection, connect

from scheduler.adapters import realtime
from tests import factories
from tests.servers import Server, serving

DELIVERY_SECONDS = 2  # the bound: both sockets have the delta within 2 s

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_servers(
    transactional_db: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    data = tmp_path_factory.mktemp("cross-process")
    prefix = f"xproc-{uuid.uuid4().hex[:8]}"  # one prefix for both: that makes them one site
    with (
        serving(data, channels_prefix=prefix) as first,
        serving(data, channels_prefix=prefix) as second,
    ):
        yield first, second


async def open_grid(server: Server, path: str) -> ClientConnection:
    socket = await connect(f"{server.ws_url}{path}", origin=server.url, proxy=None)  # type: ignore[arg-type]
    snapshot = json.loads(await socket.recv())
    assert snapshot["type"] == "snapshot"
    return socket


async def wait_for(socket: ClientConnection, key: str) -> dict[str, Any]:
    """The first delta about ``key``; anything else is skipped."""
    while True:
        message: dict[str, Any] = json.loads(await socket.recv())
        if message.get("key") == key:
            return message


def post_booking(server: Server, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server.url}/api/appointments/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def test_a_booking_through_one_process_reaches_sockets_on_both(
    two_servers: tuple[Server, Server],
) -> None:
    first, second = two_servers
    clinic = factories.clinic()
    doctor, patient = factories.doctor(clinic), factories.patient()
    start = factories.slot_start(clinic, days_ahead=2, hour=11)
    day = start.astimezone(ZoneInfo(clinic.timezone)).date()
    path = f"/ws/slots/{doctor.pk}/?from={day}&days=1"
    token = str(AccessToken.for_user(patient.user))

    async def scenario() -> list[dict[str, Any]]:
        on_first, on_second = await open_grid(first, path), await open_grid(second, path)
        try:
            booked = await asyncio.to_thread(
                post_booking,
                first,
                token,
                {"doctor_id": doctor.pk, "clinic_id": clinic.pk, "start": start.isoformat()},
            )
            key = realtime.appointment_key(booked["id"])
            async with asyncio.timeout(DELIVERY_SECONDS):
                return list(await asyncio.gather(wait_for(on_first, key), wait_for(on_second, key)))
        finally:
            await on_first.close()
            await on_second.close()

    deltas = asyncio.run(scenario())

    for delta in deltas:
        assert delta["type"] == "slot"
        assert delta["state"] == "taken"
        assert delta["version"] == 1
        assert delta["start"] == realtime.instant(start)
        assert delta["booking"] is None  # visitors' sockets
