"""Routes a command to its handler. Built per request or task by config.bootstrap."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scheduler.services.commands import Command


class MessageBus:
    def __init__(self, handlers: Mapping[type[Command], Callable[[Command], object]]):
        self._handlers = handlers

    def handle(self, command: Command) -> Any:
        """What the command's handler returns (each handler says what it answers with)."""
        return self._handlers[type(command)](command)
