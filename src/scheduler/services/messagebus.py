"""Routes a command to its handler. Built per request or task by config.bootstrap."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from scheduler.services.commands import Command
from scheduler.services.handlers import CommandResult


class MessageBus:
    def __init__(self, handlers: Mapping[type[Command], Callable[[Command], CommandResult]]):
        self._handlers = handlers

    def handle(self, command: Command) -> CommandResult:
        return self._handlers[type(command)](command)
