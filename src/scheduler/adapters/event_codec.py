"""Domain events <-> JSON-safe dicts, for the outbox and for anything that ships them."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any, get_origin, get_type_hints

from scheduler.domain.events import EVENT_TYPES, Event


def encode(event: Event) -> dict[str, Any]:
    return {field.name: _plain(getattr(event, field.name)) for field in dataclasses.fields(event)}


def decode(type_name: str, payload: dict[str, Any]) -> Event:
    event_type = EVENT_TYPES[type_name]
    hints = get_type_hints(event_type)
    values = {name: _typed(hints[name], value) for name, value in payload.items()}
    return event_type(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is uuid.UUID:
        return uuid.UUID(value)
    if get_origin(hint) is tuple:  # JSON has lists only
        return tuple(tuple(item) if isinstance(item, list) else item for item in value)
    return value
