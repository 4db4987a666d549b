"""Slot-grid sockets held open against live ``scheduler serve`` processes, as browsers hold them:
each keeps its own copy of the grid from the snapshot and the deltas after it, drops a delta
older than what it has (by the appointment's version), asks for a snapshot after a gap, and
opens again (on whichever process now serves its side) when its process goes away.

They run on an event loop of their own in a background thread, so the test's thread stays free
for HTTP traffic, killing processes and reading the database.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from tests.servers import Server

OCCUPIED = frozenset({"taken", "held"})
REOPEN_PAUSE = 0.2  # seconds between attempts to open a socket again
REOPEN_ATTEMPTS = 600  # at most two minutes of attempts for one socket
OPEN_SECONDS = 5


@dataclass(frozen=True)
class SlotState:
    version: int
    start: str  # the slot's start, as the wire gives it (UTC ISO)
    state: str  # free, taken or held


@dataclass
class GridWatcher:
    """One socket's grid: each appointment's latest state, by its opaque key."""

    side: int  # which of the cluster's web processes it watches through
    path: str
    slots: dict[str, SlotState] = field(default_factory=dict)
    snapshots: int = 0
    deltas: int = 0
    stale: int = 0  # deltas older than (or the same as) what the grid had: dropped
    # deltas that came, on one connection, after a newer delta of the same appointment (the
    # snapshot does not count: a delta older than it is only stale)
    out_of_order: int = 0
    gaps: int = 0  # deltas past the next version: a snapshot asked for instead
    opened: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def counts(self) -> str:
        return (
            f"side {self.side}: opened {self.opened}, snapshots {self.snapshots}, "
            f"deltas {self.deltas} ({self.stale} stale, {self.out_of_order} out of order, "
            f"{self.gaps} gaps)"
        )

    def occupied(self) -> set[str]:
        """The starts of the slots this grid shows taken or held."""
        with self._lock:
            return {slot.start for slot in self.slots.values() if slot.state in OCCUPIED}

    def took_snapshot(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.snapshots += 1
            self.slots = {
                slot["key"]: SlotState(slot["version"], slot["start"], slot["state"])
                for slot in message["slots"]
            }

    def judge(self, message: dict[str, Any], heard: dict[str, int]) -> bool:
        """Apply a delta unless it is old news; whether a snapshot must be asked for (a gap).
        ``heard``: the newest version of each appointment's deltas on this connection so far
        (a new one for each connection: what an earlier one carried says nothing of order)."""
        key, version = message["key"], message["version"]
        with self._lock:
            self.deltas += 1
            if version < heard.get(key, 0):
                self.out_of_order += 1
            heard[key] = max(version, heard.get(key, 0))
            known = self.slots.get(key)
            if known is not None and version <= known.version:
                self.stale += 1
                return False
            if known is not None and version > known.version + 1:
                self.gaps += 1
                return True
            self.slots[key] = SlotState(version, message["start"], message["state"])
            return False


class Watchers:
    """Grid sockets on the cluster's web processes; ``webs`` is read at each (re)open, so a
    process replaced in it is where its side's sockets open next."""

    def __init__(self, webs: Sequence[Server], paths: Sequence[tuple[int, str]]) -> None:
        self.webs = webs
        self.grids = [GridWatcher(side, path) for side, path in paths]
        self._loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()  # bound to the loop that first waits on it
        self._thread = threading.Thread(target=self._run, name="grid-watchers", daemon=True)
        self.errors: list[str] = []

    def start(self) -> Watchers:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=30)

    def all(self, condition: Callable[[GridWatcher], bool]) -> bool:
        return all(condition(grid) for grid in self.grids)

    def _run(self) -> None:
        self._loop.run_until_complete(self._watch_all())
        self._loop.close()

    async def _watch_all(self) -> None:
        tasks = [asyncio.ensure_future(self._watch(grid)) for grid in self.grids]
        await self._stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _watch(self, grid: GridWatcher) -> None:
        for _ in range(REOPEN_ATTEMPTS):
            web = self.webs[grid.side]
            try:
                async with connect(
                    f"{web.ws_url}{grid.path}",
                    origin=web.url,  # type: ignore[arg-type]
                    proxy=None,
                    open_timeout=OPEN_SECONDS,
                ) as socket:
                    grid.opened += 1
                    await self._follow(grid, socket)
            except (OSError, TimeoutError, WebSocketException):
                pass  # its process went away (or is not up yet): open again
            await asyncio.sleep(REOPEN_PAUSE)
        self.errors.append(f"{grid.path} on side {grid.side}: gave up opening")

    async def _follow(self, grid: GridWatcher, socket: ClientConnection) -> None:
        heard: dict[str, int] = {}  # this connection's: order is judged on one connection
        async for raw in socket:
            message = json.loads(raw)
            match message.get("type"):
                case "snapshot":
                    grid.took_snapshot(message)
                case "slot":
                    if grid.judge(message, heard):
                        await socket.send(json.dumps({"type": "snapshot"}))
                case other:
                    self.errors.append(f"{grid.path}: unexpected {other}: {message}")
