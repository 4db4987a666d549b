"""What daphne's libraries do with the frames they send, changed where it cost or broke a socket.

**Debug lines.** For every frame it sends, autobahn's ``sendData`` builds the arguments of a
debug line (the method's qualified name, the peer, the size), coloured with click where click
is installed, whether debug lines are logged or not. Production installs no click; the tests and
benchmarks do (schemathesis brings it), and there the colouring took a twentieth of a daphne
process's time in a fan-out to 500 sockets. Turned off, every server pays what production pays,
and no terminal colour code reaches a log line.

**Writes.** Twisted's TCP transport never sends from ``write``: it queues the bytes, asks the
event loop to watch the socket for writability (an ``epoll_ctl``), sends on the loop's next turn
and stops watching (another). In a fan-out that was a fifth of a daphne process, and no socket
got its frame before every other socket of the process had been given one. An idle connection
now sends at once, as asyncio's own socket transports do; whatever the kernel does not take,
and everything while bytes are already queued, goes Twisted's way, in order.

**Limits.** autobahn holds what the server sends to the limit on a message it receives
(``SOCKET_MESSAGE_BYTES``, what a browser may send), and closes the socket (1011) when it would
go over: a slot grid of a month of five-minute slots is 200 KB. The limit is for browsers; what
the server sends is bounded by what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autobahn import util
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import tcp

_queued_write: Callable[[tcp.Connection, bytes], None] = tcp.Connection.write
_send_message: Callable[..., None] = WebSocketProtocol.sendMessage


def plain_frame_logs() -> None:
    util._HAS_CLICK = False


def frames_sent_at_once() -> None:
    tcp.Connection.write = _write_now  # type: ignore[method-assign, assignment]


def limits_on_what_browsers_send() -> None:
    WebSocketProtocol.sendMessage = _send_any_size


def _send_any_size(protocol: WebSocketProtocol, payload: bytes, *args: Any, **kwargs: Any) -> None:
    # One call on the event loop's thread: no frame is received while the limit is lifted.
    limit = protocol.maxMessagePayloadSize
    protocol.maxMessagePayloadSize = 0
    try:
        _send_message(protocol, payload, *args, **kwargs)
    finally:
        protocol.maxMessagePayloadSize = limit


def _write_now(transport: tcp.Connection, data: bytes) -> None:
    if not _idle(transport) or not isinstance(data, bytes) or not data:
        _queued_write(transport, data)
        return
    sent = transport.writeSomeData(data)
    if isinstance(sent, BaseException):
        # The connection is gone: Twisted's own write finds that out and closes it as usual.
        _queued_write(transport, data)
    elif sent < len(data):
        _queued_write(transport, data[sent:])


def _idle(transport: tcp.Connection) -> bool:
    """Connected, in plain TCP, with nothing queued and no close or abort under way.

    A streaming producer that is not paused (what every HTTP channel, and so every socket, has
    registered) is only paused by a buffer that fills; a pull producer is asked for more only as
    a queued write drains, so its writes keep Twisted's way.
    """
    return bool(
        not transport.TLS
        and transport.connected
        and not transport.disconnecting
        and not transport._aborting
        and not transport._writeDisconnecting
        and not transport._writeDisconnected
        and (
            transport.producer is None
            or (transport.streamingProducer and not transport.producerPaused)
        )
        and not transport._tempDataBuffer
        and transport.offset == len(transport.dataBuffer)
    )
