"""How a socket's messages reach its handlers, and what a delta costs a process: one dispatch at
a time in arrival order (``ws.serial_dispatch``), one read of a group message (the pub/sub
layer), one text a view (``consumers._SentTexts``), no session hand on frames."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from autobahn import util as autobahn_util
from channels.exceptions import StopConsumer

from scheduler.adapters.channel_layer import PubSubLayer
from scheduler.entrypoints.daphne_frames import plain_frame_logs
from scheduler.entrypoints.ws.auth import SocketSessionMiddleware
from scheduler.entrypoints.ws.consumers import _SentTexts
from scheduler.entrypoints.ws.serial_dispatch import dispatch_serially
from tests.e2e.sockets import live

WAIT = 5.0


class Source:
    """A queue read as Channels reads a socket or a channel: one message an await."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.cancelled = False

    async def __call__(self) -> Any:
        try:
            message = await self.queue.get()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if isinstance(message, BaseException):
            raise message
        return message


@live
async def test_messages_of_both_sources_are_handled_one_at_a_time_in_the_order_they_came() -> None:
    socket, channel = Source(), Source()
    handled: list[str] = []
    busy = asyncio.Event()
    release = asyncio.Event()

    async def dispatch(message: str) -> None:
        handled.append(f"start {message}")
        if message == "slow":
            busy.set()
            await release.wait()  # a snapshot's read, say: the next message waits for it
        handled.append(f"end {message}")

    running = asyncio.ensure_future(dispatch_serially([socket, channel], dispatch))
    socket.queue.put_nowait("slow")
    await asyncio.wait_for(busy.wait(), WAIT)
    channel.queue.put_nowait("delta 1")
    socket.queue.put_nowait("snapshot request")
    channel.queue.put_nowait("delta 2")
    for _ in range(5):
        await asyncio.sleep(0)
    assert handled == ["start slow"]

    release.set()
    socket.queue.put_nowait(StopConsumer())
    with pytest.raises(StopConsumer):
        await asyncio.wait_for(running, WAIT)

    assert handled == [
        "start slow",
        "end slow",
        "start delta 1",
        "end delta 1",
        "start snapshot request",
        "end snapshot request",
        "start delta 2",
        "end delta 2",
    ]


@live
async def test_what_a_handler_raises_ends_the_loop_and_stops_the_other_source() -> None:
    socket, channel = Source(), Source()

    async def dispatch(message: str) -> None:
        raise ValueError(message)

    running = asyncio.ensure_future(dispatch_serially([socket, channel], dispatch))
    channel.queue.put_nowait("no handler for this")
    with pytest.raises(ValueError, match="no handler for this"):
        await asyncio.wait_for(running, WAIT)
    assert socket.cancelled


@live
async def test_a_source_that_fails_ends_the_loop_with_its_error() -> None:
    socket, channel = Source(), Source()
    handled: list[str] = []

    async def dispatch(message: str) -> None:
        handled.append(message)

    running = asyncio.ensure_future(dispatch_serially([socket, channel], dispatch))
    channel.queue.put_nowait(ConnectionError("the layer is gone"))
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(running, WAIT)
    assert socket.cancelled and handled == []


@live
async def test_cancelling_the_consumer_cancels_both_listeners() -> None:
    socket, channel = Source(), Source()

    async def dispatch(message: str) -> None:
        pass

    running = asyncio.ensure_future(dispatch_serially([socket, channel], dispatch))
    await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert socket.cancelled and channel.cancelled


def test_the_pub_sub_layer_reads_a_group_message_once_for_all_its_sockets() -> None:
    layer = PubSubLayer(hosts=["redis://127.0.0.1:6379/11"])  # never connected here
    sent = layer.serialize({"type": "slots.changed", "slot": {"key": "a"}})
    again = bytes(bytearray(sent))  # the same bytes, another message (as a second publish)

    first = layer.deserialize(sent)
    assert layer.deserialize(sent) is first
    assert first == {"type": "slots.changed", "slot": {"key": "a"}}
    other = layer.deserialize(again)
    assert other == first and other is not first


def test_a_delta_is_encoded_once_a_view_and_each_view_keeps_its_own_text() -> None:
    texts = _SentTexts()
    message = {"type": "slots.changed", "slot": {"key": "a"}, "booking": {"patient_id": 7}}
    made: list[bool] = []

    def content(sees: bool) -> Any:
        def make() -> dict[str, Any]:
            made.append(sees)
            return {"key": "a", "booking": message["booking"] if sees else None}

        return make

    hidden = [texts.text(message, False, content(False)) for _ in range(3)]
    shown = [texts.text(message, True, content(True)) for _ in range(3)]

    assert made == [False, True]
    assert {json.loads(t)["booking"] is None for t in hidden} == {True}
    assert {json.loads(t)["booking"]["patient_id"] for t in shown} == {7}


def test_the_texts_of_the_latest_messages_are_kept_and_older_ones_let_go() -> None:
    texts = _SentTexts()
    messages = [{"n": n} for n in range(_SentTexts.KEPT + 1)]
    for message in messages:
        texts.text(message, None, lambda message=message: message)
    made: list[int] = []

    def remake(message: dict[str, int]) -> Any:
        return lambda: made.append(message["n"]) or message

    texts.text(messages[-1], None, remake(messages[-1]))  # kept
    texts.text(messages[0], None, remake(messages[0]))  # the oldest: let go, made again

    assert made == [0]


@live
async def test_a_socket_reads_its_session_and_sends_frames_past_the_session_wrapper() -> None:
    seen: dict[str, Any] = {}

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(scope=scope, send=send)

    async def send(message: dict[str, Any]) -> None:
        pass

    scope = {"type": "websocket", "cookies": {"sessionid": "no-such-session"}}
    await SocketSessionMiddleware(inner)(scope, None, send)

    assert seen["send"] is send
    assert "session" in seen["scope"] and "session" not in scope


def test_autobahns_frame_logs_are_left_uncoloured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(autobahn_util, "_HAS_CLICK", True)  # as with click installed
    assert autobahn_util.hl("sendData") != "sendData"

    plain_frame_logs()

    assert autobahn_util.hl("sendData") == "sendData"
