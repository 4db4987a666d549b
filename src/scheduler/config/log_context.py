"""What a log line says about where it comes from: the request's id, the user, the appointment.

Set by the request's middleware (entrypoints.request_context: the id, a session's user, the
appointment its URL names) and the API's token sign-in. Each request runs in a context of its
own (ASGI), and the middleware sets all three afresh where one thread serves request after
request (they outlive its __call__: Django logs a refused request's line after the middleware
returned). Outside requests, ``bound`` names them for one piece of work (the outbox relay's
event, a Dramatiq job: adapters.broker) and puts back what was there before, so a thread's
next event or job starts with nothing of this one's. The filter copies them onto every record,
for the JSON lines (LOG_FORMAT=json).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id: ContextVar[int | None] = ContextVar("user_id", default=None)
appointment_id: ContextVar[str | None] = ContextVar("appointment_id", default=None)


class WithContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.user_id = user_id.get()
        record.appointment_id = appointment_id.get()
        return True


def bind(
    *, request: str | None = None, user: int | None = None, appointment: str | None = None
) -> Callable[[], None]:
    """Name all three (None where unknown); the function returned puts back what was there."""
    tokens = (request_id.set(request), user_id.set(user), appointment_id.set(appointment))

    def reset() -> None:
        appointment_id.reset(tokens[2])
        user_id.reset(tokens[1])
        request_id.reset(tokens[0])

    return reset


@contextmanager
def bound(
    *, request: str | None = None, user: int | None = None, appointment: str | None = None
) -> Iterator[None]:
    """All three named while the block runs; as they were, after."""
    reset = bind(request=request, user=user, appointment=appointment)
    try:
        yield
    finally:
        reset()


def current() -> dict[str, Any]:
    """What is named now, as plain values (for a message that carries it to a worker)."""
    return {"request": request_id.get(), "user": user_id.get(), "appointment": appointment_id.get()}
