"""A socket's Host must be one of ALLOWED_HOSTS, as a page's must: a name of an attacker's
that resolves to the server (DNS rebinding) opens nothing, though its page's Origin matches it.
Through a real server's handshake."""

from __future__ import annotations

import socket

import pytest

from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


def handshake_status(server: Server, host: str) -> int:
    """The HTTP status a socket handshake from a page at ``http://<host>`` gets."""
    request = (
        "GET /ws/slots/1/ HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"Origin: http://{host}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request.encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(1024)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_a_host_not_allowed_is_refused(server: Server, host: str) -> None:
    assert handshake_status(server, host) == 403


def test_an_allowed_host_opens(server: Server) -> None:
    assert handshake_status(server, f"127.0.0.1:{server.port}") == 101
