"""daphne's TCP writes: an idle connection sends at once; anything else keeps Twisted's queue,
in order (``entrypoints.daphne_frames.frames_sent_at_once``). Real loopback sockets; the
reactor is a notebook of what asked it to watch a socket for writability."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from twisted.internet import tcp
from twisted.internet.protocol import Protocol

from scheduler.entrypoints.daphne_frames import frames_sent_at_once


class WatchedFor:
    """The reactor's side of a write: who asked to be told when they can write."""

    def __init__(self) -> None:
        self.writers: list[object] = []

    def addWriter(self, writer: object) -> None:
        if writer not in self.writers:
            self.writers.append(writer)

    def removeWriter(self, writer: object) -> None:
        if writer in self.writers:
            self.writers.remove(writer)

    def addReader(self, reader: object) -> None:
        pass

    def removeReader(self, reader: object) -> None:
        pass


class PullProducer:
    """Writes a chunk each time it is asked: it is asked again only as the queue drains."""

    def __init__(self) -> None:
        self.asked = 0

    def resumeProducing(self) -> None:
        self.asked += 1

    def stopProducing(self) -> None:
        pass


@pytest.fixture(autouse=True)
def _sent_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tcp.Connection, "write", tcp.Connection.write)  # put back afterwards
    frames_sent_at_once()


@pytest.fixture
def pair() -> Iterator[tuple[tcp.Connection, socket.socket, WatchedFor]]:
    ours, theirs = socket.socketpair()
    reactor = WatchedFor()
    connection = tcp.Connection(ours, Protocol(), reactor=reactor)  # type: ignore[arg-type]
    connection.connected = True
    theirs.settimeout(2)
    yield connection, theirs, reactor
    ours.close()
    theirs.close()


def _drain(connection: tcp.Connection, reactor: WatchedFor) -> None:
    """What the event loop does for a socket watched for writability, until it is not."""
    for _ in range(1000):
        if connection not in reactor.writers:
            return
        connection.doWrite()
    raise AssertionError("the queue never drained")


def _read(theirs: socket.socket, size: int) -> bytes:
    received = b""
    while len(received) < size:
        received += theirs.recv(size - len(received))
    return received


def test_an_idle_connection_sends_at_once_without_watching_the_socket(
    pair: tuple[tcp.Connection, socket.socket, WatchedFor],
) -> None:
    connection, theirs, reactor = pair

    connection.write(b"frame one")
    connection.write(b"frame two")

    assert _read(theirs, 18) == b"frame oneframe two"
    assert reactor.writers == []


def test_bytes_behind_queued_ones_wait_their_turn(
    pair: tuple[tcp.Connection, socket.socket, WatchedFor],
) -> None:
    connection, theirs, reactor = pair
    connection._tempDataBuffer.append(b"queued ")  # as a write the kernel did not take left it
    connection._tempDataLen += 7

    connection.write(b"then this")

    assert reactor.writers == [connection]
    theirs.setblocking(False)
    with pytest.raises(BlockingIOError):
        theirs.recv(100)
    _drain(connection, reactor)
    theirs.setblocking(True)
    assert _read(theirs, 16) == b"queued then this"


def test_what_the_kernel_does_not_take_is_queued_and_sent_in_order(
    pair: tuple[tcp.Connection, socket.socket, WatchedFor],
) -> None:
    connection, theirs, reactor = pair
    big = bytes(range(256)) * 8192  # 2 MiB: more than a socket pair's buffers hold

    connection.write(big)
    connection.write(b"after")

    assert reactor.writers == [connection]
    received = b""
    while len(received) < len(big) + 5:
        _drain_some(connection, reactor)
        received += theirs.recv(1 << 20)
    assert received == big + b"after"


def _drain_some(connection: tcp.Connection, reactor: WatchedFor) -> None:
    if connection in reactor.writers:
        connection.doWrite()


def test_a_pull_producers_writes_keep_the_queue_that_asks_it_for_more(
    pair: tuple[tcp.Connection, socket.socket, WatchedFor],
) -> None:
    connection, theirs, reactor = pair
    producer = PullProducer()
    connection.registerProducer(producer, False)
    asked = producer.asked

    connection.write(b"chunk")
    _drain(connection, reactor)

    assert _read(theirs, 5) == b"chunk"
    assert producer.asked == asked + 1


def test_a_closing_connection_writes_the_way_twisted_closes_it(
    pair: tuple[tcp.Connection, socket.socket, WatchedFor],
) -> None:
    connection, theirs, reactor = pair
    connection.disconnecting = True

    connection.write(b"last words")

    assert reactor.writers == [connection]
    _drain(connection, reactor)
    assert _read(theirs, 10) == b"last words"


def test_a_lost_connection_is_left_for_twisted_to_find(
    pair: tuple[tcp.Connection, socket.socket, WatchedFor],
) -> None:
    connection, theirs, reactor = pair
    theirs.close()

    connection.write(b"into the void")  # EPIPE: no exception here, the loop's write reports it

    assert reactor.writers == [connection]


def test_an_aborted_connection_sends_nothing_more(
    pair: tuple[tcp.Connection, socket.socket, WatchedFor],
) -> None:
    connection, theirs, _ = pair
    connection._aborting = True  # abortConnection(), before the loop's connectionLost

    connection.write(b"too late")

    theirs.setblocking(False)
    with pytest.raises(BlockingIOError):
        theirs.recv(100)
