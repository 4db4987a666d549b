"""Socket tests: a communicator on the real ASGI application (origin check, auth middleware,
routing), each test on a channel layer of its own, and the outbox relayed on demand."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from scheduler.adapters import outbox
from scheduler.adapters.orm import models as rows
from scheduler.config import bootstrap
from scheduler.config.asgi import application

ORIGIN = (b"origin", b"http://localhost")
Message = dict[str, Any]


def live(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Runs an async test body on an event loop of its own; fixtures stay synchronous."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        async_to_sync(test)(*args, **kwargs)

    return run


# Where a test's sockets come from, as the server (daphne) says in the scope.
PEER = ("127.0.0.1", 50123)


@asynccontextmanager
async def socket(
    path: str, *, headers: list[tuple[bytes, bytes]] | None = None, peer: tuple[str, int] = PEER
) -> AsyncIterator[WebsocketCommunicator]:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, *(headers or [])])
    # The communicator's scope leaves the peer out; the application reads it on connect.
    communicator.scope["client"] = list(peer)
    connected, _ = await communicator.connect(timeout=5)
    assert connected, f"{path} refused the connection"
    try:
        yield communicator
    finally:
        await communicator.disconnect()


# How long a message that must come may take: a bound for a loaded machine, not a measure.
ARRIVES_WITHIN = 10.0


async def receive(communicator: WebsocketCommunicator, timeout: float = ARRIVES_WITHIN) -> Message:
    message: Message = await communicator.receive_json_from(timeout=timeout)
    return message


async def closed_with(communicator: WebsocketCommunicator, timeout: float = ARRIVES_WITHIN) -> int:
    """Reads until the server closes; the close code."""
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            code: int = output.get("code", 1000)
            return code


async def relay() -> int:
    """Hand the stored events to the real handlers, as the relay thread does after commit."""
    delivered: int = await database_sync_to_async(outbox.relay_pending)(bootstrap.event_handlers())
    return delivered


@database_sync_to_async
def session_cookie(user: rows.User) -> tuple[bytes, bytes]:
    """The Cookie header of a browser signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )


@database_sync_to_async
def token_for(user: rows.User) -> str:
    return str(AccessToken.for_user(user))


def text_of(message: Message) -> str:
    return json.dumps(message)
