"""Video visits: a room per appointment on the clinic's provider (a URL template such as
``https://meet.example.org/{room}``), open to the patient and the doctor from 10 minutes
before the start until the end.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from scheduler.domain.appointment import Status, VisitMode
from scheduler.domain.errors import InvalidInput
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop

ROOM = "{room}"
OPENS_BEFORE = timedelta(minutes=10)
MAX_TEMPLATE = 300
# Confirmed and not over: a request the doctor has not accepted opens no room.
JOINABLE = frozenset({Status.BOOKED, Status.ARRIVED, Status.IN_CONSULTATION})


def check_template(template: str) -> None:
    """A provider's room URL: https (the visit is private), a host, and ``{room}`` where the
    room's name goes; "" means the clinic offers no video visits."""
    if not template:
        return
    if len(template) > MAX_TEMPLATE:
        raise InvalidInput(
            gettext_noop("At most %(limit)s characters."),
            field="video_url_template",
            params={"limit": MAX_TEMPLATE},
        )
    parts = urlsplit(template.replace(ROOM, "room"))
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in template):
        raise InvalidInput(gettext_noop("Give an https:// address."), field="video_url_template")
    if ROOM not in template:
        raise InvalidInput(
            gettext_noop("Put {room} where the room's name goes."), field="video_url_template"
        )


def new_room() -> str:
    """128 random bits: the name is the only key to the room."""
    return f"nobat-{secrets.token_hex(16)}"


def ensure_offered(mode: VisitMode, template: str) -> None:
    if mode is VisitMode.VIDEO and not template:
        raise InvalidInput(
            gettext_noop("This clinic does not offer video visits."), field="visit_mode"
        )


def opens_at(slot: Interval) -> datetime:
    return slot.start - OPENS_BEFORE


def video_url(
    *, template: str, room: str, slot: Interval, status: Status, now: datetime
) -> str | None:
    """The room's address while it is open to the visit's two people; None before (and after,
    or for a visit that is not a confirmed video visit)."""
    if not template or not room or status not in JOINABLE:
        return None
    if not opens_at(slot) <= now < slot.end:
        return None
    return template.replace(ROOM, room)
