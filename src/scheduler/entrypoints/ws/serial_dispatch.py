"""A consumer's messages, from its socket and from the channel layer, handled one at a time as
Channels handles them, without Channels' cost a message.

Channels' ``await_many_dispatch`` races its sources with ``asyncio.wait`` and makes a new task
for each message. With 500 sockets watching one day, that bookkeeping was a sixth of a daphne
process's time for each change, before any frame was written. Here each source has one task
for the consumer's life, and a lock keeps the handlers one at a time, in the order their
messages came (an asyncio lock wakes its waiters first come, first served), as there: a message
waits while another is handled, and at most one waits from each source. Both tasks run in one
context, as the one task of Channels did: what a handler sets in a context variable (whom the
socket's reads are audited for, set on connect) holds for the handlers of the other source too.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

Source = Callable[[], Awaitable[Any]]


async def dispatch_serially(
    sources: Sequence[Source], dispatch: Callable[[Any], Awaitable[None]]
) -> None:
    """Hand every message of ``sources`` to ``dispatch``, one at a time, until one of them
    raises (Channels' ``StopConsumer`` among them): that exception ends this too."""
    turn = asyncio.Lock()

    async def pump(source: Source) -> None:
        while True:
            message = await source()
            async with turn:
                await dispatch(message)

    # One context for both: a task step never overlaps another, so they never enter it at once.
    shared = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    pumps = [loop.create_task(pump(source), context=shared) for source in sources]
    try:
        done, _ = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a pump ends only by an exception: raise it here
    finally:
        for task in pumps:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
