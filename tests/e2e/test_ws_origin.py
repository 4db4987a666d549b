"""A socket opens only for a page of this site: same scheme, host and port as the socket's
Host, or a trusted origin. Another port on the same host is another site."""

from __future__ import annotations

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from scheduler.config.asgi import application
from scheduler.entrypoints.ws.origin import same_site
from tests.e2e.sockets import live

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_channel_layer"),
]


@pytest.mark.parametrize(
    ("origin", "host", "secure", "allowed"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", False, True),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", False, False),  # another port
        ("https://127.0.0.1:8000", "127.0.0.1:8000", False, False),  # another scheme
        ("http://localhost", "localhost:80", False, True),  # the default port, said or not
        ("https://nobat.example.org", "nobat.example.org", True, True),
        ("null", "127.0.0.1:8000", False, False),
        ("", "127.0.0.1:8000", False, False),
        ("http://[::1", "127.0.0.1:8000", False, False),  # not a URL at all
    ],
)
def test_same_site(origin: str, host: str, secure: bool, allowed: bool) -> None:
    assert same_site(origin, host, secure) is allowed


def test_a_trusted_origin_behind_a_proxy_is_let_in(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://nobat.example.org"]

    assert same_site("https://nobat.example.org", "127.0.0.2:8000", secure=False)


@live
async def test_a_page_of_another_port_cannot_open_a_socket() -> None:
    async def opens(origin: bytes) -> bool:
        communicator = WebsocketCommunicator(
            application, "/ws/slots/1/", headers=[(b"origin", origin), (b"host", b"127.0.0.1:8000")]
        )
        connected, _ = await communicator.connect(timeout=5)
        await communicator.disconnect()
        return bool(connected)

    assert await opens(b"http://127.0.0.1:8000")
    assert not await opens(b"http://127.0.0.1:8666")
